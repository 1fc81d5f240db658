// Running a program and capturing what it printed, with a time limit.
import Foundation
import Glibc

/// What a finished command printed and how it ended.
public struct CommandResult: Sendable, CustomStringConvertible {
    public var stdout: String
    public var stderr: String
    /// The exit code, or 128 + the signal number when killed by a signal (as a shell reports it).
    public var status: Int32

    public init(stdout: String, stderr: String, status: Int32) {
        self.stdout = stdout
        self.stderr = stderr
        self.status = status
    }

    /// For failure messages: `#expect(r.status == 0, "\(r)")`.
    public var description: String {
        "status \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)"
    }
}

/// Runs `argv` (argv[0] an absolute path) with exactly `environment`, stdin from
/// `stdin` (or /dev/null), and returns its output. Output goes through files in
/// `scratchDir`, not pipes: a daemonized grandchild holding stdout open cannot
/// hang the test, and concurrently spawned processes cannot keep each other's
/// pipes open. After `timeout` seconds the process is killed (SIGKILL) and the
/// result says so on stderr.
func runCommand(
    _ argv: [String], environment: [String: String], stdin: [UInt8]?,
    scratchDir: String, timeout: Double
) -> CommandResult {
    let id = UUID().uuidString
    let outPath = "\(scratchDir)/\(id).out"
    let errPath = "\(scratchDir)/\(id).err"
    let inPath = "\(scratchDir)/\(id).in"
    defer {
        for p in [outPath, errPath, inPath] { unlink(p) }
    }
    do {
        try FileManager.default.createDirectory(atPath: scratchDir, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: outPath, contents: nil),
              FileManager.default.createFile(atPath: errPath, contents: nil) else {
            throw TestSupportError("cannot create output files in \(scratchDir)")
        }
        let pid = try spawn(argv, environment: environment, stdin: stdin == nil ? "/dev/null" : inPath,
                            stdout: outPath, stderr: errPath, stdinBytes: stdin, inPath: inPath)
        let (status, timedOut) = try reap(pid, timeout: timeout)
        var err = String(decoding: (try? readBytes(errPath)) ?? [], as: UTF8.self)
        if timedOut {
            err += "\nTestSupport: killed after \(timeout) s: \(argv.joined(separator: " "))\n"
        }
        return CommandResult(
            stdout: String(decoding: (try? readBytes(outPath)) ?? [], as: UTF8.self),
            stderr: err, status: status)
    } catch {
        return CommandResult(stdout: "", stderr: "TestSupport: cannot run \(argv.joined(separator: " ")): \(error)\n", status: 127)
    }
}

/// posix_spawn with every signal unblocked and at its default action: the test
/// process's threads block SIGCHLD (libdispatch) and a child inheriting that mask
/// hangs in `wait` (dash's `wait` sleeps in sigsuspend with the inherited mask).
/// Foundation's Process also learns of exits through SIGCHLD, which a thread in
/// sigsuspend with an empty mask (swift-testing's main thread) can swallow: the
/// exit is read from a pidfd instead.
private func spawn(_ argv: [String], environment: [String: String], stdin: String, stdout: String, stderr: String,
                   stdinBytes: [UInt8]?, inPath: String) throws -> pid_t {
    if let stdinBytes { try Data(stdinBytes).write(to: URL(fileURLWithPath: inPath)) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_TRUNC, 0)
    posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_TRUNC, 0)
    // Nothing else the test process holds (the build lock flock(1) handed to swift
    // test, sockets, pipes) may live on in a container or a `berth __pause`.
    // (glibc ignores EBADF for a close action, so an fd closed meanwhile is harmless.)
    for fd in openDescriptors() where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var none = sigset_t()
    sigemptyset(&none)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attr, &none)
    posix_spawnattr_setsigdefault(&attr, &all)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let args = argv.map { strdup($0) } + [nil]
    let env = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { (args + env).forEach { free($0) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, argv[0], &actions, &attr, args, env)
    guard rc == 0 else { throw TestSupportError("posix_spawn \(argv[0]): \(String(cString: strerror(rc)))") }
    return pid
}

/// Waits for `pid` with a blocking waitpid on a thread of its own (no SIGCHLD
/// involved); after `timeout` seconds kills it. Returns the shell-style status and
/// whether it was killed for time.
private func reap(_ pid: pid_t, timeout: Double) throws -> (Int32, Bool) {
    final class Exit: @unchecked Sendable { var status: Int32 = 0 }
    let exit = Exit()
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        exit.status = status
        done.signal()
    }
    var timedOut = false
    if done.wait(timeout: .now() + timeout) == .timedOut {
        timedOut = true
        kill(pid, SIGKILL)
        done.wait()
    }
    let status = exit.status
    let exited = status & 0x7f == 0
    return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), timedOut)
}

/// The file descriptors this process has open now.
private func openDescriptors() -> [Int32] {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
}
