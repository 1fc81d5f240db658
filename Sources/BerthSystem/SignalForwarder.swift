// Forwards the signals a user sends to berth to a child: the container's first
// process (--sig-proxy, podman's default), or berth re-executed in a user namespace.
import Glibc

package enum SignalForwarder {
    nonisolated(unsafe) private static var target: pid_t = 0

    package static let forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2]

    package static func start(forwardingTo pid: Int32) {
        target = pid
        var set = sigset_t()
        sigemptyset(&set)
        for sig in forwarded {
            signal(sig) { received in
                if SignalForwarder.target > 0 { kill(SignalForwarder.target, received) }
            }
            sigaddset(&set, sig)
        }
        // A parent may have started berth with these blocked (some process
        // launchers do); a blocked signal would never reach the container.
        sigprocmask(SIG_UNBLOCK, &set, nil)
    }

    package static func stop() {
        target = 0
        for sig in forwarded { signal(sig, SIG_DFL) }
    }
}
