// The Dockerfile reference's variable substitution and quote removal, as
// BuildKit's shell lexer does it: `$V`, `${V}`, the `-` `+` `?` forms with and
// without `:`, pattern removal `#` `##` `%` `%%`, replacement `/` `//`, nested
// words, single quotes literal, double quotes allowing `$`, the escape character
// (`\` or the file's `# escape=`). Unset variables expand to nothing.

package struct WordExpander: Sendable {
    package var escape: Character

    package init(escape: Character = "\\") {
        self.escape = escape
    }

    /// One word: quotes removed, escapes applied, variables substituted.
    package func expand(_ word: RawWord, _ lookup: (String) -> String?) throws -> String {
        String(try pieces(word.text, .word, lookup).compactMap(\.character))
    }

    /// The same, split into several words on unquoted blanks, including blanks that come
    /// from an unquoted variable's value (`EXPOSE $PORTS`); `""` is an empty word.
    package func expandFields(_ word: RawWord, _ lookup: (String) -> String?) throws -> [String] {
        let pieces = try pieces(word.text, .word, lookup)
        var fields: [String] = []
        var current = ""
        var hasField = false
        for piece in pieces {
            switch piece {
            case .wordBoundary:
                hasField = true
            case .character(let character, let quoted):
                if !quoted, character.isDockerfileBlank {
                    if hasField { fields.append(current) }
                    current = ""
                    hasField = false
                } else {
                    current.append(character)
                    hasField = true
                }
            }
        }
        if hasField { fields.append(current) }
        return fields
    }

    /// A heredoc body (`COPY <<EOF` with an unquoted delimiter): `$` substitution and
    /// escapes of `$` and the escape character, quotes left as they are, as sh treats heredocs.
    package func expandHeredoc(_ body: String, _ lookup: (String) -> String?) throws -> String {
        String(try pieces(body, .heredoc, lookup).compactMap(\.character))
    }

    private func pieces(_ text: String, _ mode: ExpansionScanner.Mode, _ lookup: (String) -> String?) throws
        -> [ExpansionPiece] {
        try withoutActuallyEscaping(lookup) { lookup in
            var scanner = ExpansionScanner(text: Array(text), escape: escape, lookup: lookup, mode: mode)
            return try scanner.word(stoppingAt: [])
        }
    }
}

/// A character of an expansion's result, and whether quoting protected it.
enum ExpansionPiece {
    case character(Character, quoted: Bool)
    /// Quotes were here: a field exists even when empty (`""`).
    case wordBoundary

    var character: Character? {
        if case .character(let character, _) = self { return character }
        return nil
    }
}

struct ExpansionScanner {
    enum Mode { case word, heredoc }

    let text: [Character]
    let escape: Character
    let lookup: (String) -> String?
    let mode: Mode
    var index = 0

    init(text: [Character], escape: Character, lookup: @escaping (String) -> String?, mode: Mode) {
        self.text = text
        self.escape = escape
        self.lookup = lookup
        self.mode = mode
    }

    var atEnd: Bool { index >= text.count }
    func peek(_ offset: Int = 0) -> Character? { index + offset < text.count ? text[index + offset] : nil }

    func error(_ message: String) -> DockerfileError {
        DockerfileError(message, at: SourceLocation(file: "", line: 0, column: 0))
    }

