// Seconds since the epoch to and from UTC calendar fields (gmtime_r/timegm):
// the RFC 3339 timestamps of image configs and podman's output.
import Glibc

package struct UTCCalendar: Equatable, Sendable {
    package var year: Int32, month: Int32, day: Int32
    package var hour: Int32, minute: Int32, second: Int32

    package init(year: Int32, month: Int32, day: Int32, hour: Int32, minute: Int32, second: Int32) {
        (self.year, self.month, self.day) = (year, month, day)
        (self.hour, self.minute, self.second) = (hour, minute, second)
    }

    /// The UTC date and time of `epochSeconds` (month and day from 1).
    package init(epochSeconds: Int) {
        var time = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        self.init(year: parts.tm_year + 1900, month: parts.tm_mon + 1, day: parts.tm_mday,
                  hour: parts.tm_hour, minute: parts.tm_min, second: parts.tm_sec)
    }

    /// Seconds since the epoch of this UTC date and time.
    package var epochSeconds: Int {
        var parts = tm()
        parts.tm_year = year - 1900; parts.tm_mon = month - 1; parts.tm_mday = day
        parts.tm_hour = hour; parts.tm_min = minute; parts.tm_sec = second
        return Int(timegm(&parts))
    }
}
