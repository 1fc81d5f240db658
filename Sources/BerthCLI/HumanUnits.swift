// Sizes and ages worded as podman words them. podman gets them from docker/go-units,
// whose output depends on Go's float formatting, so that formatting is reproduced
// here too (GoFloat) rather than approximated with Swift's own.
import BerthTemplate

package enum HumanUnits {
    private static let sizeUnits = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]

    /// go-units `HumanSizeWithPrecision(bytes, 3)`: "4.49 kB", "999 B", "1e+03 kB".
    package static func size(_ bytes: Int64) -> String {
        var value = Double(bytes)
        var unit = 0
        while value >= 1000, unit < sizeUnits.count - 1 {
            value /= 1000
            unit += 1
        }
        return GoFloat.format(value, verb: "g", precision: 3) + " " + sizeUnits[unit]
    }

    /// go-units `HumanDuration`: "Less than a second", "About a minute", "3 months".
    package static func duration(_ seconds: Double) -> String {
        // Int(Double) traps on NaN and overflow; a thousand years is plenty.
        let seconds = seconds.isNaN ? 0 : max(min(seconds, 3e10), -1)
        let whole = Int(seconds)
        if whole < 1 { return "Less than a second" }
        if whole == 1 { return "1 second" }
        if whole < 60 { return "\(whole) seconds" }
        let minutes = Int(seconds / 60)
        if minutes == 1 { return "About a minute" }
        if minutes < 60 { return "\(minutes) minutes" }
        // go-units rounds hours (but truncates everything else).
        let hours = Int(seconds / 3600 + 0.5)
        if hours == 1 { return "About an hour" }
        if hours < 48 { return "\(hours) hours" }
        if hours < 24 * 7 * 2 { return "\(hours / 24) days" }
        if hours < 24 * 30 * 2 { return "\(hours / 24 / 7) weeks" }
        if hours < 24 * 365 * 2 { return "\(hours / 24 / 30) months" }
        return "\(Int(seconds / 3600) / 24 / 365) years"
    }

    /// What podman prints in CREATED columns: `duration(seconds) + " ago"`.
    package static func durationSince(_ seconds: Double) -> String {
        duration(seconds) + " ago"
    }
}