    /// Reads up to an unquoted character in `stops` (left unread) or the end.
    mutating func word(stoppingAt stops: Set<Character>) throws -> [ExpansionPiece] {
        var pieces: [ExpansionPiece] = []
        while let character = peek() {
            if stops.contains(character) { break }
            index += 1
            if mode == .heredoc {
                if character == escape, let next = peek(), next == "$" || next == escape {
                    index += 1
                    pieces.append(.character(next, quoted: true))
                } else if character == "$" {
                    pieces += try dollar(quoted: true)
                } else {
                    pieces.append(.character(character, quoted: true))
                }
                continue
            }
            switch character {
            case "'":
                pieces.append(.wordBoundary)
                while true {
                    guard let next = peek() else {
                        throw error("unexpected end of statement while looking for matching single-quote")
                    }
                    index += 1
                    if next == "'" { break }
                    pieces.append(.character(next, quoted: true))
                }
            case "\"":
                pieces.append(.wordBoundary)
                pieces += try doubleQuoted()
            case "$":
                pieces += try dollar(quoted: false)
            case escape:
                // An escaped character is literal; a trailing escape disappears (BuildKit).
                if let next = peek() {
                    index += 1
                    pieces.append(.character(next, quoted: true))
                }
            default:
                pieces.append(.character(character, quoted: false))
            }
        }
        return pieces
    }

    /// After an opening `"`: `$` expands; the escape character escapes only `"`, `$` and itself.
    mutating func doubleQuoted() throws -> [ExpansionPiece] {
        var pieces: [ExpansionPiece] = []
        while true {
            guard let character = peek() else {
                throw error("unexpected end of statement while looking for matching double-quote")
            }
            index += 1
            switch character {
            case "\"":
                return pieces
            case "$":
                pieces += try dollar(quoted: true)
            case escape:
                if let next = peek(), next == "\"" || next == "$" || next == escape {
                    index += 1
                    pieces.append(.character(next, quoted: true))
                } else {
                    pieces.append(.character(character, quoted: true))
                }
            default:
                pieces.append(.character(character, quoted: true))
            }
        }
    }

