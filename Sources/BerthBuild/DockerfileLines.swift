// Turns a Dockerfile's text into logical lines: parser directives read off the
// top, a BOM and CRLF dropped, comment lines skipped (also inside continuations),
// continuations joined, and heredoc bodies read raw after the line that opens
// them. Every character of a logical line remembers its physical line and column,
// so an error anywhere in an instruction can point at the exact spot.

/// A 1-based line and column in the physical file.
struct TextPosition: Equatable {
    var line: Int
    var column: Int
}

/// Characters with the position each came from.
struct PositionedText {
    var characters: [Character] = []
    var positions: [TextPosition] = []

    var isEmpty: Bool { characters.isEmpty }
    var count: Int { characters.count }
    var string: String { String(characters) }

    mutating func append(_ character: Character, at position: TextPosition) {
        characters.append(character)
        positions.append(position)
    }

    mutating func append(_ other: PositionedText) {
        characters += other.characters
        positions += other.positions
    }

    /// A sub-range, positions kept.
    func slice(_ range: Range<Int>) -> PositionedText {
        PositionedText(characters: Array(characters[range]), positions: Array(positions[range]))
    }

    /// Where character `index` sits; the end of the text maps to one column past its last character.
    func position(at index: Int, fallback: TextPosition) -> TextPosition {
        if index < positions.count { return positions[index] }
        guard let last = positions.last else { return fallback }
        return TextPosition(line: last.line, column: last.column + 1)
    }

    func trimmingWhitespace() -> PositionedText {
        var start = 0, end = characters.count
        while start < end, characters[start].isDockerfileBlank { start += 1 }
        while end > start, characters[end - 1].isDockerfileBlank { end -= 1 }
        return slice(start..<end)
    }
}

extension Character {
    /// The whitespace Dockerfile syntax separates words with.
    var isDockerfileBlank: Bool { self == " " || self == "\t" || self == "\n" || self == "\r\n" || self == "\r" || self == "\u{0B}" || self == "\u{0C}" }
}

/// One instruction's text with continuations joined.
struct LogicalLine {
    var text: PositionedText
    /// The physical line the instruction starts on.
    var startLine: Int
}

/// Physical lines and a cursor over them.
struct SourceLines {
    private(set) var lines: [[Character]]
    private(set) var next = 0

    init(_ text: String) {
        var body = Substring(text)
        if body.first == "\u{FEFF}" { body = body.dropFirst() }
        // "\r\n" is one Character in Swift: split on both forms so CRLF files read as LF ones.
        lines = body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { line in
                var characters = Array(line)
                if characters.last == "\r" { characters.removeLast() }
                return characters
            }
        if lines.last?.isEmpty == true { lines.removeLast() }
    }

    var isAtEnd: Bool { next >= lines.count }
    /// The 1-based number of the line `nextLine()` returns.
    var nextLineNumber: Int { next + 1 }
    var lineCount: Int { lines.count }

    func peek() -> [Character]? { isAtEnd ? nil : lines[next] }

    mutating func nextLine() -> [Character]? {
        guard !isAtEnd else { return nil }
        defer { next += 1 }
        return lines[next]
    }
}

/// The directives BuildKit honours at the top of a file (`# syntax=`, `# escape=`, `# check=`).
struct ParserDirectives {
    var escape: Character = "\\"

    /// Reads directives from the top of `source`, leaving the cursor on the first line that is not one.
    /// The reference: directives are only recognized before any comment, blank line or instruction, and
    /// an unknown directive is an ordinary comment that ends the directive block.
    static func read(_ source: inout SourceLines, file: String) throws -> ParserDirectives {
        var directives = ParserDirectives()
        var seen: Set<String> = []
        while let line = source.peek(), let (name, value) = parseDirective(line) {
            let lineNumber = source.nextLineNumber
            let location = SourceLocation(file: file, line: lineNumber, column: 1)
            switch name {
            case "escape":
                guard value == "\\" || value == "`" else {
                    throw DockerfileError("invalid escape token '\(value)' does not match ` or \\", at: location)
                }
                directives.escape = Character(value)
            case "syntax", "check":
                break  // berth has one frontend; `check=` tunes BuildKit's linter
            default:
                return directives
            }
            guard seen.insert(name).inserted else {
                throw DockerfileError("only one \(name) parser directive can be used", at: location)
            }
            _ = source.nextLine()
        }
        return directives
    }

    /// `#[ \t]*name[ \t]*=[ \t]*value[ \t]*` with a name of letters and digits, lowercased.
    static func parseDirective(_ line: [Character]) -> (String, String)? {
        var index = 0
        guard line.first == "#" else { return nil }
        index = 1
        func skipBlanks() { while index < line.count, line[index] == " " || line[index] == "\t" { index += 1 } }
        skipBlanks()
        let nameStart = index
        guard index < line.count, line[index].isASCII, line[index].isLetter else { return nil }
        while index < line.count, line[index].isASCII, line[index].isLetter || line[index].isNumber { index += 1 }
        let name = String(line[nameStart..<index]).lowercased()
        skipBlanks()
        guard index < line.count, line[index] == "=" else { return nil }
        index += 1
        skipBlanks()
        var end = line.count
        while end > index, line[end - 1] == " " || line[end - 1] == "\t" { end -= 1 }
        guard end > index else { return nil }
        return (name, String(line[index..<end]))
    }
}

/// Reads logical lines the way BuildKit's parser does.
struct LineJoiner {
    let escape: Character

    /// A physical line whose first non-blank character is `#`.
    static func isComment(_ line: [Character]) -> Bool {
        line.first(where: { !$0.isDockerfileBlank }) == "#"
    }

    static func isBlank(_ line: [Character]) -> Bool {
        line.allSatisfy(\.isDockerfileBlank)
    }

    /// The line without a trailing escape character (and the blanks after it, as BuildKit
    /// allows them), and whether the instruction goes on to the next line.
    func dropContinuation(_ line: [Character]) -> (content: ArraySlice<Character>, continues: Bool) {
        var end = line.count
        while end > 0, line[end - 1] == " " || line[end - 1] == "\t" { end -= 1 }
        if end > 0, line[end - 1] == escape { return (line[..<(end - 1)], true) }
        return (line[...], false)
    }

    /// The next instruction's text, or nil at the end of the file.
    func nextLogicalLine(_ source: inout SourceLines) -> LogicalLine? {
        while let line = source.nextLine() {
            let lineNumber = source.nextLineNumber - 1
            if Self.isComment(line) || Self.isBlank(line) { continue }
            var text = PositionedText()
            var start = 0
            while start < line.count, line[start].isDockerfileBlank { start += 1 }
            var (content, continues) = dropContinuation(Array(line[start...]))
            for (offset, character) in content.enumerated() {
                text.append(character, at: TextPosition(line: lineNumber, column: start + offset + 1))
            }
            while continues, let next = source.nextLine() {
                let nextNumber = source.nextLineNumber - 1
                // Comments and empty lines inside a continuation are dropped, not joined (BuildKit).
                if Self.isComment(next) || Self.isBlank(next) { continue }
                (content, continues) = dropContinuation(next)
                for (offset, character) in content.enumerated() {
                    text.append(character, at: TextPosition(line: nextNumber, column: offset + 1))
                }
            }
            // A lone escape character (its continuation only comments or the end) holds nothing.
            if text.trimmingWhitespace().isEmpty { continue }
            return LogicalLine(text: text, startLine: lineNumber)
        }
        return nil
    }
}
