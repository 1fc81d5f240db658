// COPY and ADD semantics against a real context directory, a base image layer
// and a fresh layer directory: where each source lands (docker's rules), with
// which owner and mode, and what is refused with which message.
@testable import BerthEngine
import BerthBuild
import BerthImage
import Foundation
import Glibc
import Testing
import TestSupport

/// A context, a one-layer base image and an empty layer directory to write.
final class CopyFixture {
    let directory: TemporaryDirectory
    var ignored: Set<String> = []

    init() throws {
        directory = try TemporaryDirectory("berth-copy-test")
        for dir in ["ctx", "base", "layer"] {
            try FileManager.default.createDirectory(atPath: directory.path(dir), withIntermediateDirectories: true)
        }
        try base("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n")
        try base("etc/group", "root:x:0:\nappgroup:x:1001:\nstaff:x:50:\n")
    }

    var context: String { directory.path("ctx") }
    var layer: String { directory.path("layer") }

    /// A file in the context; `mode` applied after writing.
    @discardableResult
    func file(_ relative: String, _ text: String, mode: mode_t = 0o644) throws -> String {
        let path = try directory.write(text, to: "ctx/" + relative)
        chmod(path, mode)
        return path
    }

    func dir(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: directory.path("ctx/" + relative), withIntermediateDirectories: true)
    }

    func symlink(_ relative: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: directory.path("ctx/" + relative), withDestinationPath: target)
    }

    func base(_ relative: String, _ text: String) throws {
        try directory.write(text, to: "base/" + relative)
    }

    func baseSymlink(_ relative: String, to target: String) throws {
        let path = directory.path("base/" + relative)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
    }

    var source: CopySource {
        let ignored = self.ignored
        return .context(root: context, exclude: { path in
            ignored.contains { path == $0 || path.hasPrefix($0 + "/") }
        }, mayIncludeBelow: { _ in false })
    }

    func image() throws -> MergedRootfs {
        try MergedRootfs(layers: [directory.path("base")], location: "image base", opaqueXattr: "user.overlay.opaque")
    }

    static var canChown: Bool { geteuid() == 0 }

    func copy(_ request: CopyRequest, from source: CopySource? = nil) throws {
        let options = RootfsWriteOptions(canChown: Self.canChown, canCreateDevices: false, timestamp: request.timestamp)
        try CopyStep.perform(request, from: source ?? self.source, into: layer, image: try image(), options: options)
    }

    /// The error text of a copy that must fail; nil when it succeeds.
    func failure(_ request: CopyRequest) -> String? {
        do { try copy(request); return nil } catch { return "\(error)" }
    }

    /// Every path in the layer directory, sorted, directories with a trailing `/`,
    /// symlinks as `name -> target`.
    func tree() throws -> [String] {
        var result: [String] = []
        func walk(_ relative: String) throws {
            let full = relative.isEmpty ? layer : layer + "/" + relative
            for name in try FileManager.default.contentsOfDirectory(atPath: full).sorted() {
                let path = relative.isEmpty ? name : relative + "/" + name
                var st = stat()
                lstat(layer + "/" + path, &st)
                switch st.st_mode & S_IFMT {
                case S_IFDIR:
                    result.append(path + "/")
                    try walk(path)
                case S_IFLNK:
                    result.append(path + " -> " + (try FileManager.default.destinationOfSymbolicLink(atPath: layer + "/" + path)))
                default:
                    result.append(path)
                }
            }
        }
        try walk("")
        return result
    }

    func text(_ relative: String) throws -> String { try readText(layer + "/" + relative) }

    func status(_ relative: String) -> stat? {
        var st = stat()
        return lstat(layer + "/" + relative, &st) == 0 ? st : nil
    }
}

