// Leaving the starting command's session and terminal, for the two processes berth
// leaves running after it exits: a container's monitor and the rootless pause process.
import CBerth
import Glibc

package enum DetachedProcess {
    /// Starts a new session (no controlling terminal, no SIGHUP when the caller's
    /// terminal closes), clears the parent-death signal (it must outlive the berth
    /// that started it), puts stdio on /dev/null when asked, closes every inherited
    /// descriptor above `lastKept` (a pipe the caller's caller waits on for EOF must
    /// not stay open for this process's whole life) and ignores `signals`.
    package static func detach(keepingFDsThrough lastKept: Int32, ignoring signals: [Int32],
                               stdioToNull: Bool, changeToRoot: Bool) {
        _ = berth_clear_pdeathsig()
        setsid()
        if stdioToNull, let null = try? FileDescriptor.open("/dev/null", O_RDWR) {
            for fd: Int32 in [0, 1, 2] { dup2(null.raw, fd) }
        }
        let inherited = ((try? FileSystem.list("/proc/self/fd")) ?? []).compactMap { Int32($0) }
        for fd in inherited where fd > lastKept { close(fd) }
        for signal in signals { ignore(signal) }
        if changeToRoot { _ = chdir("/") }
    }

    /// Sleeps until a signal ends the process (the pause process's whole job).
    package static func waitForever() -> Never {
        while true { pause() }
    }

    /// Gives `signals` their default action (ending the process) and unblocks them:
    /// the starting berth's dispositions and mask carry over the exec.
    package static func endOn(_ signals: [Int32]) {
        var set = sigset_t()
        sigemptyset(&set)
        for signalNumber in signals {
            signal(signalNumber, SIG_DFL)
            sigaddset(&set, signalNumber)
        }
        sigprocmask(SIG_UNBLOCK, &set, nil)
    }

    private static func ignore(_ signalNumber: Int32) {
        signal(signalNumber, SIG_IGN)
    }
}
