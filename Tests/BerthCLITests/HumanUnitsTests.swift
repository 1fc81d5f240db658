@testable import BerthCLI
import Testing

private let sizes: [(Int64, String)] = [
    (Int64(0), "0 B"), (1, "1 B"), (999, "999 B"), (1000, "1 kB"), (1001, "1 kB"),
    (4493, "4.49 kB"), (1_231_872, "1.23 MB"), (4_500_000, "4.5 MB"), (7_670_000, "7.67 MB"),
    (100_000, "100 kB"), (999_400, "999 kB"),
    // %.3g switches to an exponent once rounding reaches the next unit, as podman shows.
    (999_600, "1e+03 kB"),
    // Rounding works on the binary value: 1.235 is really 1.2350000000000000977.
    (1_235_000, "1.24 MB"), (1_225_000, "1.23 MB"), (2_500, "2.5 kB"),
    (5_000_000_000, "5 GB"), (1_500_000_000_000, "1.5 TB"), (2_000_000_000_000_000, "2 PB"),
    (Int64.max, "9.22 EB"),
]

private let ages: [(Double, String)] = [
    (-5.0, "Less than a second ago"), (0.0, "Less than a second ago"), (0.99, "Less than a second ago"),
    (1.0, "1 second ago"), (1.9, "1 second ago"), (2.0, "2 seconds ago"), (59.9, "59 seconds ago"),
    (60.0, "About a minute ago"), (119.0, "About a minute ago"), (120.0, "2 minutes ago"),
    (3599.0, "59 minutes ago"), (3600.0, "About an hour ago"), (5399.0, "About an hour ago"),
    (5400.0, "2 hours ago"), (47.0 * 3600, "47 hours ago"), (47.5 * 3600, "2 days ago"),
    (13.0 * 86400, "13 days ago"), (14.0 * 86400, "2 weeks ago"), (59.0 * 86400, "8 weeks ago"),
    (60.0 * 86400, "2 months ago"), (90.0 * 86400, "3 months ago"), (729.0 * 86400, "24 months ago"),
    (730.0 * 86400, "2 years ago"), (3650.0 * 86400, "10 years ago"), (.infinity, "951 years ago"),
]

@Suite struct HumanUnitsTests {
    /// go-units HumanSizeWithPrecision(size, 3), which prints with Go's "%.*g %s".
    @Test(arguments: sizes)
    func size(bytes: Int64, expected: String) {
        #expect(HumanUnits.size(bytes) == expected)
    }

    /// go-units HumanDuration plus " ago": whole seconds and minutes, rounded hours.
    @Test(arguments: ages)
    func durationSince(seconds: Double, expected: String) {
        #expect(HumanUnits.durationSince(seconds) == expected)
    }

    @Test func durationWithoutAgo() {
        // podman ps STATUS reads "Up About a minute", without " ago".
        #expect(HumanUnits.duration(75) == "About a minute")
        #expect(HumanUnits.duration(.nan) == "Less than a second")
        #expect(HumanUnits.duration(-.infinity) == "Less than a second")
    }
}
