// The `--name=value` flags written between an instruction's keyword and its
// arguments, and which instruction accepts which (BuildKit's sets). A flag an
// instruction does not know is an error naming it, as docker reports it.

enum InstructionFlags {
    enum Kind {
        /// Needs a value; at most once.
        case value
        /// Needs a value; may repeat (`--mount`, `--exclude`).
        case repeatable
        /// `--link` or `--link=true|false`.
        case boolean
    }

    static let allowed: [String: [String: Kind]] = [
        "FROM": ["platform": .value],
        "RUN": ["mount": .repeatable, "network": .value, "security": .value],
        "COPY": ["from": .value, "chown": .value, "chmod": .value, "link": .boolean, "parents": .boolean,
                 "exclude": .repeatable],
        "ADD": ["chown": .value, "chmod": .value, "checksum": .value, "link": .boolean, "keep-git-dir": .boolean,
                "exclude": .repeatable],
        "HEALTHCHECK": ["interval": .value, "timeout": .value, "start-period": .value, "start-interval": .value,
                        "retries": .value],
    ]

    /// Takes the flags off the front of `arguments`; returns them and the rest, trimmed.
    static func extract(_ arguments: PositionedText, keyword: String, escape: Character,
                        location: (TextPosition) -> SourceLocation) throws -> ([InstructionFlag], PositionedText) {
        let words = DockerfileWords.split(arguments, escape: escape)
        var flags: [InstructionFlag] = []
        var seen: Set<String> = []
        var restStart = arguments.count
        var consumedAll = true
        for word in words {
            let text = word.string
            guard text.hasPrefix("--") else {
                restStart = word.range.lowerBound
                consumedAll = false
                break
            }
            if text == "--" {  // an explicit end of flags
                restStart = word.range.upperBound
                consumedAll = false
                break
            }
            let body = text.dropFirst(2)
            let name: String
            var value: RawWord?
            if let equals = body.firstIndex(of: "=") {
                name = String(body[..<equals])
                value = RawWord(String(body[body.index(after: equals)...]))
            } else {
                name = String(body)
            }
            let at = location(word.text.positions[0])
            guard let kind = allowed[keyword]?[name] else {
                throw DockerfileError("unknown flag: \(name)", at: at, instruction: keyword)
            }
            switch kind {
            case .value, .repeatable:
                guard value != nil else {
                    throw DockerfileError("missing a value on flag: \(name)", at: at, instruction: keyword)
                }
            case .boolean:
                if let value, !["true", "false"].contains(value.text.lowercased()) {
                    throw DockerfileError("expecting boolean value for flag \(name), not: \(value.text)",
                                          at: at, instruction: keyword)
                }
            }
            if kind != .repeatable, !seen.insert(name).inserted {
                throw DockerfileError("duplicate flag specified: \(name)", at: at, instruction: keyword)
            }
            flags.append(InstructionFlag(name: name, value: value))
        }
        if consumedAll { restStart = arguments.count }
        return (flags, arguments.slice(restStart..<arguments.count).trimmingWhitespace())
    }
}

extension Instruction {
    /// The values given for flag `name`, in order.
    package func flagValues(_ name: String) -> [RawWord] {
        flags.filter { $0.name == name }.compactMap(\.value)
    }

    /// The value of a single-valued flag, nil when absent.
    package func flagValue(_ name: String) -> RawWord? {
        flags.last(where: { $0.name == name })?.value
    }

    /// Whether boolean flag `name` is set (`--link` or `--link=true`).
    package func flagIsSet(_ name: String) -> Bool {
        guard let flag = flags.last(where: { $0.name == name }) else { return false }
        return flag.value.map { $0.text.lowercased() == "true" } ?? true
    }
}
