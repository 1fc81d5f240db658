// One logical line → one instruction (or a FROM, which starts a stage): the
// keyword, the flags it allows, and its arguments in the form each instruction
// takes (JSON or shell form, key=value pairs, words, one string), with the
// errors docker gives for each, located at the spot they are about.

/// What a line turned into: FROM opens a stage, everything else belongs to one.
enum ParsedLine {
    case from(base: RawWord, name: String?, platform: RawWord?, location: SourceLocation, original: String)
    case instruction(Instruction)
}

struct InstructionParser {
    let file: String
    let escape: Character

    static let keywords: Set<String> = [
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER",
        "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    ]

    func location(_ position: TextPosition) -> SourceLocation {
        SourceLocation(file: file, line: position.line, column: position.column)
    }

    /// Parses `line`; `source` (nil for an ONBUILD trigger) supplies heredoc bodies.
    func parse(_ line: PositionedText, source: inout SourceLines?) throws -> ParsedLine {
        let text = line.trimmingWhitespace()
        var keywordEnd = 0
        while keywordEnd < text.count, !text.characters[keywordEnd].isDockerfileBlank { keywordEnd += 1 }
        let keyword = String(text.characters[0..<keywordEnd]).uppercased()
        let start = text.positions[0]
        let at = location(start)
        guard Self.keywords.contains(keyword) else {
            throw DockerfileError("unknown instruction: \(keyword)", at: at)
        }
        let afterKeyword = text.slice(keywordEnd..<text.count).trimmingWhitespace()
        let (flags, arguments) = try InstructionFlags.extract(afterKeyword, keyword: keyword, escape: escape,
                                                              location: location)
        let context = ArgumentContext(parser: self, keyword: keyword, location: at, arguments: arguments, flags: flags,
                                      original: text.string)

        if keyword == "FROM" {
            return try context.from(platform: flags.first { $0.name == "platform" }?.value)
        }
        let kind = try context.kind(source: &source)
        return .instruction(Instruction(location: at, keyword: keyword, original: text.string, flags: flags, kind: kind))
    }
}

/// The arguments of one instruction, parsed the way its keyword wants.
private struct ArgumentContext {
    let parser: InstructionParser
    let keyword: String
    let location: SourceLocation
    let arguments: PositionedText
    let flags: [InstructionFlag]
    let original: String

    var escape: Character { parser.escape }
    var text: String { arguments.string }

    func error(_ message: String, at position: TextPosition? = nil) -> DockerfileError {
        DockerfileError(message, at: position.map(parser.location) ?? location, instruction: keyword)
    }

    func words() -> [SplitWord] { DockerfileWords.split(arguments, escape: escape) }

    func kind(source: inout SourceLines?) throws -> Instruction.Kind {
        switch keyword {
        case "RUN":
            guard !arguments.isEmpty else { throw error("requires at least one argument") }
            try checkRunModes()
            if let exec = JSONStringArray.parse(text) { return .run(.exec(exec), heredocs: []) }
            let heredocs = try readHeredocs(in: words(), source: &source).heredocs
            return .run(.shell(text), heredocs: heredocs)
        case "CMD":
            return .cmd(commandForm())
        case "ENTRYPOINT":
            return .entrypoint(commandForm())
        case "SHELL":
            guard let shell = JSONStringArray.parse(text) else {
                throw error("requires the arguments to be in JSON form")
            }
            guard !shell.isEmpty else { throw error("requires at least one argument") }
            return .shell(shell)
        case "ENV":
            return .env(try pairs())
        case "LABEL":
            return .label(try pairs())
        case "MAINTAINER":
            guard !arguments.isEmpty else { throw error("requires exactly one argument") }
            return .maintainer(text)
        case "EXPOSE":
            let ports = words().map { RawWord($0.string) }
            guard !ports.isEmpty else { throw error("requires at least one argument") }
            return .expose(ports)
        case "ADD", "COPY":
            return try copyKind(source: &source)
        case "VOLUME":
            let volumes = listForm()
            guard !volumes.isEmpty, !volumes.contains(where: { $0.text.isEmpty }) else {
                throw error("requires at least one argument")
            }
            return .volume(volumes)
        case "USER":
            return .user(try single())
        case "WORKDIR":
            return .workdir(try single())
        case "STOPSIGNAL":
            return .stopSignal(try single())
        case "ARG":
            return .arg(try argDeclarations())
        case "ONBUILD":
            return .onbuild(try trigger())
        case "HEALTHCHECK":
            return .healthcheck(try healthcheck())
        default:
            throw error("unknown instruction: \(keyword)")
        }
    }

