// Lexing one action at a time, as Go's text/template lexer does, plus the cursor
// the parser walks its tokens with.
extension GoTemplate {
    struct Token {
        enum Kind: Equatable {
            case space, dot, pipe, leftParen, rightParen, comma, declare, assign
            case field(String), variable(String), identifier(String), string(String), number(String), char(Int64)
        }
        var kind: Kind
        var pos: Int
        var end: Int
    }

    /// Walks one action's tokens.
    struct Cursor {
        var tokens: [Token]
        var index = 0
        /// Where the action ends in the source, for errors past the last token.
        var end: Int

        init(tokens: [Token], end: Int) {
            self.tokens = tokens
            self.end = end
        }

        var peek: Token? { index < tokens.count ? tokens[index] : nil }
        var rest: [Token] { Array(tokens[index...]) }
        var lastEnd: Int { index > 0 ? tokens[index - 1].end : end }

        mutating func advance() { index += 1 }

        mutating func next() -> Token? {
            defer { index += 1 }
            return peek
        }

        mutating func skipSpace() {
            while peek?.kind == .space { index += 1 }
        }

        /// `$x :=`, `$x =` or `$i, $e :=` ahead.
        var startsDeclaration: Bool {
            var j = index
            guard j < tokens.count, case .variable = tokens[j].kind else { return false }
            j += 1
            while j < tokens.count, tokens[j].kind == .space { j += 1 }
            guard j < tokens.count else { return false }
            switch tokens[j].kind {
            case .declare, .assign, .comma: return true
            default: return false
            }
        }
    }
}

extension GoTemplate.Parser {
    typealias Failure = GoTemplate.Failure
    typealias Token = GoTemplate.Token

    /// Reads one action's tokens, from just after `{{` to past `}}`; a ` -}}` ending
    /// asks for the following text's leading spaces to go.
    mutating func lexAction(_ open: Int) throws(Failure) -> [Token] {
        var tokens: [Token] = []
        func add(_ kind: Token.Kind, _ start: Int) { tokens.append(Token(kind: kind, pos: start, end: i)) }
        while true {
            guard i < src.count else { throw Failure(message: "unclosed action", offset: open) }
            let start = i
            let c = src[i]
            if has("}}", at: i) {
                closeDelimiter = i
                i += 2
                return tokens
            }
            if c.isTemplateSpace {
                while i < src.count, src[i].isTemplateSpace { i += 1 }
                if has("-}}", at: i) {
                    closeDelimiter = start
                    i += 3
                    trimNextText = true
                    return tokens
                }
                add(.space, start)
                continue
            }
            i += 1
            switch c {
            case UInt8(ascii: "|"): add(.pipe, start)
            case UInt8(ascii: "("): add(.leftParen, start)
            case UInt8(ascii: ")"): add(.rightParen, start)
            case UInt8(ascii: ","): add(.comma, start)
            case UInt8(ascii: "="): add(.assign, start)
            case UInt8(ascii: ":"):
                guard i < src.count, src[i] == UInt8(ascii: "=") else {
                    throw Failure(message: "expected :=", offset: start)
                }
                i += 1
                add(.declare, start)
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                let value = try lexQuoted(c, start)
                if c == UInt8(ascii: "\"") {
                    add(.string(String(decoding: value, as: UTF8.self)), start)
                } else {
                    let scalars = String(decoding: value, as: UTF8.self).unicodeScalars
                    guard scalars.count == 1 else { throw Failure(message: "malformed character constant", offset: start) }
                    add(.char(Int64(scalars.first!.value)), start)
                }
            case UInt8(ascii: "`"):
                while i < src.count, src[i] != UInt8(ascii: "`") { i += 1 }
                guard i < src.count else { throw Failure(message: "unterminated raw quoted string", offset: start) }
                i += 1
                add(.string(text(start + 1, i - 1)), start)
            case UInt8(ascii: "."):
                if i < src.count, src[i].isDigitByte {
                    lexNumberTail()
                    add(.number(text(start, i)), start)
                } else if i < src.count, src[i].isIdentifierByte {
                    while i < src.count, src[i].isIdentifierByte { i += 1 }
                    add(.field(text(start + 1, i)), start)
                } else {
                    add(.dot, start)
                }
            case UInt8(ascii: "$"):
                while i < src.count, src[i].isIdentifierByte { i += 1 }
                add(.variable(text(start, i)), start)
            case UInt8(ascii: "-"), UInt8(ascii: "+"):
                guard i < src.count, src[i].isDigitByte || src[i] == UInt8(ascii: ".") else {
                    throw unrecognized(c, start)
                }
                lexNumberTail()
                add(.number(text(start, i)), start)
            case _ where c.isDigitByte:
                lexNumberTail()
                add(.number(text(start, i)), start)
            case _ where c.isIdentifierByte:
                while i < src.count, src[i].isIdentifierByte { i += 1 }
                add(.identifier(text(start, i)), start)
            default:
                throw unrecognized(c, start)
            }
        }
    }

