// The base image build tests start FROM, made offline from the host's
// busybox-static (design.md §10), and the build contexts they use.
import Foundation

public enum BuildFixtures {
    /// The name Dockerfiles of the tests use: `FROM localhost/base`.
    public static let baseName = "localhost/base:latest"

    /// Two layers: the busybox rootfs, then a layer adding an `app` user and group
    /// (1000:1000, for `USER app` and `--chown=app`), a home for it and a /data
    /// tree that RUN steps delete and replace (whiteouts, opaque directories).
    public static func baseLayers() throws -> [[UInt8]] {
        var extra = TarBuilder()
        extra.directory("etc")
        extra.file("etc/passwd", """
            root:x:0:0:root:/root:/bin/sh
            app:x:1000:1000:app:/home/app:/bin/sh
            nobody:x:65534:65534:nobody:/nonexistent:/bin/false

            """)
        extra.file("etc/group", "root:x:0:\napp:x:1000:\nstaff:x:50:app\nnogroup:x:65534:\n")
        extra.directory("home")
        extra.directory("home/app", mode: 0o750, uid: 1000, gid: 1000)
        extra.directory("data")
        extra.file("data/old.txt", "from the base image\n")
        extra.directory("data/sub", mode: 0o700, uid: 1000, gid: 1000)
        extra.file("data/sub/deep.txt", "deep\n", mode: 0o600, uid: 1000, gid: 1000)
        extra.directory("usr")
        extra.directory("usr/local")
        extra.directory("usr/local/bin")
        return [try Fixtures.busyboxRootfs().bytes(), extra.bytes()]
    }

    /// Writes the base image as a docker-archive tagged `name` at `path` (through
    /// skopeo, from an OCI layout), for both `berth load` and `podman load`.
    public static func writeBaseArchive(to path: String, name: String = baseName,
                                        layers: [[UInt8]]? = nil, config: [String: Any]? = nil) throws {
        let scratch = try TemporaryDirectory("berth-base")
        defer { scratch.remove() }
        let layout = scratch.path("layout")
        try Fixtures.ociLayout(at: layout, layers: layers ?? baseLayers(), compression: .gzip, config: config)
        let copied = runCommand([try requiredTool("skopeo"), "copy", "--quiet", "oci:\(layout):latest", "docker-archive:\(path):\(name)"],
                                environment: ["PATH": Sandbox.path], stdin: nil, scratchDir: scratch.path, timeout: 120)
        guard copied.status == 0 else { throw TestSupportError("skopeo copy of the base image: \(copied)") }
    }
}

/// One thing in a build context.
public enum ContextEntry: Sendable {
    case file(String, [UInt8], mode: Int = 0o644)
    case directory(String, mode: Int = 0o755)
    case symlink(String, to: String)

    public static func text(_ path: String, _ text: String, mode: Int = 0o644) -> ContextEntry {
        .file(path, Array(text.utf8), mode: mode)
    }
}

extension Sandbox {
    /// Writes a build context at `work/name` (replacing one there) and hands it to
    /// the user berth runs as; returns its path. Modes are set exactly (no umask).
    @discardableResult
    public func makeContext(_ name: String, _ entries: [ContextEntry]) throws -> String {
        let root = path(name)
        try? FileManager.default.removeItem(atPath: root)
        let fm = FileManager.default
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        chmod(root, 0o755)
        for entry in entries {
            switch entry {
            case let .file(rel, bytes, mode):
                try writeBytes(bytes, to: root + "/" + rel)
                chmod(root + "/" + rel, mode_t(mode))
            case let .directory(rel, mode):
                try fm.createDirectory(atPath: root + "/" + rel, withIntermediateDirectories: true)
                chmod(root + "/" + rel, mode_t(mode))
            case let .symlink(rel, target):
                try fm.createDirectory(atPath: (root + "/" + rel as NSString).deletingLastPathComponent,
                                       withIntermediateDirectories: true)
                try fm.createSymbolicLink(atPath: root + "/" + rel, withDestinationPath: target)
            }
        }
        try handOver(root)
        return root
    }

    /// Loads the base image (`BuildFixtures.writeBaseArchive`) into this store.
    public func loadBaseImage(name: String = BuildFixtures.baseName, layers: [[UInt8]]? = nil) throws {
        let archive = path("base-\(abs(name.hashValue)).tar")
        try BuildFixtures.writeBaseArchive(to: archive, name: name, layers: layers)
        try handOver(archive)
        let loaded = berth("load", "-i", archive)
        guard loaded.status == 0 else { throw TestSupportError("berth load of the base image: \(loaded)") }
    }

    /// `save --format docker-archive` of `image`, read back as a tree.
    public func savedTree(_ image: String) throws -> ImageTree {
        let out = path("saved-\(UUID().uuidString).tar")
        let saved = berth("save", "--format", "docker-archive", "-o", out, image)
        guard saved.status == 0 else { throw TestSupportError("berth save \(image): \(saved)") }
        defer { try? FileManager.default.removeItem(atPath: out) }
        return try ImageTree.load(savedAt: out)
    }
}

extension PodmanStore {
    /// Loads the base image into podman's store.
    public func loadBaseImage(name: String = BuildFixtures.baseName, layers: [[UInt8]]? = nil) throws {
        let archive = dir + "/tmp/base-\(abs(name.hashValue)).tar"
        try BuildFixtures.writeBaseArchive(to: archive, name: name, layers: layers)
        let loaded = podman("load", "-i", archive)
        guard loaded.status == 0 else { throw TestSupportError("podman load of the base image: \(loaded)") }
    }

    /// `podman save --format docker-archive` of `image`, read back as a tree.
    public func savedTree(_ image: String) throws -> ImageTree {
        let out = dir + "/tmp/saved-\(UUID().uuidString).tar"
        let saved = podman("save", "--format", "docker-archive", "-o", out, image)
        guard saved.status == 0 else { throw TestSupportError("podman save \(image): \(saved)") }
        defer { try? FileManager.default.removeItem(atPath: out) }
        return try ImageTree.load(savedAt: out)
    }
}
