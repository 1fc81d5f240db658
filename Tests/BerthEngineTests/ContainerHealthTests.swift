// Health checks' pure rules: --health-cmd read as podman reads it, the flags over
// the image's HEALTHCHECK with podman's defaults, and State.Health's status,
// streak, start period and five-entry log.
import BerthImage
import Testing

@testable import BerthEngine

private func result(_ code: Int, at start: Double = 100) -> HealthResult {
    HealthResult(start: start, end: start + 0.1, exitCode: code, output: "")
}

@Suite struct ContainerHealthTests {
    @Test func health_cmd_forms() throws {
        #expect(try HealthOverrides.test("curl -f http://localhost/") == ["CMD-SHELL", "curl -f http://localhost/"])
        #expect(try HealthOverrides.test(#"["/bin/check", "-q"]"#) == ["CMD", "/bin/check", "-q"])
        #expect(try HealthOverrides.test(#"["/bin/check"]"#) == ["CMD-SHELL", "/bin/check"])
        #expect(try HealthOverrides.test("CMD /bin/check -q") == ["CMD", "/bin/check", "-q"])
        #expect(try HealthOverrides.test("CMD-SHELL exit 1") == ["CMD-SHELL", "exit 1"])
        #expect(try HealthOverrides.test("none") == ["NONE"])
        #expect(throws: ContainerError.self) { try HealthOverrides.test("[]") }
    }

    @Test func flags_over_the_image_check_with_podmans_defaults() throws {
        var image = HealthConfig(test: ["CMD", "true"])
        image.Retries = 2
        let none = HealthOverrides()
        let merged = try #require(Engine.healthcheck(none, image: image))
        #expect(merged.Test == ["CMD", "true"] && merged.Retries == 2)
        #expect(merged.Interval == 30_000_000_000 && merged.Timeout == 30_000_000_000 && merged.StartPeriod == nil)

        let flags = try HealthOverrides(command: nil, interval: "disable", timeout: "1m30s", startPeriod: "5s", retries: nil,
                                        onFailure: "restart", disabled: false)
        let tuned = try #require(Engine.healthcheck(flags, image: image))
        #expect(tuned.Interval == 0 && tuned.Timeout == 90_000_000_000 && tuned.StartPeriod == 5_000_000_000 && tuned.Retries == 2)
        #expect(flags.onFailure == .restart)

        #expect(Engine.healthcheck(none, image: nil) == nil)
        var off = HealthOverrides()
        off.disabled = true
        #expect(Engine.healthcheck(off, image: image)?.Test == ["NONE"])
    }

    @Test func bad_flag_values_name_the_flag() {
        func message(_ body: () throws -> HealthOverrides) -> String {
            do { _ = try body(); return "" } catch { return "\(error)" }
        }
        #expect(message { try HealthOverrides(command: "true", interval: "abc", timeout: nil, startPeriod: nil, retries: nil, onFailure: nil, disabled: false) }
                == "invalid healthcheck-interval: time: invalid duration \"abc\"")
        #expect(message { try HealthOverrides(command: "true", interval: nil, timeout: nil, startPeriod: nil, retries: 0, onFailure: nil, disabled: false) }
                == "healthcheck-retries must be greater than 0")
        #expect(message { try HealthOverrides(command: nil, interval: nil, timeout: nil, startPeriod: nil, retries: nil, onFailure: "foo", disabled: false) }
                == "invalid on-failure action \"foo\" for health check: supported actions are none,kill,restart,stop")
    }

    @Test func failures_count_after_the_start_period_or_a_success() {
        var health = HealthState(startingAfter: nil)
        health.record(result(1, at: 100), retries: 2, startPeriodEnds: 110)
        #expect(health.status == "starting" && health.failingStreak == 0, "in the start period")
        health.record(result(1, at: 111), retries: 2, startPeriodEnds: 110)
        #expect(health.status == "starting" && health.failingStreak == 1)
        health.record(result(1, at: 112), retries: 2, startPeriodEnds: 110)
        #expect(health.status == "unhealthy" && health.failingStreak == 2)
        health.record(result(0, at: 113), retries: 2, startPeriodEnds: 110)
        #expect(health.status == "healthy" && health.failingStreak == 0)

        var early = HealthState(startingAfter: nil)
        early.record(result(0, at: 100), retries: 1, startPeriodEnds: 200)
        early.record(result(1, at: 101), retries: 1, startPeriodEnds: 200)
        #expect(early.status == "unhealthy", "a success ends the start period")
    }

    @Test func the_log_keeps_five_and_a_restart_keeps_the_log_only() {
        var health = HealthState(startingAfter: nil)
        for i in 0..<7 { health.record(result(1, at: Double(i)), retries: 3, startPeriodEnds: 0) }
        #expect(health.log.map(\.start) == [2, 3, 4, 5, 6])
        let restarted = HealthState(startingAfter: health)
        #expect(restarted.status == "starting" && restarted.failingStreak == 0 && restarted.log.count == 5)
    }

    @Test func go_duration_text() {
        #expect(Engine.goDuration(500_000_000) == "500ms")
        #expect(Engine.goDuration(30_000_000_000) == "30s")
        #expect(Engine.goDuration(90_000_000_000) == "1m30s")
        #expect(Engine.goDuration(1_500_000_000) == "1.5s")
        #expect(Engine.goDuration(7_200_000_000_000) == "2h0m0s")
    }
}
