// The integration-test driver: runs the built berth binary as a user would,
// against its own store in a temporary directory (design.md §10).
import Foundation
import Glibc

/// One test's private world: a temporary directory holding the store
/// (`root`, `runroot`), a runtime dir and a `work` dir for input files, and the
/// identity berth runs as. Create one per test and end it with
/// `defer { #expect(sb.cleanup().isEmpty) }`: cleanup removes the tree and
/// reports mounts berth left behind. deinit cleans up too, but Swift may free
/// the sandbox right after its last use, while the test still uses its paths.
///
/// Modes: `.root` runs berth as root. `.rootless` runs it as `BERTH_TEST_USER`
/// when this process is root (through setpriv: really that user, with its
/// supplementary groups, so the setuid newuidmap/newgidmap accept it), or as
/// the current user otherwise.
public final class Sandbox: @unchecked Sendable {
    public typealias Result = CommandResult

    public let mode: Mode
    /// The sandbox's top directory (/tmp/berth-test-XXXXXX).
    public let dir: String
    /// Passed to berth as `--root`.
    public let root: String
    /// Passed to berth as `--runroot`.
    public let runroot: String
    /// Where `makeFile` puts input files; owned by the user berth runs as.
    public let work: String
    /// XDG_RUNTIME_DIR for rootless runs (0700, owned by the user berth runs as).
    public let runtimeDir: String
    /// The user berth runs as when it is not this process's user (rootless as root).
    public let testUser: TestUser?
    /// The uid and gid berth runs as: the test user's, or this process's own.
    public var userID: UInt32 { testUser?.uid ?? getuid() }
    public var groupID: UInt32 { testUser?.gid ?? getgid() }
    /// Seconds a command may take before it is killed.
    public var timeout: Double = 300

    private let scratch: String
    private let lock = NSLock()
    private var recorded: [String] = []
    private var removed = false

    /// The berth binary: `$BERTH_BINARY`, else `<package>/.build/debug/berth`.
    public static var binary: String {
        if let p = ProcessInfo.processInfo.environment["BERTH_BINARY"], !p.isEmpty { return p }
        return packageRoot + "/.build/debug/berth"
    }

