// How health checks look in `ps` and `inspect`: podman 4.3's State.Health (always
// there, empty without a check), Config.Healthcheck and the "(healthy)" after Up.
import BerthEngine
import BerthImage
import BerthTemplate
import FoundationEssentials

enum HealthViews {
    /// " (starting)", " (healthy)", " (unhealthy)" for a running container with a check.
    static func statusSuffix(_ c: ContainerDetails) -> String {
        guard c.record.healthCommand != nil, let status = c.state.health?.status, !status.isEmpty else { return "" }
        return " (\(status))"
    }

    static func state(_ health: HealthState?) -> TemplateValue {
        // podman's Log is a nil slice until the first result: null.
        let log: TemplateValue = health.flatMap { $0.log.isEmpty ? nil : $0 }.map { health in
            .array(health.log.map { result in
                .structure("define.HealthCheckLog", [
                    ("Start", time(result.start)), ("End", time(result.end)),
                    ("ExitCode", .int(Int64(result.exitCode))), ("Output", .string(result.output)),
                ])
            })
        } ?? .null
        return .structure("define.HealthCheckResults", [
            ("Status", .string(health?.status ?? "")), ("FailingStreak", .int(Int64(health?.failingStreak ?? 0))),
            ("Log", log),
        ])
    }

    /// Config.Healthcheck (podman's field order, zero values left out) and Config.HealthcheckOnFailureAction.
    static func config(_ record: ContainerRecord) -> [(String, TemplateValue)] {
        var fields: [(String, TemplateValue)] = []
        if let check = record.healthcheck {
            var values: [(String, TemplateValue)] = []
            if let test = check.Test { values.append(("Test", ImageViews.strings(test))) }
            for (name, value) in [("StartPeriod", check.StartPeriod), ("Interval", check.Interval), ("Timeout", check.Timeout)] {
                if let value, value != 0 { values.append((name, .int(value))) }
            }
            if let retries = check.Retries, retries != 0 { values.append(("Retries", .int(Int64(retries)))) }
            fields.append(("Healthcheck", .structure("*manifest.Schema2HealthConfig", values)))
        }
        fields.append(("HealthcheckOnFailureAction", .string(record.healthAction.rawValue)))
        return fields
    }

    /// Go's time.Time in RFC 3339 with nanoseconds, as podman's health log writes it.
    private static func time(_ seconds: Double) -> TemplateValue {
        .string(RFC3339.format(Date(timeIntervalSince1970: seconds)))
    }
}
