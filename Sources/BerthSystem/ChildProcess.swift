// A child berth started and holds a pidfd for: reaped through the pidfd
// (waitid(P_PIDFD)), never by a bare pid (design.md §2), and the pidfd closed
// once the child is reaped or let go.
import Glibc

package final class ChildProcess {
    package let pid: Int32
    private var pidfd: Int32

    /// Takes ownership of `pidfd` (-1 when the kernel gave none: then the child
    /// is reaped by pid, which it cannot lose before that wait).
    package init(pid: Int32, pidfd: Int32) {
        self.pid = pid
        self.pidfd = pidfd
    }

    deinit { closePidfd() }

    /// Waits for the child to end, reaps it and closes the pidfd; its exit code
    /// (128+N for signal N). `name` says what it is in an error.
    package func wait(_ name: String) throws -> Int32 {
        defer { closePidfd() }
        return try Self.reap(pid: pid, pidfd: pidfd, name)
    }

    /// Waits for and reaps the child `pid` through `pidfd` (by pid when -1),
    /// leaving the pidfd open: for an owner that keeps pid and pidfd itself (the
    /// container process, whose run path allocates nothing more).
    package static func reap(pid: Int32, pidfd: Int32, _ name: String) throws -> Int32 {
        if pidfd < 0 { return try Subprocess.wait(pid, name) }
        var info = siginfo_t()
        try check("waitid", name) { waitid(P_PIDFD, id_t(pidfd), &info, WEXITED) }
        let status = info._sifields._sigchld.si_status
        return info.si_code == CLD_EXITED ? status & 0xff : 128 + status
    }

    /// Waits until the child `pid` has ended but leaves it unreaped (WNOWAIT), so
    /// its pid cannot be reused while a watcher (the --timeout deadline) may still
    /// signal it; `reap` collects it afterwards.
    package static func awaitExit(pid: Int32, pidfd: Int32, _ name: String) throws {
        var info = siginfo_t()
        if pidfd < 0 {
            try check("waitid", name) { waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) }
        } else {
            try check("waitid", name) { waitid(P_PIDFD, id_t(pidfd), &info, WEXITED | WNOWAIT) }
        }
    }

    /// Sends `signal` to the child (still unreaped, so its pid is its own).
    package func send(_ signal: Int32) throws {
        try Subprocess.send(signal, to: pid)
    }

    /// Lets the child go on without this process waiting for it (the pause
    /// process): only the pidfd is closed.
    package func release() {
        closePidfd()
    }

    private func closePidfd() {
        if pidfd >= 0 { Glibc.close(pidfd) }
        pidfd = -1
    }
}