@Suite struct BuildCopyTests {
    /// Source forms and destinations against a context of a, b.txt, c.txt and
    /// dir/{x, sub/y}: what the layer holds afterwards.
    @Test(arguments: [
        (["a"], "/dst", false, ["dst"]),
        (["a"], "/dst/", false, ["dst/", "dst/a"]),
        (["a"], "dst", false, ["work/", "work/dst"]),
        (["a"], ".", false, ["work/", "work/a"]),
        (["dir"], "/dst", false, ["dst/", "dst/sub/", "dst/sub/y", "dst/x"]),
        (["dir/"], "/", false, ["sub/", "sub/y", "x"]),
        (["*.txt"], "/dst/", false, ["dst/", "dst/b.txt", "dst/c.txt"]),
        (["a", "dir"], "/dst/", false, ["dst/", "dst/a", "dst/sub/", "dst/sub/y", "dst/x"]),
        (["dir/sub/y"], "/dst/", true, ["dst/", "dst/dir/", "dst/dir/sub/", "dst/dir/sub/y"]),
        (["dir/./sub/y"], "/dst/", true, ["dst/", "dst/sub/", "dst/sub/y"]),
        (["d?r/s*"], "/dst/", false, ["dst/", "dst/y"]),
        (["/a", "../b.txt"], "/dst/", false, ["dst/", "dst/a", "dst/b.txt"]),
    ] as [([String], String, Bool, [String])])
    func sources_land_where_docker_puts_them(sources: [String], destination: String, parents: Bool, expected: [String]) throws {
        let fixture = try CopyFixture()
        try fixture.file("a", "A")
        try fixture.file("b.txt", "B")
        try fixture.file("c.txt", "C")
        try fixture.file("dir/x", "X")
        try fixture.file("dir/sub/y", "Y")
        try fixture.copy(CopyRequest(sources: sources, destination: destination, workingDirectory: "/work", parents: parents))
        #expect(try fixture.tree() == expected)
    }