    private func unrecognized(_ c: UInt8, _ at: Int) -> Failure {
        let hex = String(c, radix: 16, uppercase: true)
        let code = String(repeating: "0", count: 4 - hex.count) + hex
        return Failure(message: "unrecognized character in action: U+\(code) '\(Character(Unicode.Scalar(c)))'", offset: at)
    }

    /// Swallows the rest of a number loosely; `number(_:at:)` judges it.
    private mutating func lexNumberTail() {
        while i < src.count {
            let c = src[i]
            if c.isIdentifierByte || c == UInt8(ascii: ".") {
                i += 1
            } else if c == UInt8(ascii: "-") || c == UInt8(ascii: "+"),
                      [UInt8(ascii: "e"), UInt8(ascii: "p")].contains(src[i - 1] | 0x20)  // exponent sign
            {
                i += 1
            } else {
                break
            }
        }
    }

    /// Go's interpreted string escapes; returns the bytes between the quotes.
    private mutating func lexQuoted(_ quote: UInt8, _ start: Int) throws(Failure) -> [UInt8] {
        var out: [UInt8] = []
        let unterminated = Failure(
            message: quote == UInt8(ascii: "\"") ? "unterminated quoted string" : "unterminated character constant",
            offset: start)
        while true {
            guard i < src.count, src[i] != UInt8(ascii: "\n") else { throw unterminated }
            let c = src[i]
            i += 1
            if c == quote { return out }
            guard c == UInt8(ascii: "\\") else {
                out.append(c)
                continue
            }
            guard i < src.count else { throw unterminated }
            let e = src[i]
            i += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"): out.append(e)
            case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
                let count = e == UInt8(ascii: "x") ? 2 : e == UInt8(ascii: "u") ? 4 : 8
                guard i + count <= src.count, let v = UInt32(text(i, i + count), radix: 16) else {
                    throw Failure(message: "invalid syntax in quoted string", offset: start)
                }
                i += count
                if e == UInt8(ascii: "x") {
                    out.append(UInt8(v))
                } else {
                    out.append(contentsOf: Array(String(Character(Unicode.Scalar(v) ?? "\u{FFFD}")).utf8))
                }
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                guard i + 2 <= src.count, let v = UInt8(text(i - 1, i + 2), radix: 8) else {
                    throw Failure(message: "invalid syntax in quoted string", offset: start)
                }
                i += 2
                out.append(v)
            default:
                throw Failure(message: "invalid syntax in quoted string", offset: start)
            }
        }
    }
}

extension UInt8 {
    var isTemplateSpace: Bool { self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0D }
    var isDigitByte: Bool { self >= 0x30 && self <= 0x39 }
    /// Bytes of non-ASCII scalars count as letters: Go accepts Unicode identifiers.
    var isIdentifierByte: Bool {
        isDigitByte || (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A) || self == 0x5F || self >= 0x80
    }
}