    static func isNameCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_"
    }

    /// A variable name as BuildKit reads one: letters, digits and `_`; a run of digits when it
    /// starts with one (`$12`); or one special parameter (`$$`, `$@`, `$#`…, unset in a build).
    mutating func readName() -> String {
        guard let first = peek() else { return "" }
        let start = index
        if first.isASCII, first.isNumber {
            while let character = peek(), character.isASCII, character.isNumber { index += 1 }
        } else if "@*#?-$!".contains(first) {
            index += 1
        } else {
            while let character = peek(), Self.isNameCharacter(character) { index += 1 }
        }
        return String(text[start..<index])
    }

    /// After a `$`: a name, a `{…}` substitution, or a literal `$`.
    mutating func dollar(quoted: Bool) throws -> [ExpansionPiece] {
        guard let next = peek() else { return [.character("$", quoted: quoted)] }
        if next == "{" {
            index += 1
            return try braced(quoted: quoted)
        }
        let name = readName()
        guard !name.isEmpty else { return [.character("$", quoted: quoted)] }
        return characters(lookup(name) ?? "", quoted: quoted)
    }

    func characters(_ value: String, quoted: Bool) -> [ExpansionPiece] {
        value.map { .character($0, quoted: quoted) }
    }

    /// After `${`.
    mutating func braced(quoted: Bool) throws -> [ExpansionPiece] {
        let start = index
        let name = readName()
        guard !name.isEmpty else {
            throw error(peek() == nil ? "syntax error: missing '}'" : "bad substitution: ${\(String(text[start...]).prefix(20))")
        }
        guard let modifier = peek() else { throw error("syntax error: missing '}'") }
        index += 1
        let value = lookup(name)
        switch modifier {
        case "}":
            return characters(value ?? "", quoted: quoted)
        case ":", "-", "+", "?":
            var operation = modifier
            let colon = modifier == ":"
            if colon {
                guard let next = peek(), next == "-" || next == "+" || next == "?" else {
                    throw error("unsupported modifier (\(modifier)\(peek().map(String.init) ?? "")) in substitution")
                }
                operation = next
                index += 1
            }
            let word = try closingWord(quoted: quoted)
            let isSet = value != nil && (!colon || value != "")
            switch operation {
            case "-": return isSet ? characters(value!, quoted: quoted) : word
            case "+": return isSet ? word : []
            default:
                guard isSet else {
                    let message = String(word.compactMap(\.character))
                    throw error("\(name): \(message.isEmpty ? "is not allowed to be unset" : message)")
                }
                return characters(value!, quoted: quoted)
            }
        case "#", "%":
            let longest = peek() == modifier
            if longest { index += 1 }
            let pattern = try patternWord(stoppingAt: ["}"])
            try expectClosingBrace()
            let trimmed = Self.remove(pattern, from: Array((value ?? "").unicodeScalars), prefix: modifier == "#",
                                      longest: longest)
            return characters(Self.string(trimmed), quoted: quoted)
        case "/":
            var all = false, anchor: Character?
            if peek() == "/" { all = true; index += 1 } else if let next = peek(), next == "#" || next == "%" {
                anchor = next
                index += 1
            }
            let pattern = try patternWord(stoppingAt: ["}", "/"])
            var replacement: [Unicode.Scalar] = []
            if peek() == "/" {
                index += 1
                replacement = Array(String(try word(stoppingAt: ["}"]).compactMap(\.character)).unicodeScalars)
            }
            try expectClosingBrace()
            let result = Self.replace(pattern, in: Array((value ?? "").unicodeScalars), with: replacement, all: all,
                                      anchor: anchor)
            return characters(Self.string(result[...]), quoted: quoted)
        default:
            throw error("unsupported modifier (\(modifier)) in substitution")
        }
    }

    /// The word of `${V:-word}` and friends, up to and including `}`; inside double
    /// quotes the whole result counts as quoted.
    mutating func closingWord(quoted: Bool) throws -> [ExpansionPiece] {
        let pieces = try word(stoppingAt: ["}"])
        try expectClosingBrace()
        guard quoted else { return pieces }
        return pieces.map { piece in
            if case .character(let character, _) = piece { return .character(character, quoted: true) }
            return piece
        }
    }

    mutating func expectClosingBrace() throws {
        guard peek() == "}" else { throw error("syntax error: missing '}'") }
        index += 1
    }

    /// A pattern word: quoted or escaped characters match literally.
    mutating func patternWord(stoppingAt stops: Set<Character>) throws -> GlobPattern {
        let pieces = try word(stoppingAt: stops)
        var units: [(character: Unicode.Scalar, literal: Bool)] = []
        for piece in pieces {
            guard case .character(let character, let quoted) = piece else { continue }
            for scalar in character.unicodeScalars { units.append((scalar, quoted)) }
        }
        return GlobPattern(shellUnits: units)
    }

    static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// `${V#p}` (shortest prefix), `${V##p}` (longest), `${V%p}`, `${V%%p}` for suffixes.
    static func remove(_ pattern: GlobPattern, from value: [Unicode.Scalar], prefix: Bool, longest: Bool)
        -> ArraySlice<Unicode.Scalar> {
        let lengths = Array(0...value.count)
        for length in (longest ? lengths.reversed() : lengths) {
            if prefix, pattern.matches(value[0..<length]) { return value[length...] }
            if !prefix, pattern.matches(value[(value.count - length)...]) { return value[..<(value.count - length)] }
        }
        return value[...]
    }

    /// `${V/p/r}`: the longest match at the leftmost position replaced; `//` every match;
    /// `/#` anchored at the start, `/%` at the end.
    static func replace(_ pattern: GlobPattern, in value: [Unicode.Scalar], with replacement: [Unicode.Scalar],
                        all: Bool, anchor: Character?) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        var start = 0
        var replaced = false
        while start <= value.count {
            if (all || !replaced), anchor != "#" || start == 0 {
                let ends: [Int] = anchor == "%" ? [value.count] : Array((start...value.count).reversed())
                if let end = ends.first(where: { $0 >= start && pattern.matches(value[start..<$0]) }),
                   end > start || (anchor != nil && !pattern.tokens.isEmpty) {
                    result += replacement
                    replaced = true
                    if end > start {
                        start = end
                        continue
                    }
                }
            }
            if start < value.count { result.append(value[start]) }
            start += 1
        }
        return result
    }
}
