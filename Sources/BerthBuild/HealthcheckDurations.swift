// HEALTHCHECK's flag values: Go durations (`30s`, `1m30s`, `500ms`) and a retry
// count, checked when the Dockerfile is parsed (as docker does) and read by the
// builder in the nanoseconds the image config stores.

package enum GoDuration {
    /// Nanoseconds, or nil when `text` is not a Go duration.
    package static func parse(_ text: String) -> Int64? {
        var characters = Array(text)[...]
        var negative = false
        if let sign = characters.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            characters = characters.dropFirst()
        }
        if characters == ["0"] { return 0 }
        guard !characters.isEmpty else { return nil }
        var total = 0.0
        while !characters.isEmpty {
            let number = characters.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ["."], let value = Double(String(number)) else { return nil }
            characters = characters.dropFirst(number.count)
            let unit = String(characters.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) })
            characters = characters.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ns": scale = 1
            case "us", "µs", "μs": scale = 1_000
            case "ms": scale = 1_000_000
            case "s": scale = 1_000_000_000
            case "m": scale = 60_000_000_000
            case "h": scale = 3_600_000_000_000
            default: return nil
            }
            total += value * scale
        }
        guard total < 9.2e18 else { return nil }
        return Int64(total.rounded()) * (negative ? -1 : 1)
    }
}

extension HealthcheckSpec {
    /// `--interval`, `--timeout`, `--start-period`, `--start-interval` in nanoseconds; nil when not given.
    package func duration(_ flag: String) -> Int64? {
        flags.last { $0.name == flag }?.value.flatMap { GoDuration.parse($0.text) }
    }

    /// `--retries`; nil when not given.
    package var retries: Int? {
        flags.last { $0.name == "retries" }?.value.flatMap { Int($0.text) }
    }

    /// Docker's checks: durations are 0 or at least 1ms, retries not negative.
    func validate() throws(HealthcheckFlagError) {
        for flag in flags {
            let text = flag.value?.text ?? ""
            if flag.name == "retries" {
                guard let count = Int(text) else { throw .init(message: "invalid --retries value \"\(text)\"", flag: flag.name) }
                guard count >= 0 else { throw .init(message: "--retries cannot be negative (\(count))", flag: flag.name) }
                continue
            }
            guard let nanoseconds = GoDuration.parse(text) else {
                throw .init(message: "time: invalid duration \"\(text)\"", flag: flag.name)
            }
            let label = flag.name.prefix(1).uppercased() + flag.name.dropFirst()
            if nanoseconds < 0 { throw .init(message: "\(label) \"\(flag.name)\" cannot be negative", flag: flag.name) }
            if nanoseconds > 0, nanoseconds < 1_000_000 {
                throw .init(message: "\(label) \"\(flag.name)\" cannot be less than 1ms", flag: flag.name)
            }
        }
    }
}

struct HealthcheckFlagError: Error {
    var message: String
    var flag: String
}

extension DockerfileError {
    /// The error placed at `location` when it has no place of its own (an expansion error
    /// raised while the builder evaluates an instruction's words).
    package func located(at location: SourceLocation, instruction: String?) -> DockerfileError {
        var error = self
        if error.location.line == 0 { error.location = location }
        if error.instruction == nil { error.instruction = instruction }
        return error
    }
}
