// Points where a test can stop a berth process to kill it there (BERTH_TEST_HOLD=NAME):
// the crash-safety tests need the kill to land between two known steps.
import Glibc

package enum TestHooks {
    package static let holdVariable = "BERTH_TEST_HOLD"

    /// Sleeps for good when BERTH_TEST_HOLD names this point; a test then SIGKILLs the process.
    package static func hold(at point: String) {
        guard Environment.get(holdVariable) == point else { return }
        while true { sleep(60) }
    }

    package static let pauseVariable = "BERTH_TEST_PAUSE"

    /// Stops this process (SIGSTOP) when BERTH_TEST_PAUSE names this point: a test
    /// sees it stopped in /proc, acts meanwhile (a racing command), then sends SIGCONT.
    package static func pause(at point: String) {
        guard Environment.get(pauseVariable) == point else { return }
        raise(SIGSTOP)
    }
}
