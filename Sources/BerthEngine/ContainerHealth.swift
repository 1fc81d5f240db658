// Health checks as a container has them: the check it was created with (the
// image's HEALTHCHECK, overridden by --health-* or disabled by --no-healthcheck /
// --health-cmd none), its --health-on-failure action, and State.Health, podman's
// status, failing streak and last five results. The check itself runs in
// HealthCheckRun.swift; the C monitor's timer starts it (monitor_health.c).
import BerthBuild
import BerthImage

/// What --health-on-failure asks for once a container turns unhealthy (podman 4.3's actions).
package enum HealthOnFailure: String, Sendable, CaseIterable {
    case none, kill, restart, stop

    package init(parsing text: String) throws {
        guard let action = HealthOnFailure(rawValue: text) else {
            throw ContainerError.invalid("invalid on-failure action \"\(text)\" for health check: supported actions are \(Self.allCases.map(\.rawValue).joined(separator: ","))")
        }
        self = action
    }
}

/// run/create's --health-* flags, checked (podman's messages) before anything is
/// pulled or created; nil fields leave the image's HEALTHCHECK (or podman's default) alone.
package struct HealthOverrides: Sendable, Equatable {
    /// --health-cmd as an image config's Test: ["CMD-SHELL", text], ["CMD", args…] or ["NONE"].
    package var test: [String]?
    /// Nanoseconds; an interval of 0 ("disable") starts no timer.
    package var interval: Int64?
    package var timeout: Int64?
    package var startPeriod: Int64?
    package var retries: Int?
    package var onFailure = HealthOnFailure.none
    /// --no-healthcheck.
    package var disabled = false

    package init() {}

    /// The flags as typed: `retries` was already read as an unsigned number.
    package init(command: String?, interval: String?, timeout: String?, startPeriod: String?, retries: UInt?,
                 onFailure: String?, disabled: Bool) throws {
        if command != nil && disabled { throw ContainerError.invalid("cannot specify both --no-healthcheck and --health-cmd") }
        self.disabled = disabled
        test = try command.map(Self.test)
        if let interval {
            let value = try Self.duration(interval == "disable" ? "0" : interval, "interval")
            guard value >= 0 else { throw ContainerError.invalid("healthcheck-interval must be 0 seconds or greater") }
            self.interval = value
        }
        if let timeout {
            let value = try Self.duration(timeout, "timeout")
            guard value >= 1 else { throw ContainerError.invalid("healthcheck-timeout must be at least 1 second") }
            self.timeout = value
        }
        if let startPeriod {
            let value = try Self.duration(startPeriod, "start-period")
            guard value >= 0 else { throw ContainerError.invalid("healthcheck-start-period must be 0 seconds or greater") }
            self.startPeriod = value
        }
        if let retries {
            guard retries >= 1 else { throw ContainerError.invalid("healthcheck-retries must be greater than 0") }
            self.retries = Int(clamping: retries)
        }
        self.onFailure = try onFailure.map(HealthOnFailure.init(parsing:)) ?? HealthOnFailure.none
    }

    private static func duration(_ text: String, _ name: String) throws -> Int64 {
        guard let value = GoDuration.parse(text) else {
            throw ContainerError.invalid("invalid healthcheck-\(name): time: invalid duration \"\(text)\"")
        }
        return value
    }

    /// podman's reading of --health-cmd: a JSON array of several words is an exec
    /// form, `CMD …`/`NONE` keep their keyword, anything else is a shell command.
    static func test(_ text: String) throws -> [String] {
        let array = JSONWords.parse(text)
        let words = array ?? text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let first = words.first else { throw ContainerError.invalid("must define a healthcheck command for all healthchecks") }
        let keyword = first.uppercased()
        if keyword == "NONE" { return ["NONE"] }
        if keyword == "CMD" { return array ?? text.split(whereSeparator: \.isWhitespace).map(String.init) }
        if keyword == "CMD-SHELL" { return words }
        if array != nil && words.count > 1 { return ["CMD"] + words }
        return ["CMD-SHELL", words.joined(separator: " ")]
    }
}

/// A JSON array of strings (`["/bin/check", "-q"]`), or nil for anything else.
private enum JSONWords {
    static func parse(_ text: String) -> [String]? {
        let trimmed = text.trimmedSpaces
        guard trimmed.hasPrefix("["), trimmed.hasSuffix("]") else { return nil }
        return try? JSONCoding.decode([String].self, from: Array(trimmed.utf8), location: "--health-cmd")
    }
}

