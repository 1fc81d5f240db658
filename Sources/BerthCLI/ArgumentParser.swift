// Podman-style argument parsing: `--flag=value`, `--flag value`, `-abc` combined
// short booleans, `-ovalue`, `--` ends flags; flags may follow positionals unless
// the command stops at its first positional (as `run` does at the image name).
import BerthSystem

struct FlagSpec: Sendable {
    var long: String
    var short: Character?
    var takesValue: Bool
    var valueName: String
    var help: String
    var defaultText: String?
    /// Set when berth knows podman's flag but cannot honour it yet: the parser refuses
    /// it with this reason before any command runs, so nothing is half-created and
    /// nothing is silently ignored.
    var pending: PendingFeature?
    /// podman's `--flag[=value]` (build's `--pull`): alone it means this value, and
    /// `=anything` is the flag's value; it never takes the next argument.
    var impliedValue: String?

    static func bool(_ long: String, _ short: Character? = nil, _ help: String, default defaultText: String? = nil) -> FlagSpec {
        FlagSpec(long: long, short: short, takesValue: false, valueName: "", help: help, defaultText: defaultText)
    }

    static func value(_ long: String, _ short: Character? = nil, _ valueName: String, _ help: String, default defaultText: String? = nil) -> FlagSpec {
        FlagSpec(long: long, short: short, takesValue: true, valueName: valueName, help: help, defaultText: defaultText)
    }

    /// `--name` alone means `implied`; `--name=VALUE` gives VALUE.
    static func optionalValue(_ long: String, _ valueName: String, _ help: String, implied: String, default defaultText: String? = nil) -> FlagSpec {
        FlagSpec(long: long, short: nil, takesValue: false, valueName: valueName, help: help, defaultText: defaultText, impliedValue: implied)
    }

    /// podman's flag, refused until `feature` comes: `--memory is not supported yet: …`.
    static func unsupported(_ long: String, _ short: Character? = nil, _ valueName: String = "", _ help: String,
                            _ feature: PendingFeature) -> FlagSpec {
        FlagSpec(long: long, short: short, takesValue: !valueName.isEmpty, valueName: valueName, help: help, pending: feature)
    }

    /// The one line a refused flag prints.
    var refusal: CLIError? {
        pending.map { CLIError("--\(long) is not supported yet: \($0.reason)") }
    }
}

struct ParsedArguments: Sendable {
    var values: [String: [String]] = [:]
    var positionals: [String] = []

    func has(_ long: String) -> Bool {
        guard let last = values[long]?.last else { return false }
        return last != "false"
    }

    func value(_ long: String) -> String? { values[long]?.last }
    func all(_ long: String) -> [String] { values[long] ?? [] }
}

struct CLIError: ExitCoded, CustomStringConvertible {
    var description: String
    var exitCode: Int32 = ExitCode.engineError

    init(_ description: String, exitCode: Int32 = ExitCode.engineError) {
        self.description = description
        self.exitCode = exitCode
    }
}

enum ArgumentParser {
    static func parse(_ args: [String], flags: [FlagSpec], command: String, stopAtFirstPositional: Bool = false) throws -> ParsedArguments {
        var result = ParsedArguments()
        var index = 0
        func spec(long: String) -> FlagSpec? { flags.first { $0.long == long } }
        func spec(short: Character) -> FlagSpec? { flags.first { $0.short == short } }
        func unknown(_ flag: String) -> CLIError {
            let names = flags.map { "--" + $0.long }
            let hint = Suggestion.closest(to: flag.split(separator: "=").first.map(String.init) ?? flag, among: names)
                .map { " (did you mean \($0)?)" } ?? ""
            return CLIError("unknown flag: \(flag)\(hint): see '\(command) --help'")
        }
        while index < args.count {
            let arg = args[index]
            index += 1
            if arg == "--" {
                result.positionals += args[index...]
                break
            }
            if arg.hasPrefix("--") {
                let body = arg.dropFirst(2)
                let name = String(body.split(separator: "=", maxSplits: 1).first ?? "")
                guard let flag = spec(long: name) else { throw unknown(arg) }
                // `--systemd=false` asks for what berth does anyway.
                if let refusal = flag.refusal, flag.takesValue || !body.hasSuffix("=false") { throw refusal }
                if let eq = body.firstIndex(of: "=") {
                    let value = String(body[body.index(after: eq)...])
                    if !flag.takesValue && flag.impliedValue == nil && value != "true" && value != "false" {
                        throw CLIError("invalid argument \"\(value)\" for \"--\(name)\" flag: expected true or false")
                    }
                    result.values[name, default: []].append(value)
                } else if flag.takesValue {
                    guard index < args.count else { throw CLIError("flag needs an argument: --\(name)") }
                    result.values[name, default: []].append(args[index])
                    index += 1
                } else {
                    result.values[name, default: []].append(flag.impliedValue ?? "true")
                }
                continue
            }
            if arg.hasPrefix("-") && arg.count > 1 {
                var chars = Array(arg.dropFirst())
                while !chars.isEmpty {
                    let c = chars.removeFirst()
                    guard let flag = spec(short: c) else { throw unknown("-\(c)") }
                    if let refusal = flag.refusal { throw refusal }
                    if flag.takesValue {
                        var value = String(chars)
                        if value.hasPrefix("=") { value.removeFirst() }
                        if value.isEmpty {
                            guard index < args.count else { throw CLIError("flag needs an argument: '\(c)' in -\(c)") }
                            value = args[index]
                            index += 1
                        }
                        result.values[flag.long, default: []].append(value)
                        chars = []
                    } else {
                        result.values[flag.long, default: []].append("true")
                    }
                }
                continue
            }
            result.positionals.append(arg)
            if stopAtFirstPositional {
                result.positionals += args[index...]
                break
            }
        }
        return result
    }
}

enum Suggestion {
    /// The candidate nearest to `word` by edit distance, if near enough to help.
    static func closest(to word: String, among candidates: [String]) -> String? {
        let scored = candidates.map { ($0, distance(word, $0)) }.min { $0.1 < $1.1 }
        guard let (best, score) = scored, score <= max(2, word.count / 3) else { return nil }
        return best
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
