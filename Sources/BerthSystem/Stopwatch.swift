// BERTH_PROFILE=1 prints the milliseconds since start at named points of the run
// path to stderr: the cheapest way to see where a container start's time goes
// (strace distorts it, and newuidmap refuses to run under it).
import Glibc

package enum Stopwatch {
    private static let origin: timespec = now()
    private static let enabled = getenv("BERTH_PROFILE") != nil

    private static func now() -> timespec {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return t
    }

    /// Monotonic seconds, for deadlines and rates (token lifetimes, transfer progress).
    package static func seconds() -> Double {
        let t = now()
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    package static func mark(_ label: String) {
        guard enabled else { return }
        let t = now()
        let ms = Double(t.tv_sec - origin.tv_sec) * 1000 + Double(t.tv_nsec - origin.tv_nsec) / 1e6
        let line = "berth profile: \(label) \(ms) ms\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }
}
