// The Dockerfile instructions `import --change` accepts (podman's list: CMD,
// ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR),
// written `INSTR=value` or `INSTR value`.
import BerthImage
import FoundationEssentials

enum ConfigChange {
    static func apply(_ change: String, to config: inout ContainerConfig) throws {
        let separator = change.firstIndex(where: { $0 == "=" || $0 == " " })
        guard let separator else { throw invalid(change, "expected INSTRUCTION=VALUE") }
        let instruction = change[..<separator].uppercased()
        let value = change[change.index(after: separator)...].trimmedSpaces
        switch instruction {
        case "CMD": config.Cmd = commandForm(value)
        case "ENTRYPOINT": config.Entrypoint = commandForm(value)
        case "USER": config.User = value
        case "WORKDIR": config.WorkingDir = value
        case "STOPSIGNAL": config.StopSignal = value
        case "ENV":
            for (key, val) in try keyValues(value, change: change, allowSpaceForm: true) {
                var env = (config.Env ?? []).filter { !$0.hasPrefix(key + "=") }
                env.append(key + "=" + val)
                config.Env = env
            }
        case "LABEL":
            for (key, val) in try keyValues(value, change: change, allowSpaceForm: false) {
                config.Labels = (config.Labels ?? [:]).merging([key: val]) { $1 }
            }
        case "EXPOSE":
            for port in value.split(separator: " ") {
                let spec = port.contains("/") ? String(port) : port + "/tcp"
                guard Int(spec.split(separator: "/")[0]) != nil else { throw invalid(change, "invalid port \"\(port)\"") }
                config.ExposedPorts = (config.ExposedPorts ?? [:]).merging([spec: EmptyObject()]) { $1 }
            }
        case "VOLUME":
            for volume in commandForm(value, shell: false) {
                config.Volumes = (config.Volumes ?? [:]).merging([volume: EmptyObject()]) { $1 }
            }
        case "ONBUILD":
            break // recorded by builders only; an imported image has no build to trigger
        default:
            throw invalid(change, "unsupported instruction \"\(instruction)\"")
        }
    }

    private static func invalid(_ change: String, _ reason: String) -> ImageError {
        .invalidArgument("invalid change \"\(change)\": \(reason)")
    }

    /// JSON array form as given; shell form wrapped in `/bin/sh -c`.
    static func commandForm(_ value: String, shell: Bool = true) -> [String] {
        if value.hasPrefix("["), let data = value.data(using: .utf8),
           let array = try? JSONDecoder().decode([String].self, from: data) {
            return array
        }
        return shell ? ["/bin/sh", "-c", value] : value.split(separator: " ").map(String.init)
    }

    /// `k=v k2="v 2"` pairs; ENV also allows the old `KEY value` form.
    static func keyValues(_ value: String, change: String, allowSpaceForm: Bool) throws -> [(String, String)] {
        if allowSpaceForm, let space = value.firstIndex(of: " "), !value[..<space].contains("=") {
            return [(String(value[..<space]), value[value.index(after: space)...].trimmedSpaces)]
        }
        var pairs: [(String, String)] = []
        for word in shellWords(value) {
            guard let eq = word.firstIndex(of: "="), eq != word.startIndex else {
                throw invalid(change, "expected KEY=VALUE, got \"\(word)\"")
            }
            pairs.append((String(word[..<eq]), String(word[word.index(after: eq)...])))
        }
        return pairs
    }

    /// Splits on spaces outside double or single quotes, dropping the quotes.
    static func shellWords(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        for char in text {
            if let q = quote {
                if char == q { quote = nil } else { current.append(char) }
            } else if char == "\"" || char == "'" {
                quote = char; inWord = true
            } else if char == " " {
                if inWord { words.append(current); current = ""; inWord = false }
            } else {
                current.append(char); inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }
}

extension StringProtocol {
    var trimmedSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
