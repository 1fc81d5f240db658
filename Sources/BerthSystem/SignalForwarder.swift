// Forwards the signals a user sends to berth to a child: the container's first
// process (--sig-proxy, podman's default), or berth re-executed in a user namespace.
import Glibc

package enum SignalForwarder {
    nonisolated(unsafe) private static var target: pid_t = 0

    package static let forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2]

    /// Sent in place of each forwarded signal when set (a build step kills its
    /// container on SIGINT: a container's init ignores signals it has no handler for).
    nonisolated(unsafe) private static var replacement: Int32 = 0
    /// The last forwarded signal received since start (0: none).
    nonisolated(unsafe) package private(set) static var received: Int32 = 0

    /// `pid` 0 forwards nothing yet (`retarget` names the process later) but still
    /// records what arrives in `received`.
    package static func start(forwardingTo pid: Int32, sending replacement: Int32 = 0) {
        target = pid
        Self.replacement = replacement
        received = 0
        var set = sigset_t()
        sigemptyset(&set)
        for sig in forwarded {
            signal(sig) { number in
                SignalForwarder.received = number
                let sent = SignalForwarder.replacement > 0 ? SignalForwarder.replacement : number
                if SignalForwarder.target > 0 { kill(SignalForwarder.target, sent) }
            }
            sigaddset(&set, sig)
        }
        // A parent may have started berth with these blocked (some process
        // launchers do); a blocked signal would never reach the container.
        sigprocmask(SIG_UNBLOCK, &set, nil)
    }

    /// Forwards to `pid` from now; a signal that arrived before is delivered now.
    package static func retarget(_ pid: Int32) {
        target = pid
        if received != 0 && pid > 0 { kill(pid, replacement > 0 ? replacement : received) }
    }

    package static func stop() {
        target = 0
        for sig in forwarded { signal(sig, SIG_DFL) }
    }
}