    @Test func file_content_mode_and_mtime_are_kept_and_owner_is_root() throws {
        let fixture = try CopyFixture()
        let path = try fixture.file("tool", "#!/bin/sh\necho hi\n", mode: 0o751)
        var times = [timespec(tv_sec: 1_600_000_000, tv_nsec: 5), timespec(tv_sec: 1_600_000_000, tv_nsec: 5)]
        utimensat(AT_FDCWD, path, &times, 0)
        try fixture.copy(CopyRequest(sources: ["tool"], destination: "/usr/bin/tool"))
        #expect(try fixture.text("usr/bin/tool") == "#!/bin/sh\necho hi\n")
        let st = try #require(fixture.status("usr/bin/tool"))
        #expect(st.st_mode & 0o7777 == 0o751)
        #expect(st.st_mtim.tv_sec == 1_600_000_000)
        if CopyFixture.canChown { #expect(st.st_uid == 0 && st.st_gid == 0) }
        // New parents: 0755, as docker makes them.
        #expect(fixture.status("usr").map { $0.st_mode & 0o7777 } == 0o755)
    }

    @Test func existing_directory_in_the_image_receives_the_file_by_name() throws {
        let fixture = try CopyFixture()
        try fixture.file("a", "A")
        try fixture.copy(CopyRequest(sources: ["a"], destination: "/etc"))
        #expect(try fixture.tree() == ["etc/", "etc/a"])
    }

    @Test func image_symlinks_below_the_destination_are_followed_not_replaced() throws {
        let fixture = try CopyFixture()
        try fixture.base("usr/lib/existing", "E")
        try fixture.baseSymlink("lib", to: "usr/lib")
        try fixture.file("root/lib/x", "X")
        try fixture.file("root/new/y", "Y")
        try fixture.copy(CopyRequest(sources: ["root/"], destination: "/"))
        #expect(try fixture.tree() == ["new/", "new/y", "usr/", "usr/lib/", "usr/lib/x"])
    }

    @Test func several_sources_need_a_directory_destination() throws {
        let fixture = try CopyFixture()
        try fixture.file("a", "A")
        try fixture.file("b.txt", "B")
        try fixture.file("c.txt", "C")
        let message = "When using COPY with more than one source file, the destination must be a directory and end with a /"
        #expect(fixture.failure(CopyRequest(sources: ["a", "b.txt"], destination: "/dst")) == message)
        #expect(fixture.failure(CopyRequest(sources: ["*.txt"], destination: "/dst")) == message)
        #expect(try fixture.tree() == [])
    }

    @Test func missing_and_ignored_sources_are_errors_naming_them() throws {
        let fixture = try CopyFixture()
        try fixture.file("ignored", "I")
        fixture.ignored = ["ignored"]
        let ctx = fixture.context
        #expect(fixture.failure(CopyRequest(sources: ["nope"], destination: "/x"))
            == "checking on sources under \"\(ctx)\": copier: stat: \"/nope\": no such file or directory")
        #expect(fixture.failure(CopyRequest(sources: ["nomatch*"], destination: "/x/"))
            == "checking on sources under \"\(ctx)\": copier: stat: [\"/nomatch*\"]: no such file or directory")
        #expect(fixture.failure(CopyRequest(sources: ["ignored"], destination: "/x"))
            == "no items matching glob \"\(ctx)/ignored\" copied (1 filtered out using the ignore file): no such file or directory")
    }

    @Test func ignored_files_are_invisible_to_globs_and_directory_copies() throws {
        let fixture = try CopyFixture()
        try fixture.file("keep.txt", "K")
        try fixture.file("secret.txt", "S")
        try fixture.file("dir/keep", "K")
        try fixture.file("dir/secret", "S")
        fixture.ignored = ["secret.txt", "dir/secret"]
        try fixture.copy(CopyRequest(sources: ["*.txt", "dir"], destination: "/dst/"))
        #expect(try fixture.tree() == ["dst/", "dst/keep", "dst/keep.txt"])
    }

    @Test func exclude_flag_leaves_matching_entries_out() throws {
        let fixture = try CopyFixture()
        try fixture.file("dir/a.md", "A")
        try fixture.file("dir/b.txt", "B")
        try fixture.file("dir/sub/c.md", "C")
        try fixture.file("dir/sub/d.txt", "D")
        try fixture.copy(CopyRequest(sources: ["dir"], destination: "/dst", excludes: ["*.md", "sub/*.md"]))
        #expect(try fixture.tree() == ["dst/", "dst/b.txt", "dst/sub/", "dst/sub/d.txt"])
        let globbed = try CopyFixture()
        try globbed.file("a.txt", "A")
        try globbed.file("b.txt", "B")
        try globbed.copy(CopyRequest(sources: ["*.txt"], destination: "/d/", excludes: ["b*"]))
        #expect(try globbed.tree() == ["d/", "d/a.txt"])
        let again = try CopyFixture()
        try again.file("dir/sub/c.md", "C")
        try again.file("dir/sub/d.txt", "D")
        try again.copy(CopyRequest(sources: ["dir"], destination: "/dst", excludes: ["**/*.md"]))
        #expect(try again.tree() == ["dst/", "dst/sub/", "dst/sub/d.txt"])
    }

    @Test func symlinks_inside_a_directory_are_copied_as_links() throws {
        let fixture = try CopyFixture()
        try fixture.file("dir/target", "T")
        try fixture.symlink("dir/link", to: "/etc/shadow")
        try fixture.copy(CopyRequest(sources: ["dir"], destination: "/dst"))
        #expect(try fixture.tree() == ["dst/", "dst/link -> /etc/shadow", "dst/target"])
    }

    @Test func hardlinks_within_one_copy_stay_links() throws {
        let fixture = try CopyFixture()
        let first = try fixture.file("dir/one", "same")
        link(first, fixture.context + "/dir/two")
        try fixture.copy(CopyRequest(sources: ["dir"], destination: "/dst"))
        let one = try #require(fixture.status("dst/one"))
        let two = try #require(fixture.status("dst/two"))
        #expect(one.st_ino == two.st_ino)
        #expect(one.st_nlink == 2)
    }

    @Test func chmod_applies_to_files_and_directories() throws {
        let fixture = try CopyFixture()
        try fixture.file("dir/f", "F", mode: 0o600)
        try fixture.file("dir/sub/g", "G")
        try fixture.copy(CopyRequest(sources: ["dir"], destination: "/dst", chmod: "0750"))
        #expect(fixture.status("dst/f").map { $0.st_mode & 0o7777 } == 0o750)
        #expect(fixture.status("dst/sub").map { $0.st_mode & 0o7777 } == 0o750)
        // The destination itself is made as podman makes it: 0755.
        #expect(fixture.status("dst").map { $0.st_mode & 0o7777 } == 0o755)
        #expect(fixture.failure(CopyRequest(sources: ["dir"], destination: "/d2", chmod: "u+x")) == "Error parsing chmod u+x")
    }

    @Test func chown_resolves_names_in_the_image_not_the_host() throws {
        let fixture = try CopyFixture()
        let image = try fixture.image()
        #expect(try CopyOwner.resolve("app", in: image) == CopyOwner(uid: 1000, gid: 1001))
        #expect(try CopyOwner.resolve("app:staff", in: image) == CopyOwner(uid: 1000, gid: 50))
        #expect(try CopyOwner.resolve("1000:7", in: image) == CopyOwner(uid: 1000, gid: 7))
        #expect(try CopyOwner.resolve("4321", in: image) == CopyOwner(uid: 4321, gid: 4321))
        #expect(try CopyOwner.resolve("1000", in: image) == CopyOwner(uid: 1000, gid: 1000))
        try fixture.file("a", "A")
        // "daemon" exists on the host, not in the image.
        #expect(fixture.failure(CopyRequest(sources: ["a"], destination: "/a", chown: "daemon"))
            == "looking up UID/GID for \"daemon\": determining run uid: user: unknown user error looking up user \"daemon\"")
        #expect(fixture.failure(CopyRequest(sources: ["a"], destination: "/a", chown: "app:nogroup"))?.contains("unknown group") == true)
        if CopyFixture.canChown {
            try fixture.copy(CopyRequest(sources: ["a"], destination: "/new/parent/a", chown: "app:staff"))
            // New parents belong to the --chown owner too (podman, BuildKit); the
            // image's /etc, copied up, keeps its own.
            for path in ["new", "new/parent", "new/parent/a"] {
                let st = try #require(fixture.status(path))
                #expect(st.st_uid == 1000 && st.st_gid == 50, "\(path)")
            }
            try fixture.copy(CopyRequest(sources: ["a"], destination: "/etc/a", chown: "app"))
            #expect(fixture.status("etc").map { $0.st_uid } == 0)
            #expect(fixture.status("etc/a").map { ($0.st_uid, $0.st_gid) } ?? (0, 0) == (1000, 1001))
        }
    }

    @Test func heredoc_sources_are_written_as_files() throws {
        let fixture = try CopyFixture()
        try fixture.copy(CopyRequest(sources: [], heredocs: [Heredoc(name: "EOF", content: "hello\n", expands: true)],
                                     destination: "/greeting"))
        #expect(try fixture.text("greeting") == "hello\n")
        let again = try CopyFixture()
        try again.copy(CopyRequest(sources: [], heredocs: [Heredoc(name: "conf", content: "x=1\n", expands: false)],
                                   destination: "/etc/app/"))
        #expect(try again.text("etc/app/conf") == "x=1\n")
    }

    @Test func timestamp_sets_every_mtime() throws {
        let fixture = try CopyFixture()
        try fixture.file("dir/f", "F")
        try fixture.copy(CopyRequest(sources: ["dir"], destination: "/a/b/", timestamp: 1_000_000))
        for path in ["a", "a/b", "a/b/f"] {
            #expect(fixture.status(path)?.st_mtim.tv_sec == 1_000_000, "\(path)")
        }
    }

    @Test func copy_from_another_tree_keeps_owners_and_reads_its_layers() throws {
        let fixture = try CopyFixture()
        try fixture.base("srv/app/bin", "binary")
        let stage = try fixture.image()
        try fixture.copy(CopyRequest(sources: ["/srv/app"], destination: "/opt/"), from: .rootfs(stage))
        #expect(try fixture.tree() == ["opt/", "opt/bin"])
        #expect(try fixture.text("opt/bin") == "binary")
    }
}
