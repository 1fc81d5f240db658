// The small wrappers engine code calls instead of libc: UTC calendar fields,
// shell patterns, and symlink as an atomic claim.
import BerthSystem
import Testing
import TestSupport

@Suite struct WrapperTests {
    @Test func utc_calendar_converts_both_ways() {
        // 2024-02-29T23:59:58Z: a leap day, one second before a month and a day end.
        let leap = UTCCalendar(epochSeconds: 1_709_251_198)
        #expect(leap == UTCCalendar(year: 2024, month: 2, day: 29, hour: 23, minute: 59, second: 58))
        #expect(leap.epochSeconds == 1_709_251_198)
        #expect(UTCCalendar(epochSeconds: 0) == UTCCalendar(year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0))
    }

    @Test func shell_pattern_matches_as_podman_filters() {
        #expect(ShellPattern.matches("docker.io/library/bus*", "docker.io/library/busybox:latest"))
        #expect(ShellPattern.matches("*box", "docker.io/library/busybox"))
        #expect(ShellPattern.matches("alp?ne", "alpine"))
        #expect(!ShellPattern.matches("busybox", "docker.io/library/busybox"))
        #expect(!ShellPattern.matches("[ab]usybox", "cusybox"))
    }

    @Test func symlink_claims_a_name_once() throws {
        let dir = try TemporaryDirectory("berth-system-test")
        try FileSystem.symlink("first", at: dir.path("name"))
        #expect(try FileSystem.readLink(dir.path("name")) == "first")
        do {
            try FileSystem.symlink("second", at: dir.path("name"))
            Issue.record("a second symlink at the same path succeeded")
        } catch let error as SystemError {
            #expect(error.isAlreadyExisting)
        }
        #expect(try FileSystem.readLink(dir.path("name")) == "first")
    }
}
