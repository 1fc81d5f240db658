// podman as the outside judge of `build`: its own store in a private temporary
// root, runc (crun refuses this machine's hybrid cgroups), the vfs driver (no
// overlay mounts to leak), never the network. Root only, as podman is here.
import Foundation
import Glibc

public final class PodmanStore: @unchecked Sendable {
    /// /tmp/berth-podman-XXXXXX: root/, runroot/, tmp/ (TMPDIR: buildah's scratch).
    public let dir: String
    private let lock = NSLock()
    private var removed = false

    public init() throws {
        guard geteuid() == 0 else { throw TestSupportError("PodmanStore needs the tests to run as root") }
        _ = try requiredTool("podman")
        dir = try TemporaryDirectory.make("berth-podman")
        for sub in ["root", "runroot", "tmp"] {
            try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
        }
    }

    deinit { cleanup() }

    /// The global flags every podman command here gets.
    public var globalFlags: [String] {
        ["--root", dir + "/root", "--runroot", dir + "/runroot", "--runtime", "runc",
         "--storage-driver", "vfs", "--events-backend", "file", "--cgroup-manager", "cgroupfs"]
    }

    public func podman(_ args: String..., stdin: [UInt8]? = nil, env: [String: String] = [:]) -> CommandResult {
        podman(args, stdin: stdin, env: env)
    }

    public func podman(_ args: [String], stdin: [UInt8]? = nil, env: [String: String] = [:]) -> CommandResult {
        var environment = ["PATH": Sandbox.path, "HOME": dir, "TMPDIR": dir + "/tmp"]
        environment.merge(env) { _, new in new }
        return runCommand([(try? requiredTool("podman")) ?? "/usr/bin/podman"] + globalFlags + args,
                          environment: environment, stdin: stdin, scratchDir: dir + "/tmp", timeout: 300)
    }

    /// `podman build` as the tests compare it: offline (`--pull=never`, `--network none`).
    public func build(_ args: [String], context: String, env: [String: String] = [:]) -> CommandResult {
        podman(["build", "--pull=never", "--network", "none"] + args + [context], env: env)
    }

    /// Unmounts whatever podman left mounted in its root (deepest first) and
    /// removes the whole tree; returns the mounts found. Idempotent.
    @discardableResult
    public func cleanup() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        guard !removed else { return [] }
        removed = true
        var found: [String] = []
        for m in (try? Sandbox.mounts(under: dir)) ?? [] {
            umount2(m.point, Int32(MNT_DETACH))
            found.append("podman left mounted: \(m.point) (\(m.type))")
        }
        if dir.hasPrefix("/tmp/berth-podman-") {
            _ = runCommand(["/bin/rm", "-rf", "--one-file-system", dir], environment: ["PATH": Sandbox.path],
                           stdin: nil, scratchDir: "/tmp", timeout: 120)
        }
        return found
    }
}
