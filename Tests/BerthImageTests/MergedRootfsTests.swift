// MergedRootfs against layers unpacked by berth's own LayerUnpacker: symlinks
// resolve inside the root as the kernel would inside the container, overlay's
// whiteouts and opaque directories hide what they hide, only capped regular
// files are read. Runs as root (whiteouts are 0/0 device nodes).
@testable import BerthImage
import Foundation
import Testing
import TestSupport

@Suite struct MergedRootfsTests {
    /// A temp dir holding one directory per layer, unpacked from TarBuilders.
    final class Stack {
        let directory: TemporaryDirectory
        var layers: [String] = []

        init() throws { directory = try TemporaryDirectory("berth-rootfs-test") }

        /// Adds a layer on top; layers are listed top first, as MergedRootfs takes them.
        func push(_ tar: TarBuilder) throws {
            let dir = directory.path("layer\(layers.count)")
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let options = UnpackOptions(opaqueXattr: "user.overlay.opaque", canChown: true, canCreateDevices: true)
            let unpacker = try LayerUnpacker(directory: dir, location: dir, options: options)
            try unpacker.unpack(TarReader(MemoryStream(tar.bytes()), location: dir))
            layers.insert(dir, at: 0)
        }

        func rootfs() throws -> MergedRootfs {
            try MergedRootfs(layers: layers, location: "test", opaqueXattr: "user.overlay.opaque")
        }
    }

