// The real-time clock to the nanosecond: event times are written as Go writes
// time.Time (RFC 3339 with nanoseconds), which a Double of seconds cannot hold.
import Glibc

package enum WallClock {
    /// Nanoseconds since the epoch (CLOCK_REALTIME).
    package static func nanoseconds() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
    }
}