/// podman's defaults for what neither the flags nor the image set.
enum HealthDefaults {
    static let interval: Int64 = 30_000_000_000
    static let timeout: Int64 = 30_000_000_000
    static let retries = 3
    /// podman keeps this much of a check's output in State.Health.
    static let outputLimit = 500
    /// ... and this many results.
    static let logEntries = 5
}

extension Engine {
    /// The check a new container gets: --no-healthcheck's NONE, else --health-cmd or
    /// the image's HEALTHCHECK with the flags' values over it and podman's defaults
    /// for the rest; nil when there is none.
    static func healthcheck(_ overrides: HealthOverrides, image: HealthConfig?) -> HealthConfig? {
        if overrides.disabled { return HealthConfig(test: ["NONE"]) }
        var check: HealthConfig
        if let test = overrides.test {
            check = HealthConfig(test: test)
        } else if let image, let test = image.Test, !test.isEmpty {
            check = image
        } else {
            return nil
        }
        check.Interval = overrides.interval ?? check.Interval.flatMap { $0 == 0 ? nil : $0 } ?? HealthDefaults.interval
        check.Timeout = overrides.timeout ?? check.Timeout.flatMap { $0 == 0 ? nil : $0 } ?? HealthDefaults.timeout
        check.Retries = overrides.retries ?? check.Retries.flatMap { $0 == 0 ? nil : $0 } ?? HealthDefaults.retries
        check.StartPeriod = overrides.startPeriod ?? check.StartPeriod.flatMap { $0 == 0 ? nil : $0 }
        return check
    }

    /// The health-check hook: the interval, in milliseconds, at which the C monitor
    /// runs `berth healthcheck run ID` (monitor_health.c); nil: no timer (no check,
    /// or --health-interval disable: then only `healthcheck run` runs it).
    func monitorHealthInterval(_ record: ContainerRecord) -> Int? {
        guard record.healthCommand != nil, let interval = record.healthcheck?.Interval, interval > 0 else { return nil }
        return Int(max(interval / 1_000_000, 1))
    }
}

extension ContainerRecord {
    /// The command a check runs, podman's reading of Test; nil: the container has no check.
    package var healthCommand: [String]? {
        guard let test = healthcheck?.Test, let first = test.first else { return nil }
        switch first {
        case "", "NONE": return nil
        case "CMD": return test.count > 1 && !test[1].isEmpty ? Array(test.dropFirst()) : nil
        // podman runs the shell form with /bin/sh whatever the image's SHELL says.
        case "CMD-SHELL": return ["/bin/sh", "-c", test.dropFirst().joined(separator: " ")]
        default: return test
        }
    }

    package var healthAction: HealthOnFailure {
        healthOnFailure.flatMap(HealthOnFailure.init(rawValue:)) ?? HealthOnFailure.none
    }
}

/// State.Health: podman's status ("starting", "healthy", "unhealthy"), the failing
/// streak, and the last five results. Kept in the container's state.json across restarts.
package struct HealthState: Codable, Sendable, Equatable {
    package static let starting = "starting", healthy = "healthy", unhealthy = "unhealthy"

    package var status: String
    package var failingStreak: Int
    package var log: [HealthResult]

    /// A container (re)starts: checks begin again, the earlier results stay readable.
    init(startingAfter previous: HealthState?) {
        status = Self.starting
        failingStreak = 0
        log = previous?.log ?? []
    }

    /// Adds one result by podman's rule: a success makes it healthy; a failure counts
    /// toward `retries` unless it falls in the start period, which lasts until
    /// `startPeriodEnds` or the first success since the start.
    mutating func record(_ result: HealthResult, retries: Int, startPeriodEnds: Double) {
        if result.exitCode == 0 {
            status = Self.healthy
            failingStreak = 0
        } else if !(status == Self.starting && result.start < startPeriodEnds) {
            failingStreak += 1
            if failingStreak >= retries { status = Self.unhealthy }
        }
        log.append(result)
        if log.count > HealthDefaults.logEntries { log.removeFirst(log.count - HealthDefaults.logEntries) }
    }
}

/// One check's result (podman's Start, End, ExitCode, Output).
package struct HealthResult: Codable, Sendable, Equatable {
    package var start: Double
    package var end: Double
    package var exitCode: Int
    package var output: String
}