    private func text(_ rootfs: MergedRootfs, _ path: String) throws -> String? {
        try rootfs.readFile(path, limit: 1 << 20).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The message a refused call throws; nil when it succeeds.
    private func refusal(_ body: () throws -> Any?) -> String? {
        do { _ = try body(); return nil } catch { return "\(error)" }
    }

    private func base() -> TarBuilder {
        var tar = TarBuilder()
        tar.directory("etc")
        tar.file("etc/passwd", "root:x:0:0::/root:/bin/sh\n")
        tar.directory("usr")
        tar.directory("usr/lib")
        tar.file("usr/lib/passwd", "inside:x:7:7::/:/bin/sh\n")
        return tar
    }

    @Test func symlinks_resolve_inside_the_root_never_on_the_host() throws {
        let stack = try Stack()
        // A host file with content berth must never return.
        let hostFile = try stack.directory.write("host-only-content\n", to: "host-secret")
        try stack.push(base())
        var top = TarBuilder()
        top.directory("etc")
        top.symlink("etc/abs", to: hostFile)
        top.symlink("etc/chain", to: "../../../../../../.." + hostFile)
        top.symlink("etc/inside-abs", to: "/usr/lib/passwd")
        top.symlink("etc/inside-rel", to: "../usr/lib/passwd")
        top.symlink("etc/shadow-link", to: "/etc/shadow")
        top.symlink("etc/dotdot", to: "/../../etc/../usr/./lib/passwd")
        top.symlink("libdir", to: "usr/lib")
        try stack.push(top)
        let rootfs = try stack.rootfs()

        #expect(try text(rootfs, "/etc/abs") == nil, "an absolute target is looked up in the root, where it does not exist")
        #expect(try text(rootfs, "/etc/chain") == nil, "`..` stops at the root")
        #expect(try text(rootfs, "/etc/shadow-link") == nil, "the host's /etc/shadow is not the container's")
        #expect(try text(rootfs, "/etc/inside-abs") == "inside:x:7:7::/:/bin/sh\n")
        #expect(try text(rootfs, "/etc/inside-rel") == "inside:x:7:7::/:/bin/sh\n")
        #expect(try text(rootfs, "/etc/dotdot") == "inside:x:7:7::/:/bin/sh\n")
        #expect(try text(rootfs, "libdir/passwd") == "inside:x:7:7::/:/bin/sh\n", "a symlinked directory on the way")
        #expect(try text(rootfs, "/libdir/../lib/passwd") == "inside:x:7:7::/:/bin/sh\n", "`..` after a symlink is the target's parent")
        #expect(try text(rootfs, "/libdir/../etc/passwd") == nil, "not the link's parent, as in the kernel")
        #expect(try rootfs.status("/etc/inside-rel")?.path == "/usr/lib/passwd")
        #expect(try rootfs.linkStatus("/etc/inside-rel")?.kind == .symlink)
        #expect(try rootfs.readLink("/etc/abs") == hostFile)
        #expect(try text(rootfs, "/etc/passwd/x") == nil, "a file is no directory")
    }

    @Test func only_capped_regular_files_are_read() throws {
        let stack = try Stack()
        var tar = base()
        tar.directory("dev")
        tar.node("dev/zero", type: "3", major: 1, minor: 5)
        tar.node("etc/fifo", type: "6")
        tar.symlink("etc/zero", to: "/dev/zero")
        tar.symlink("etc/to-fifo", to: "fifo")
        tar.file("etc/big", [UInt8](repeating: 97, count: 2048))
        tar.symlink("etc/loop1", to: "loop2")
        tar.symlink("etc/loop2", to: "loop1")
        try stack.push(tar)
        let rootfs = try stack.rootfs()

        #expect(refusal { try rootfs.readFile("/etc/zero", limit: 1024) } == "/etc/zero in test is a character device, not a regular file")
        #expect(refusal { try rootfs.readFile("/etc/to-fifo", limit: 1024) } == "/etc/to-fifo in test is a fifo, not a regular file")
        #expect(refusal { try rootfs.readFile("/etc", limit: 1024) } == "/etc in test is a directory, not a regular file")
        #expect(refusal { try rootfs.readFile("/etc/big", limit: 1024) } == "/etc/big in test is larger than 1 KiB")
        #expect(try rootfs.readFile("/etc/big", limit: 2048)?.count == 2048)
        #expect(refusal { try rootfs.readFile("/etc/loop1", limit: 1024) } == "/etc/loop1 in test cannot be resolved: more than 40 symbolic links")
        #expect(try rootfs.linkStatus("/etc/loop1")?.kind == .symlink, "lstat does not follow")
    }

    @Test func forty_symlinks_resolve_and_the_forty_first_fails() throws {
        let stack = try Stack()
        var tar = base()
        for i in 0..<41 { tar.symlink("etc/l\(i)", to: i == 0 ? "passwd" : "l\(i - 1)") }
        try stack.push(tar)
        let rootfs = try stack.rootfs()
        #expect(try text(rootfs, "/etc/l39") == "root:x:0:0::/root:/bin/sh\n")
        #expect(refusal { try rootfs.readFile("/etc/l40", limit: 1024) } == "/etc/l40 in test cannot be resolved: more than 40 symbolic links")
    }

    @Test func whiteouts_and_opaque_directories_hide_lower_layers() throws {
        let stack = try Stack()
        var lower = base()
        lower.file("etc/group", "root:x:0:\n")
        lower.directory("opt")
        lower.file("opt/old", "old")
        lower.directory("var")
        lower.file("var/kept", "kept")
        lower.file("replaced", "file")
        try stack.push(lower)
        var upper = TarBuilder()
        upper.directory("etc")
        upper.whiteout("etc/group")
        upper.directory("opt")
        upper.opaque("opt")
        upper.file("opt/new", "new")
        upper.directory("var")
        upper.file("var/added", "added")
        upper.directory("replaced")
        try stack.push(upper)
        let rootfs = try stack.rootfs()

        #expect(try text(rootfs, "/etc/group") == nil)
        #expect(try rootfs.linkStatus("/etc/group") == nil)
        #expect(try text(rootfs, "/etc/passwd") == "root:x:0:0::/root:/bin/sh\n", "a whiteout hides one name only")
        #expect(try rootfs.list("/etc")?.map(\.name) == ["passwd"])
        #expect(try rootfs.list("/opt")?.map(\.name) == ["new"], "an opaque directory hides the lower one's entries")
        #expect(try text(rootfs, "/opt/old") == nil)
        #expect(try rootfs.list("/var")?.map(\.name) == ["added", "kept"], "plain directories merge")
        #expect(try rootfs.list("/var")?.map(\.layer) == [0, 1])
        #expect(try rootfs.status("/replaced")?.kind == .directory)

        var visited: [String] = []
        try rootfs.walk("/") { entry in
            visited.append(entry.path)
            return entry.path != "/usr"
        }
        #expect(visited == ["/", "/etc", "/etc/passwd", "/opt", "/opt/new", "/replaced", "/usr", "/var", "/var/added", "/var/kept"])
    }

    @Test func a_plain_directory_has_no_overlay_meaning() throws {
        let stack = try Stack()
        var tar = TarBuilder()
        tar.directory("etc")
        tar.whiteout("etc/group")
        tar.symlink("etc/passwd", to: "/../../../../etc/shadow")
        tar.symlink("etc/self", to: "/../etc/self")
        try stack.push(tar)
        let rootfs = try MergedRootfs(directory: stack.layers[0], location: "test")
        #expect(try rootfs.linkStatus("/etc/group")?.kind == .characterDevice, "a 0/0 device is just a device here")
        #expect(try text(rootfs, "/etc/passwd") == nil, "the symlink resolves inside the directory")
        #expect(refusal { try rootfs.readFile("/etc/self", limit: 1024) } == "/etc/self in test cannot be resolved: more than 40 symbolic links")
    }
}