    /// The package's root directory, found from this source file's location.
    public static var packageRoot: String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()   // TestSupport
            .deletingLastPathComponent()   // Tests
            .deletingLastPathComponent()   // package root
            .path
    }

    public init(_ mode: Mode) throws {
        self.mode = mode
        let amRoot = geteuid() == 0
        switch mode {
        case .root:
            guard amRoot else { throw TestSupportError("Sandbox(.root) needs the tests to run as root") }
            testUser = nil
        case .rootless:
            if amRoot {
                guard let u = TestUser.configured else {
                    throw TestSupportError("Sandbox(.rootless) as root needs BERTH_TEST_USER naming an existing user (ci/setup)")
                }
                testUser = u
            } else {
                testUser = nil
            }
        }

        // Not a TemporaryDirectory value: a rootless store needs the removal below.
        dir = try TemporaryDirectory.make("berth-test")
        root = dir + "/root"
        runroot = dir + "/runroot"
        work = dir + "/work"
        runtimeDir = dir + "/xdg"
        scratch = dir + "/.io"

        // Everything but the scratch dir (our own output files) belongs to the
        // user berth runs as.
        chmod(dir, 0o755)
        for (path, perms) in [(root, 0o755), (runroot, 0o755), (work, 0o755), (runtimeDir, 0o700), (scratch, 0o700)] {
            guard mkdir(path, mode_t(perms)) == 0 else { throw TestSupportError("mkdir \(path): errno \(errno)") }
            chmod(path, mode_t(perms))
        }
        if let u = testUser {
            for path in [dir, root, runroot, work, runtimeDir] {
                guard lchown(path, u.uid, u.gid) == 0 else { throw TestSupportError("chown \(path): errno \(errno)") }
            }
        }
    }

    deinit {
        cleanup()
    }

    // MARK: running

    /// Runs berth with `--root` and `--runroot` of this sandbox prepended.
    public func berth(_ args: String..., stdin: [UInt8]? = nil, env: [String: String] = [:]) -> Result {
        berth(args, stdin: stdin, env: env)
    }

    public func berth(_ args: [String], stdin: [UInt8]? = nil, env: [String: String] = [:]) -> Result {
        run(Self.binary, ["--root", root, "--runroot", runroot] + args,
            asTestUser: mode == .rootless, stdin: stdin, env: env)
    }

    /// Runs any program (skopeo, ls, unshare, ...): as the user berth runs as
    /// when `asTestUser`, else as this process. `executable` may be a bare name
    /// (looked up in PATH).
    public func run(
        _ executable: String, _ args: [String], asTestUser: Bool,
        stdin: [UInt8]? = nil, env: [String: String] = [:]
    ) -> Result {
        let exe = executable.contains("/") ? executable : Self.which(executable) ?? executable
        var argv: [String]
        var environment: [String: String]
        if asTestUser, let u = testUser {
            // setpriv: real, effective and saved ids of the user, its
            // supplementary groups (initgroups), a clean environment; env then
            // sets ours. setpriv and env exec, so the pid is the program's.
            var vars = [
                "HOME": u.home, "USER": u.name, "LOGNAME": u.name,
                "PATH": Self.path, "XDG_RUNTIME_DIR": runtimeDir,
            ]
            vars.merge(env) { _, new in new }
            argv = ["/usr/bin/setpriv", "--reuid=\(u.uid)", "--regid=\(u.gid)", "--init-groups", "--reset-env", "/usr/bin/env"]
                + vars.keys.sorted().map { "\($0)=\(vars[$0]!)" } + [exe] + args
            environment = [:]
        } else {
            argv = [exe] + args
            environment = ProcessInfo.processInfo.environment
            if asTestUser {
                // Rootless as ourselves: keep runtime files inside the sandbox.
                environment["XDG_RUNTIME_DIR"] = runtimeDir
            }
            environment.merge(env) { _, new in new }
        }
        return runCommand(argv, environment: environment, stdin: stdin, scratchDir: scratch, timeout: timeout)
    }

    // MARK: files

    /// Writes `bytes` to `work/relPath` (parents created), owned by the user berth
    /// runs as; returns the absolute path.
    @discardableResult
    public func makeFile(_ relPath: String, _ bytes: [UInt8]) throws -> String {
        let path = work + "/" + relPath
        var parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var created: [String] = []
        while !FileManager.default.fileExists(atPath: parent) && parent.hasPrefix(work + "/") {
            created.append(parent)
            parent = URL(fileURLWithPath: parent).deletingLastPathComponent().path
        }
        try writeBytes(bytes, to: path)
        if let u = testUser {
            for p in created + [path] { lchown(p, u.uid, u.gid) }
        }
        return path
    }

    @discardableResult
    public func makeFile(_ relPath: String, _ text: String) throws -> String {
        try makeFile(relPath, Array(text.utf8))
    }

    /// Gives `path` and everything under it to the user berth runs as, when that is
    /// not this process's user (rootless as root): fixtures the test wrote must be
    /// berth's to read and write. A no-op otherwise.
    public func handOver(_ path: String) throws {
        guard let u = testUser else { return }
        let r = run("/bin/chown", ["-R", "\(u.uid):\(u.gid)", path], asTestUser: false)
        guard r.status == 0 else { throw TestSupportError("chown -R \(u.uid):\(u.gid) \(path): \(r)") }
    }

    /// The absolute path of `relPath` in the work dir.
    public func path(_ relPath: String) -> String {
        work + "/" + relPath
    }

    // MARK: cleanup

    /// Mounts at or below the sandbox (berth should have removed them all): each
    /// is detached now and described in the returned messages, which accumulate
    /// over calls. Empty means clean.
    public func leftovers() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        return scanMounts()
    }

    /// Unmounts leftovers, removes the whole tree, and returns every leftover
    /// message recorded (empty when berth cleaned up after itself). Idempotent.
    @discardableResult
    public func cleanup() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        // Processes first: a monitor still running could otherwise start a new pause
        // process after the old one was stopped (one left behind per full rootless run).
        let found = scanMounts() + scanProcesses()
        stopPauseProcess()
        if !removed {
            removeTree()
            removed = true
        }
        return found
    }

    private func scanMounts() -> [String] {
        let found: [(point: String, type: String)]
        do {
            found = try Self.mounts(under: dir)
        } catch {
            // Unchecked is not clean: say so rather than report nothing.
            recorded.append("cannot check for leftover mounts: \(error)")
            return recorded
        }
        for m in found {
            let ok = umount2(m.point, Int32(MNT_DETACH)) == 0
            recorded.append("left mounted: \(m.point) (\(m.type))" + (ok ? "" : "; umount failed: errno \(errno)"))
        }
        return recorded
    }

    private func removeTree() {
        // Never recurse into anything else: --one-file-system skips a mount that
        // could not be detached.
        guard dir.hasPrefix("/tmp/berth-test-") else { return }
        if geteuid() == 0 {
            _ = runCommand(["/bin/rm", "-rf", "--one-file-system", dir], environment: ["PATH": Self.path],
                           stdin: nil, scratchDir: "/tmp", timeout: 120)
        } else {
            // Rootless stores hold files owned by subordinate ids, which only a
            // user namespace mapping them (as root) can delete.
            _ = runCommand(["/usr/bin/unshare", "--map-auto", "--map-root-user", "/bin/rm", "-rf", "--one-file-system", dir],
                           environment: ["PATH": Self.path], stdin: nil, scratchDir: "/tmp", timeout: 120)
            if FileManager.default.fileExists(atPath: dir) {
                try? FileManager.default.removeItem(atPath: dir)
            }
        }
    }

    // MARK: helpers

    static let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    static func which(_ name: String) -> String? {
        for d in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(d)/\(name)") {
            return "\(d)/\(name)"
        }
        return nil
    }

    /// Mount points at or below `dir` in this mount namespace, deepest first.
    static func mounts(under dir: String) throws -> [(point: String, type: String)] {
        let text = try readText("/proc/self/mountinfo")
        var found: [(point: String, type: String)] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 5, let sep = fields.firstIndex(of: "-"), sep + 1 < fields.count else { continue }
            let point = unescapeMountField(String(fields[4]))
            if point == dir || point.hasPrefix(dir + "/") {
                found.append((point, String(fields[sep + 1])))
            }
        }
        return found.sorted { $0.point.count > $1.point.count }
    }

    /// mountinfo writes space, tab, newline and backslash as \ooo octal escapes.
    static func unescapeMountField(_ s: String) -> String {
        var out = [UInt8]()
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "\\"), i + 4 <= b.count,
               let v = UInt8(String(decoding: b[(i + 1)..<(i + 4)], as: UTF8.self), radix: 8) {
                out.append(v)
                i += 4
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Sandbox {
    /// A rootless store's pause process (it holds the user namespace between
    /// commands, as podman's does) is expected to outlive berth; it goes with the sandbox.
    func stopPauseProcess() {
        guard let text = try? String(contentsOfFile: runroot + "/pause.pid", encoding: .utf8),
              let pid = Int32(text.split(separator: " ").first ?? ""), pid > 1 else { return }
        kill(pid, SIGKILL)
    }

    /// Processes still running with this sandbox in their command line: a test
    /// that leaves one behind is reported, and the process is killed.
    func scanProcesses() -> [String] {
        // A monitor finishing its exit work after `wait` returned, a helper killed at
        // rm that the kernel is still tearing down: gone within moments, not left behind.
        do {
            var found = try runningProcesses()
            let deadline = Date().addingTimeInterval(3)
            while !found.isEmpty && Date() < deadline {
                usleep(50_000)
                found = try runningProcesses()
            }
            for process in found { kill(process.pid, SIGKILL) }
            return found.map { "process \($0.pid) left running: \($0.cmdline)" }
        } catch {
            return ["cannot check for leftover processes: \(error)"]
        }
    }

    /// The live processes whose command line names this sandbox (its pause process
    /// killed, as it outlives commands by design).
    private func runningProcesses() throws -> [(pid: Int32, cmdline: String)] {
        var found: [(pid: Int32, cmdline: String)] = []
        let me = getpid()
        for entry in try directoryEntries("/proc") {
            guard let pid = Int32(entry), pid > 1, pid != me,
                  let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            let cmdline = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            guard cmdline.contains(dir + "/") else { continue }
            // The store's pause process (`berth __pause RUNROOT`) outlives commands by design: it just goes.
            if cmdline.contains(" __pause \(dir)/") {
                kill(pid, SIGKILL)
                continue
            }
            if let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
               let close = stat.lastIndex(of: ")"), stat[stat.index(close, offsetBy: 2)] == "Z" { continue }
            found.append((pid, cmdline))
        }
        return found
    }
}

