// BERTH_PROFILE=1 (or BERTH_STOPWATCH=1) records the milliseconds since start at named points of the run
// path, which the CLI prints to stderr as it exits: the cheapest way to see where a
// container start's time goes (strace distorts it, and newuidmap refuses to run under it).
import Glibc
import Synchronization

package enum Stopwatch {
    private static let origin: timespec = now()
    private static let enabled = getenv("BERTH_PROFILE") != nil || getenv("BERTH_STOPWATCH") != nil
    private static let marks = Mutex<[String]>([])

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

    /// Seconds since the epoch (CLOCK_REALTIME), for times compared with logged ones.
    package static func wallClock() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    package static func mark(_ label: String) {
        guard enabled else { return }
        let t = now()
        let ms = Double(t.tv_sec - origin.tv_sec) * 1000 + Double(t.tv_nsec - origin.tv_nsec) / 1e6
        marks.withLock { $0.append("berth profile: \(label) \(ms) ms\n") }
    }

    /// The lines recorded by `mark` (none unless BERTH_PROFILE is set), and forgets them.
    package static func profile() -> [String] {
        marks.withLock { lines in
            defer { lines = [] }
            return lines
        }
    }
}

extension Stopwatch {
    /// Sleeps for `seconds` (polling loops with a deadline on `seconds()`).
    package static func sleep(_ seconds: Double) {
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
