// A long-lived helper program that serves one container (pasta, slirp4netns):
// started bound to the calling thread (it dies with it, as the container does),
// waited on until it says it is ready, and ended through a pidfd, so a pid the
// kernel has handed to someone else since is never signalled.
import CBerth
import Glibc

package final class HelperProcess {
    package let pid: Int32
    /// What it is, for messages ("pasta").
    package let name: String
    private var pidfd: Int32

    private init(pid: Int32, pidfd: Int32, name: String) {
        self.pid = pid
        self.pidfd = pidfd
        self.name = name
    }

    deinit { if pidfd >= 0 { Glibc.close(pidfd) } }

    /// Starts `executable` (a path) with `arguments`, returning once it has exec'd.
    /// Its stdout and stderr go to `output` (nil: /dev/null), its cwd is
    /// `directory` (nil: ours), `passing` become its fds 3, 4, …; it holds no other
    /// fd of ours, runs in a session of its own and gets SIGKILL when the calling
    /// thread ends (berth_spawn_helper).
    package static func start(_ executable: String, _ arguments: [String], name: String, output: FileDescriptor? = nil,
                              directory: FileDescriptor? = nil, passing: [FileDescriptor] = []) throws -> HelperProcess {
        let argv = CStringArray([name] + arguments)
        let envp = CStringArray(Environment.all())
        var pidfd: Int32 = -1
        let fds = passing.map(\.raw)
        let pid = fds.withUnsafeBufferPointer { buffer in
            berth_spawn_helper(executable, argv.pointers, envp.pointers, directory?.raw ?? -1, output?.raw ?? -1,
                               buffer.baseAddress, Int32(buffer.count), &pidfd)
        }
        if pid < 0 { throw SystemError("start", executable) }
        return HelperProcess(pid: pid, pidfd: pidfd, name: name)
    }

    /// A FIFO at `path` (a stale one replaced), opened for reading without
    /// waiting for a writer: a readiness file for a helper that writes to a path
    /// it opens itself once it is set up (pasta's --pid). poll reports it
    /// readable only once a writer has come.
    package static func readinessFIFO(at path: String) throws -> FileDescriptor {
        try FileSystem.unlinkIfPresent(path)
        try check("mkfifo", path) { mkfifo(path, 0o600) }
        return try FileDescriptor.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    }

    package enum Wait: Equatable {
        /// `fd` has something to read (or its writer closed it).
        case readable
        /// The helper ended first (it is not reaped: see `reap`).
        case exited
        case timedOut
    }

    /// Waits until `fd` is readable, the helper exits or `seconds` pass.
    package func wait(forReadable fd: FileDescriptor?, seconds: Double) -> Wait {
        let deadline = Stopwatch.seconds() + seconds
        while true {
            let left = deadline - Stopwatch.seconds()
            if left <= 0 { return .timedOut }
            var fds = [pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: fd?.raw ?? -1, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, Int32(min(left * 1000 + 1, Double(Int32.max))))
            if ready < 0 && errno == EINTR { continue }
            if fds[1].revents != 0 { return .readable }
            if fds[0].revents != 0 || ready < 0 { return .exited }
        }
    }

    /// Waits at most `seconds` for the helper to exit on its own; true if it did.
    package func waitForExit(seconds: Double) -> Bool {
        wait(forReadable: nil, seconds: seconds) == .exited
    }

    /// SIGKILLs the helper (when it still runs) and reaps it; its exit code.
    @discardableResult
    package func stop() -> Int32 {
        _ = berth_pidfd_send_signal(pidfd, SIGKILL)
        return reap()
    }

    /// Reaps the helper once it has ended (it is this process's child): its exit
    /// code, 128+N for signal N.
    @discardableResult
    package func reap() -> Int32 {
        (try? ChildProcess.reap(pid: pid, pidfd: pidfd, name)) ?? -1
    }

    /// Ends the helper recorded as `pid` started at `startTime` (/proc/PID/stat),
    /// from any berth process: nothing when it is gone or the pid names another
    /// process now. When it is this process's child (also a zombie one) it is
    /// reaped here; otherwise its parent reaps it, and this waits at most
    /// `seconds` for the end, so a caller can rely on its ports being free.
    /// `waiting: false` (a helper that holds no published port): SIGKILL and return;
    /// its exit (pasta's closes its tap device, which waits for the kernel's RCU
    /// barrier: 30-45 ms here) is nobody's concern, and it is reaped by whoever
    /// inherits it when this process exits.
    package static func end(pid: Int32, startTime: UInt64, seconds: Double = 2, waiting: Bool = true) {
        guard pid > 0 else { return }
        let pidfd = berth_pidfd_open(pid)
        guard pidfd >= 0 else { return }
        let helper = HelperProcess(pid: pid, pidfd: pidfd, name: "helper \(pid)")
        // Read after the pidfd pins the process: a pid reused before the open
        // shows another start time, and none can be reused while it is open.
        guard let stat = processStat(pid), stat.startTime == startTime else { return }
        _ = berth_pidfd_send_signal(pidfd, SIGKILL)
        guard waiting else { return }
        if stat.parent == getpid() {
            helper.reap()
        } else {
            _ = helper.waitForExit(seconds: seconds)
        }
    }

    /// The parent pid and start time of `pid` (fields 4 and 22 of
    /// /proc/PID/stat), also for a zombie; nil when gone.
    private static func processStat(_ pid: Int32) -> (parent: Int32, startTime: UInt64)? {
        guard let stat = try? FileSystem.readText("/proc/\(pid)/stat"),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let parent = Int32(fields[1]), let start = UInt64(fields[19]) else { return nil }
        return (parent, start)
    }
}