    /// `RUN --network` and `--security` take BuildKit's modes (checked when written literally).
    func checkRunModes() throws {
        let modes = [("network", ["default", "none", "host"]), ("security", ["sandbox", "insecure"])]
        for (name, allowed) in modes {
            for flag in flags where flag.name == name {
                guard let value = flag.value?.text, !value.contains("$"), !allowed.contains(value) else { continue }
                throw error("unsupported \(name) mode \"\(value)\"")
            }
        }
    }

    /// RUN, CMD, ENTRYPOINT: exec form when the text is a JSON array of strings, else
    /// shell form (docker falls back to it for malformed JSON rather than failing).
    func commandForm() -> CommandForm {
        if let exec = JSONStringArray.parse(text) { return .exec(exec) }
        return .shell(text)
    }

    /// COPY, ADD, VOLUME: a JSON array or blank-separated words. JSON elements are
    /// quoted so that expanding them later gives the element back (plus `$` substitution).
    func listForm() -> [RawWord] {
        if let elements = JSONStringArray.parse(text) { return elements.map { RawWord(quoted($0)) } }
        return words().map { RawWord($0.string) }
    }

    func quoted(_ element: String) -> String {
        var result = "\""
        for character in element {
            if character == "\"" || character == escape { result.append(escape) }
            result.append(character)
        }
        return result + "\""
    }

    func single() throws -> RawWord {
        guard !arguments.isEmpty else { throw error("requires exactly one argument") }
        return RawWord(text)
    }

    func from(platform: RawWord?) throws -> ParsedLine {
        let words = words()
        let name: String?
        switch words.count {
        case 1:
            name = nil
        case 3 where words[1].string.lowercased() == "as":
            let stageName = words[2].string.lowercased()
            guard Self.isValidStageName(stageName) else {
                throw error("invalid name for build stage: \"\(words[2].string)\", name can't start with a number or contain symbols",
                            at: words[2].text.positions[0])
            }
            name = stageName
        default:
            throw error("requires either one or three arguments")
        }
        return .from(base: RawWord(words[0].string), name: name, platform: platform, location: location,
                     original: original)
    }

    /// `^[a-z][a-z0-9-_.]*$`, BuildKit's rule for stage names.
    static func isValidStageName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLowercase else { return false }
        return name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || "-_.".contains($0) }
    }

    /// ENV and LABEL: `k=v k2=v2`, or the legacy `KEY value with spaces` (one pair).
    func pairs() throws -> [(key: RawWord, value: RawWord)] {
        let words = words()
        guard let first = words.first else { throw error("requires at least one argument") }
        guard first.string.contains("=") else {
            let characters = arguments.characters
            var keyEnd = 0
            while keyEnd < characters.count, !characters[keyEnd].isDockerfileBlank { keyEnd += 1 }
            let value = arguments.slice(keyEnd..<characters.count).trimmingWhitespace()
            guard !value.isEmpty else { throw error("must have two arguments") }
            return [(RawWord(String(characters[0..<keyEnd])), RawWord(value.string))]
        }
        return try words.map { word in
            let text = word.string
            guard let equals = text.firstIndex(of: "=") else {
                throw error("Syntax error - can't find = in \"\(text)\". Must be of the form: name=value",
                            at: word.text.positions[0])
            }
            guard equals != text.startIndex else {
                throw error("names can not be blank", at: word.text.positions[0])
            }
            return (RawWord(String(text[..<equals])), RawWord(String(text[text.index(after: equals)...])))
        }
    }

    /// `ARG a=1 b`: several declarations, each with or without a default.
    func argDeclarations() throws -> [ArgDeclaration] {
        let words = words()
        guard !words.isEmpty else { throw error("requires at least one argument") }
        return try words.map { word in
            let text = word.string
            let name: String, value: RawWord?
            if let equals = text.firstIndex(of: "=") {
                name = String(text[..<equals])
                value = RawWord(String(text[text.index(after: equals)...]))
            } else {
                name = text
                value = nil
            }
            guard !name.isEmpty else { throw error("names can not be blank", at: word.text.positions[0]) }
            return ArgDeclaration(name: name, defaultValue: value)
        }
    }

    /// COPY and ADD: sources and a destination; `<<EOF` words are heredoc sources.
    func copyKind(source: inout SourceLines?) throws -> Instruction.Kind {
        var sources: [RawWord]
        var heredocs: [Heredoc] = []
        if let elements = JSONStringArray.parse(text) {
            sources = elements.map { RawWord(quoted($0)) }
        } else {
            let words = words()
            let read = try readHeredocs(in: words, source: &source)
            heredocs = read.heredocs
            let heredocWords = Set(read.markers.map(\.wordIndex))
            sources = words.enumerated().filter { !heredocWords.contains($0.offset) }.map { RawWord($0.element.string) }
        }
        guard sources.count + heredocs.count >= 2, !sources.isEmpty else {
            throw error("requires at least two arguments")
        }
        let destination = sources.removeLast()
        return keyword == "ADD"
            ? .add(sources: sources, destination: destination, heredocs: heredocs)
            : .copy(sources: sources, destination: destination, heredocs: heredocs)
    }

    func readHeredocs(in words: [SplitWord], source: inout SourceLines?)
        throws -> (markers: [HeredocMarker], heredocs: [Heredoc]) {
        let markers = DockerfileHeredocs.markers(in: words, escape: escape)
        guard !markers.isEmpty else { return ([], []) }
        guard source != nil else { throw error("heredocs are not allowed in an ONBUILD trigger") }
        let heredocs = try DockerfileHeredocs.readBodies(markers, from: &source!, location: parser.location,
                                                         keyword: keyword)
        return (markers, heredocs)
    }

    /// The trigger of `ONBUILD <instruction>`, parsed as an instruction of its own.
    func trigger() throws -> Instruction {
        guard !arguments.isEmpty else { throw error("requires at least one argument") }
        let first = arguments.characters.prefix { !$0.isDockerfileBlank }
        switch String(first).uppercased() {
        case "ONBUILD": throw error("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
        case "FROM", "MAINTAINER": throw error("\(String(first).uppercased()) isn't allowed as an ONBUILD trigger")
        default: break
        }
        var noSource: SourceLines? = nil
        guard case .instruction(let trigger) = try parser.parse(arguments, source: &noSource) else {
            throw error("FROM isn't allowed as an ONBUILD trigger")
        }
        return trigger
    }

    /// `HEALTHCHECK NONE` or `HEALTHCHECK [flags] CMD command` (the flags were taken already).
    func healthcheck() throws -> HealthcheckSpec? {
        let characters = arguments.characters
        var typeEnd = 0
        while typeEnd < characters.count, !characters[typeEnd].isDockerfileBlank { typeEnd += 1 }
        let type = String(characters[0..<typeEnd]).uppercased()
        let rest = arguments.slice(typeEnd..<characters.count).trimmingWhitespace()
        switch type {
        case "NONE":
            guard rest.isEmpty else { throw error("HEALTHCHECK NONE takes no arguments") }
            return nil
        case "CMD":
            guard !rest.isEmpty else { throw error("Missing command after HEALTHCHECK CMD") }
            let command: CommandForm = JSONStringArray.parse(rest.string).map { .exec($0) } ?? .shell(rest.string)
            let spec = HealthcheckSpec(command: command, flags: flags)
            do {
                try spec.validate()
            } catch {
                throw self.error(error.message)
            }
            return spec
        default:
            throw error("Unknown type \"\(type)\" in HEALTHCHECK (try CMD)")
        }
    }
}
