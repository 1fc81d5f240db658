/// A parse or execution error, worded like Go's text/template so that scripts
/// matching podman's messages keep working. Columns are 0-based byte offsets, as Go's.
package struct TemplateError: Error, CustomStringConvertible, Equatable {
    package let line: Int
    package let column: Int
    package let message: String

    package var description: String { "template: output:\(line):\(column): \(message)" }

    init(_ failure: GoTemplate.Failure, in source: [UInt8]) {
        var line = 1
        var lineStart = 0
        for i in 0..<min(failure.offset, source.count) where source[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        self.line = line
        self.column = failure.offset - lineStart
        self.message = failure.message
    }
}

/// Go's text/template, as far as podman's `--format` needs it: fields, variables,
/// pipelines, if/else if/range/with/break/continue, trim markers, comments, and
/// Go's built-in functions plus podman's (json, upper, lower, title, join, split,
/// truncate, pad) and `contains`.
package struct GoTemplate: Sendable {
    let source: [UInt8]
    let nodes: [Node]

    package init(_ source: String) throws(TemplateError) {
        self.source = Array(source.utf8)
        var parser = Parser(src: self.source)
        do throws(Failure) {
            let (nodes, end) = try parser.parseList()
            switch end {
            case .eof: break
            case .end(let pos): throw Failure(message: "unexpected {{end}}", offset: pos)
            case .else(_, let pos): throw Failure(message: "unexpected {{else}}", offset: pos)
            }
            self.nodes = nodes
        } catch {
            throw TemplateError(error, in: self.source)
        }
    }

    package func render(_ value: TemplateValue) throws(TemplateError) -> String {
        var exec = Executor(vars: [("$", value)])
        do throws(Failure) {
            _ = try exec.walk(nodes, dot: value)
        } catch {
            throw TemplateError(error, in: source)
        }
        return exec.out
    }

    /// podman turns the two characters `\t` and `\n` typed on a command line into a
    /// tab and a newline before parsing a format, since shells pass them literally.
    package static func unescapeCLI(_ s: String) -> String {
        var out = ""
        var pendingBackslash = false
        for c in s {
            if pendingBackslash {
                pendingBackslash = false
                switch c {
                case "t": out += "\t"; continue
                case "n": out += "\n"; continue
                default: out += "\\"
                }
            }
            if c == "\\" { pendingBackslash = true } else { out.append(c) }
        }
        if pendingBackslash { out += "\\" }
        return out
    }

    /// The top-level fields (`.Name` on the template's own dot) the template reads,
    /// in order of appearance: a table header gives each of them a column title.
    func referencedFields() -> [String] {
        var fields: [String] = []
        func visit(_ pipe: Pipe) {
            for op in pipe.cmds.flatMap(\.args) {
                if case .pipe(let inner) = op.kind { visit(inner) }
                if case .dot = op.kind, let first = op.chain.first, !fields.contains(first) {
                    fields.append(first)
                }
            }
        }
        func visit(_ nodes: [Node]) {
            for node in nodes {
                switch node {
                case .action(let pipe): visit(pipe)
                case .control(_, let pipe, let body, let other):
                    visit(pipe)
                    visit(body)
                    visit(other)
                case .text, .breakLoop, .continueLoop: break
                }
            }
        }
        visit(nodes)
        return fields
    }

    /// A header line for templates that cannot run on titles (`{{.Labels.x}}` asks a
    /// field of a string): each action prints the title of the first field it reads.
    func headerBySubstitution(_ title: (String) -> String) -> String {
        func firstField(_ pipe: Pipe) -> String? {
            for op in pipe.cmds.flatMap(\.args) {
                if case .dot = op.kind, let first = op.chain.first { return first }
                if case .pipe(let inner) = op.kind, let found = firstField(inner) { return found }
            }
            return nil
        }
        func walk(_ nodes: [Node]) -> String {
            var out = ""
            for node in nodes {
                switch node {
                case .text(let s): out += s
                case .action(let pipe) where pipe.decl.isEmpty: out += firstField(pipe).map(title) ?? ""
                case .control(_, _, let body, _): out += walk(body)
                default: break
                }
            }
            return out
        }
        return walk(nodes)
    }
}

extension GoTemplate {
    /// An error before its line and column are known.
    struct Failure: Error {
        var message: String
        var offset: Int
    }

    // MARK: - Syntax tree

    indirect enum Node: Sendable {
        case text(String)
        case action(Pipe)
        case control(Control, Pipe, [Node], [Node])  // the second list is the else branch
        case breakLoop, continueLoop
    }

    enum Control: String, Sendable {
        case `if`, range, with
    }

    struct Pipe: Sendable {
        var decl: [String] = []
        var isAssign = false
        var cmds: [Command] = []
    }

    struct Command: Sendable {
        var args: [Operand]
        var text: String  // source text, for "executing ... at <...>"
        var pos: Int
    }

    struct Operand: Sendable {
        enum Kind: Sendable {
            case dot, variable(String), function(String), pipe(Pipe), literal(TemplateValue), nilLiteral
        }
        var kind: Kind
        var chain: [String] = []  // field names after the term: .A.B, $x.A, (pipe).A
        var text: String
        var pos: Int
    }

    // MARK: - Parser

    static let builtins: Set<String> = [
        "and", "or", "not", "len", "index", "print", "printf", "println",
        "eq", "ne", "lt", "le", "gt", "ge",
        "json", "upper", "lower", "title", "join", "split", "truncate", "pad", "contains",
    ]

    struct Token {
        enum Kind: Equatable {
            case space, dot, pipe, leftParen, rightParen, comma, declare, assign
            case field(String), variable(String), identifier(String), string(String), number(String), char(Int64)
        }
        var kind: Kind
        var pos: Int
        var end: Int
    }

    enum Terminator {
        case eof
        case end(Int)
        case `else`([Token], Int)
    }

    struct Parser {
        let src: [UInt8]
        var i = 0
        var vars = ["$"]
        var rangeDepth = 0
        var trimNextText = false
        /// Where the last lexed action's `}}` (or ` -}}`) starts.
        var closeDelimiter = 0

        init(src: [UInt8]) { self.src = src }

        private func text(_ from: Int, _ to: Int) -> String {
            String(decoding: src[from..<to], as: UTF8.self)
        }

        private func has(_ s: StaticString, at offset: Int) -> Bool {
            s.withUTF8Buffer { bytes in
                offset + bytes.count <= src.count && bytes.indices.allSatisfy { src[offset + $0] == bytes[$0] }
            }
        }

        /// Parses text and actions until the input ends or an {{end}}/{{else}} closes the list.
        mutating func parseList() throws(Failure) -> ([Node], Terminator) {
            var nodes: [Node] = []
            while true {
                var open = i
                while open < src.count, !has("{{", at: open) { open += 1 }
                let trimLeft = open + 3 < src.count && src[open + 2] == UInt8(ascii: "-") && src[open + 3].isTemplateSpace
                var from = i
                var to = open
                if trimNextText { while from < to, src[from].isTemplateSpace { from += 1 } }
                if trimLeft { while to > from, src[to - 1].isTemplateSpace { to -= 1 } }
                trimNextText = false
                if from < to { nodes.append(.text(text(from, to))) }
                if open >= src.count { return (nodes, .eof) }
                i = open + (trimLeft ? 4 : 2)
                if has("/*", at: i) {
                    try skipComment(open)
                    continue
                }
                let tokens = try lexAction(open)
                var cur = Cursor(tokens: tokens, end: closeDelimiter)
                cur.skipSpace()
                if case .identifier(let word)? = cur.peek?.kind {
                    let pos = cur.peek!.pos
                    switch word {
                    case "end":
                        cur.advance()
                        try expectEnd(&cur, after: "end")
                        return (nodes, .end(pos))
                    case "else":
                        cur.advance()
                        return (nodes, .else(cur.rest, pos))
                    case "if", "range", "with":
                        cur.advance()
                        nodes.append(try parseControl(Control(rawValue: word)!, &cur, at: pos))
                        continue
                    case "break", "continue":
                        guard rangeDepth > 0 else { throw Failure(message: "{{\(word)}} outside {{range}}", offset: pos) }
                        cur.advance()
                        try expectEnd(&cur, after: word)
                        nodes.append(word == "break" ? .breakLoop : .continueLoop)
                        continue
                    case "define", "template", "block":
                        throw Failure(message: "{{\(word)}} is not supported", offset: pos)
                    default: break
                    }
                }
                let pipe = try parsePipeline(&cur, context: "command", allowDecl: true, isRange: false)
                try expectEnd(&cur, after: "command")
                nodes.append(.action(pipe))
            }
        }

        private mutating func skipComment(_ open: Int) throws(Failure) {
            var j = i + 2
            while j < src.count, !has("*/", at: j) { j += 1 }
            guard j < src.count else { throw Failure(message: "unclosed comment", offset: open) }
            i = j + 2
            if has("}}", at: i) {
                i += 2
            } else if i + 3 < src.count, src[i].isTemplateSpace, has("-}}", at: i + 1) {
                i += 4
                trimNextText = true
            } else {
                throw Failure(message: "comment ends before closing delimiter", offset: open)
            }
        }

        private func expectEnd(_ cur: inout Cursor, after what: String) throws(Failure) {
            cur.skipSpace()
            if let t = cur.peek {
                throw Failure(message: "unexpected \(describe(t)) in \(what)", offset: t.pos)
            }
        }

        private func describe(_ t: Token) -> String {
            switch t.kind {
            case .rightParen: return "right paren"
            case .leftParen: return "left paren"
            default: return "\"\(text(t.pos, t.end))\""
            }
        }

        private mutating func parseControl(_ kind: Control, _ cur: inout Cursor, at pos: Int) throws(Failure) -> Node {
            let mark = vars.count
            let pipe = try parsePipeline(&cur, context: kind.rawValue, allowDecl: true, isRange: kind == .range)
            try expectEnd(&cur, after: kind.rawValue)
            if kind == .range { rangeDepth += 1 }
            let (body, end) = try parseList()
            if kind == .range { rangeDepth -= 1 }
            var otherwise: [Node] = []
            switch end {
            case .eof:
                throw Failure(message: "unexpected EOF", offset: src.count)
            case .end:
                break
            case .else(let tokens, let elsePos):
                var rest = Cursor(tokens: tokens, end: elsePos)
                rest.skipSpace()
                if let t = rest.peek {
                    // {{else if x}} and {{else with x}} open a control that shares this {{end}}.
                    guard case .identifier(let word) = t.kind, word == kind.rawValue, kind != .range else {
                        throw Failure(message: "unexpected \(describe(t)) in else", offset: t.pos)
                    }
                    rest.advance()
                    otherwise = [try parseControl(kind, &rest, at: t.pos)]
                } else {
                    let (list, end) = try parseList()
                    switch end {
                    case .end: otherwise = list
                    case .eof: throw Failure(message: "unexpected EOF", offset: src.count)
                    case .else(_, let p): throw Failure(message: "expected end; found {{else}}", offset: p)
                    }
                }
            }
            vars.removeSubrange(mark...)
            return .control(kind, pipe, body, otherwise)
        }

        private mutating func parsePipeline(
            _ cur: inout Cursor, context: String, allowDecl: Bool, isRange: Bool
        ) throws(Failure) -> Pipe {
            var pipe = Pipe()
            cur.skipSpace()
            if allowDecl, cur.startsDeclaration {
                while true {
                    guard case .variable(let name)? = cur.peek?.kind else { break }
                    let pos = cur.peek!.pos
                    cur.advance()
                    cur.skipSpace()
                    switch cur.peek?.kind {
                    case .declare?:
                        cur.advance()
                        pipe.decl.append(name)
                    case .assign?:
                        guard vars.contains(name) else { throw Failure(message: "undefined variable \"\(name)\"", offset: pos) }
                        cur.advance()
                        pipe.decl.append(name)
                        pipe.isAssign = true
                    case .comma? where isRange && pipe.decl.isEmpty:
                        cur.advance()
                        cur.skipSpace()
                        pipe.decl.append(name)
                        continue
                    default:
                        throw Failure(message: "too many declarations in \(context)", offset: pos)
                    }
                    break
                }
                if !pipe.isAssign { vars.append(contentsOf: pipe.decl) }
            }
            while true {
                cur.skipSpace()
                let command = try parseCommand(&cur, context: context)
                if pipe.cmds.count > 0 {
                    switch command.args[0].kind {
                    case .dot where command.args[0].chain.isEmpty, .literal, .nilLiteral:
                        throw Failure(
                            message: "non executable command in pipeline stage \(pipe.cmds.count + 1)",
                            offset: command.pos)
                    default: break
                    }
                }
                pipe.cmds.append(command)
                cur.skipSpace()
                guard cur.peek?.kind == .pipe else { return pipe }
                cur.advance()
            }
        }

        private mutating func parseCommand(_ cur: inout Cursor, context: String) throws(Failure) -> Command {
            var args: [Operand] = []
            let start = cur.peek?.pos ?? cur.end
            var end = start
            loop: while true {
                cur.skipSpace()
                guard let t = cur.peek else { break }
                switch t.kind {
                case .pipe, .rightParen: break loop
                default: break
                }
                let operand = try parseOperand(&cur)
                args.append(operand)
                end = cur.lastEnd
                if let next = cur.peek {
                    switch next.kind {
                    case .space, .pipe, .rightParen: break
                    default: throw Failure(message: "unexpected \(describe(next)) in operand", offset: next.pos)
                    }
                }
            }
            guard let first = args.first else {
                throw Failure(message: "missing value for \(context)", offset: cur.peek?.pos ?? cur.end)
            }
            if args.count == 1, case .nilLiteral = first.kind {
                throw Failure(message: "nil is not a command", offset: first.pos)
            }
            return Command(args: args, text: text(start, end), pos: start)
        }

        private mutating func parseOperand(_ cur: inout Cursor) throws(Failure) -> Operand {
            let t = cur.next()!
            var kind: Operand.Kind
            var chain: [String] = []
            var chainable = true
            switch t.kind {
            case .dot:
                kind = .dot
                chainable = false
            case .field(let name):
                kind = .dot
                chain = [name]
            case .variable(let name):
                guard vars.contains(name) else { throw Failure(message: "undefined variable \"\(name)\"", offset: t.pos) }
                kind = .variable(name)
            case .identifier(let name):
                chainable = false
                switch name {
                case "true", "false": kind = .literal(.bool(name == "true"))
                case "nil": kind = .nilLiteral
                default:
                    guard GoTemplate.builtins.contains(name) else {
                        throw Failure(message: "function \"\(name)\" not defined", offset: t.pos)
                    }
                    kind = .function(name)
                }
            case .string(let s):
                kind = .literal(.string(s))
                chainable = false
            case .char(let c):
                kind = .literal(.int(c))
                chainable = false
            case .number(let n):
                kind = .literal(try number(n, at: t.pos))
                chainable = false
            case .leftParen:
                let inner = try parsePipeline(&cur, context: "parenthesized pipeline", allowDecl: false, isRange: false)
                cur.skipSpace()
                guard cur.peek?.kind == .rightParen else { throw Failure(message: "unclosed left paren", offset: t.pos) }
                cur.advance()
                kind = .pipe(inner)
            default:
                throw Failure(message: "unexpected \(describe(t)) in operand", offset: t.pos)
            }
            while case .field(let name)? = cur.peek?.kind {
                guard chainable else {
                    throw Failure(message: "unexpected . after term \"\(text(t.pos, t.end))\"", offset: cur.peek!.pos)
                }
                chain.append(name)
                cur.advance()
            }
            return Operand(kind: kind, chain: chain, text: text(t.pos, cur.lastEnd), pos: t.pos)
        }

        /// Go's number syntax: integers in any base (with _), else floats; a decimal point
        /// or exponent makes a float64, as text/template's constants do.
        private func number(_ s: String, at pos: Int) throws(Failure) -> TemplateValue {
            let bad = Failure(message: "bad number syntax: \"\(s)\"", offset: pos)
            var body = Substring(s.filter { $0 != "_" })
            var negative = false
            if let sign = body.first, sign == "-" || sign == "+" {
                negative = sign == "-"
                body = body.dropFirst()
            }
            let lower = body.lowercased()
            var radix = 10
            var digits = Substring(lower)
            if lower.hasPrefix("0x") { radix = 16; digits = digits.dropFirst(2) }
            else if lower.hasPrefix("0o") { radix = 8; digits = digits.dropFirst(2) }
            else if lower.hasPrefix("0b") { radix = 2; digits = digits.dropFirst(2) }
            else if lower.count > 1, lower.hasPrefix("0"), lower.allSatisfy(\.isNumber) {
                radix = 8  // Go reads 017 as octal
                digits = digits.dropFirst()
            }
            if let magnitude = UInt64(digits, radix: radix) {
                if negative, magnitude <= UInt64(Int64.max) + 1 { return .int(Int64(truncatingIfNeeded: 0 &- magnitude)) }
                if !negative, magnitude <= UInt64(Int64.max) { return .int(Int64(magnitude)) }
                throw bad
            }
            guard radix != 16 || lower.contains("p"), let d = Double(String(body)), d.isFinite else { throw bad }
            return .double(negative ? -d : d)
        }

        // MARK: Lexer

        /// Reads one action's tokens, from just after `{{` to past `}}`; a ` -}}` ending
        /// asks for the following text's leading spaces to go.
        private mutating func lexAction(_ open: Int) throws(Failure) -> [Token] {
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

    // MARK: - Execution

    struct CallError: Error {
        var message: String
    }

    struct Executor {
        var vars: [(String, TemplateValue)]
        var out = ""

        init(vars: [(String, TemplateValue)]) {
            self.vars = vars
        }

        enum Flow { case normal, breakLoop, continueLoop }

        mutating func walk(_ nodes: [Node], dot: TemplateValue) throws(Failure) -> Flow {
            for node in nodes {
                switch node {
                case .text(let s):
                    out += s
                case .action(let pipe):
                    let value = try evalPipe(pipe, dot: dot, declare: true)
                    if pipe.decl.isEmpty { out += value.text }
                case .breakLoop:
                    return .breakLoop
                case .continueLoop:
                    return .continueLoop
                case .control(let kind, let pipe, let body, let otherwise):
                    let mark = vars.count
                    let flow = try control(kind, pipe, body, otherwise, dot: dot)
                    vars.removeSubrange(mark...)
                    if flow != .normal { return flow }
                }
            }
            return .normal
        }

        private mutating func control(
            _ kind: Control, _ pipe: Pipe, _ body: [Node], _ otherwise: [Node], dot: TemplateValue
        ) throws(Failure) -> Flow {
            let value = try evalPipe(pipe, dot: dot, declare: kind != .range)
            guard kind == .range else {
                if value.isTruthy { return try walk(body, dot: kind == .with ? value : dot) }
                return try walk(otherwise, dot: dot)
            }
            let items: [(TemplateValue, TemplateValue)]
            switch value {
            case .array(let a): items = a.enumerated().map { (.int(Int64($0.offset)), $0.element) }
            case .object(let m): items = m.map { (.string($0.0), $0.1) }
            case .int(let n): items = n > 0 ? (0..<n).map { (.int($0), .int($0)) } : []
            case .null: items = []
            default:
                throw Failure(message: "range can't iterate over \(value.goPrint)", offset: pipe.cmds[0].pos)
            }
            if items.isEmpty { return try walk(otherwise, dot: dot) }
            for (key, element) in items {
                let mark = vars.count
                if pipe.decl.count == 1 { vars.append((pipe.decl[0], element)) }
                if pipe.decl.count == 2 { vars.append(contentsOf: [(pipe.decl[0], key), (pipe.decl[1], element)]) }
                let flow = try walk(body, dot: element)
                vars.removeSubrange(mark...)
                if flow == .breakLoop { break }
            }
            return .normal
        }

        private mutating func evalPipe(
            _ pipe: Pipe, dot: TemplateValue, declare: Bool
        ) throws(Failure) -> TemplateValue {
            var value: TemplateValue?
            for cmd in pipe.cmds { value = try evalCommand(cmd, dot: dot, final: value) }
            let result = value ?? .null
            if declare, let name = pipe.decl.first {
                if pipe.isAssign, let slot = vars.lastIndex(where: { $0.0 == name }) {
                    vars[slot].1 = result
                } else {
                    vars.append((name, result))
                }
            }
            return result
        }

        private func fail(_ message: String, _ cmd: Command) -> Failure {
            Failure(message: "executing \"output\" at <\(cmd.text)>: \(message)", offset: cmd.pos)
        }

        private mutating func evalCommand(
            _ cmd: Command, dot: TemplateValue, final: TemplateValue?
        ) throws(Failure) -> TemplateValue {
            let first = cmd.args[0]
            if case .function(let name) = first.kind {
                return try call(name, Array(cmd.args.dropFirst()), cmd, dot: dot, final: final)
            }
            if cmd.args.count > 1 || final != nil {
                throw fail("can't give argument to non-function \(first.text)", cmd)
            }
            return try evalOperand(first, cmd, dot: dot)
        }

        private mutating func evalOperand(
            _ op: Operand, _ cmd: Command, dot: TemplateValue
        ) throws(Failure) -> TemplateValue {
            var value: TemplateValue
            switch op.kind {
            case .dot: value = dot
            case .variable(let name): value = vars.last { $0.0 == name }?.1 ?? .null
            case .function(let name): value = try call(name, [], cmd, dot: dot, final: nil)
            case .pipe(let pipe): value = try evalPipe(pipe, dot: dot, declare: false)
            case .literal(let v): value = v
            case .nilLiteral: value = .null
            }
            for name in op.chain {
                switch value {
                case .object:
                    value = value[name] ?? .null
                case .null:
                    // A nil map or pointer in podman's data: Go prints <no value> for it.
                    value = .null
                default:
                    throw fail("can't evaluate field \(name) in type \(value.goTypeName)", cmd)
                }
            }
            return value
        }

        private mutating func call(
            _ name: String, _ argOps: [Operand], _ cmd: Command, dot: TemplateValue, final: TemplateValue?
        ) throws(Failure) -> TemplateValue {
            // and/or stop at the first argument that decides, so later ones may be unsafe.
            if name == "and" || name == "or" {
                guard !argOps.isEmpty || final != nil else {
                    throw fail("wrong number of args for \(name): want at least 1 got 0", cmd)
                }
                var last = TemplateValue.null
                for op in argOps {
                    last = try evalOperand(op, cmd, dot: dot)
                    if last.isTruthy == (name == "or") { return last }
                }
                return final ?? last
            }
            var args: [TemplateValue] = []
            for op in argOps { args.append(try evalOperand(op, cmd, dot: dot)) }
            if let final { args.append(final) }
            do throws(CallError) {
                return try Builtins.call(name, args)
            } catch {
                throw fail(error.message, cmd)
            }
        }
    }

    // MARK: - Functions

    enum Builtins {
        static func call(_ name: String, _ args: [TemplateValue]) throws(CallError) -> TemplateValue {
            func want(_ n: Int) throws(CallError) {
                guard args.count == n else {
                    throw CallError(message: "wrong number of args for \(name): want \(n) got \(args.count)")
                }
            }
            func string(_ i: Int) throws(CallError) -> String {
                guard case .string(let s) = args[i] else {
                    throw CallError(message: "wrong type for value; expected string; got \(args[i].goTypeName)")
                }
                return s
            }
            func int(_ i: Int) throws(CallError) -> Int {
                guard case .int(let n) = args[i] else {
                    throw CallError(message: "wrong type for value; expected int; got \(args[i].goTypeName)")
                }
                return Int(clamping: n)
            }
            func failed(_ message: String) -> CallError { CallError(message: "error calling \(name): \(message)") }

            switch name {
            case "not":
                try want(1)
                return .bool(!args[0].isTruthy)
            case "len":
                try want(1)
                switch args[0] {
                case .string(let s): return .int(Int64(s.utf8.count))  // Go counts bytes
                case .array(let a): return .int(Int64(a.count))
                case .object(let m): return .int(Int64(m.count))
                default: throw failed("len of type \(args[0].goTypeName)")
                }
            case "index":
                guard var value = args.first else {
                    throw CallError(message: "wrong number of args for index: want at least 1 got 0")
                }
                for key in args.dropFirst() {
                    switch (value, key) {
                    case (.array(let a), .int(let n)):
                        guard n >= 0, n < a.count else { throw failed("index out of range: \(n)") }
                        value = a[Int(n)]
                    case (.string(let s), .int(let n)):
                        let bytes = Array(s.utf8)
                        guard n >= 0, n < bytes.count else { throw failed("index out of range: \(n)") }
                        value = .int(Int64(bytes[Int(n)]))
                    case (.object(let m), .string(let k)):
                        value = m.first { $0.0 == k }?.1 ?? .null
                    case (.null, _):
                        throw failed("index of untyped nil")
                    case (.array, _), (.string, _), (.object, _):
                        throw failed("cannot index \(value.goTypeName) with \(key.goTypeName)")
                    default:
                        throw failed("can't index item of type \(value.goTypeName)")
                    }
                }
                return value
            case "print":
                return .string(GoFmt.sprint(args))
            case "println":
                return .string(args.map(\.goPrint).joined(separator: " ") + "\n")
            case "printf":
                guard !args.isEmpty else {
                    throw CallError(message: "wrong number of args for printf: want at least 1 got 0")
                }
                return .string(GoFmt.sprintf(try string(0), Array(args.dropFirst())))
            case "eq", "ne":
                guard args.count >= 2 else { throw failed("missing argument for comparison") }
                if name == "ne" { try want(2) }
                var equal = false
                for other in args.dropFirst() {
                    if try compare(args[0], other, ordered: false, name) == 0 { equal = true }
                }
                return .bool(equal == (name == "eq"))
            case "lt", "le", "gt", "ge":
                try want(2)
                let order = try compare(args[0], args[1], ordered: true, name)
                switch name {
                case "lt": return .bool(order < 0)
                case "le": return .bool(order <= 0)
                case "gt": return .bool(order > 0)
                default: return .bool(order >= 0)
                }
            case "json":
                // podman's json function turns off Go's HTML escaping.
                try want(1)
                return .string(args[0].jsonString(indent: false, escapeHTML: false))
            case "upper":
                try want(1)
                return .string(try string(0).uppercased())
            case "lower":
                try want(1)
                return .string(try string(0).lowercased())
            case "title":
                try want(1)
                return .string(title(try string(0)))
            case "join":
                try want(2)
                let items: [TemplateValue]
                switch args[0] {
                case .array(let a): items = a
                case .null: items = []
                default: throw CallError(message: "wrong type for value; expected []string; got \(args[0].goTypeName)")
                }
                return .string(items.map(\.goPrint).joined(separator: try string(1)))
            case "split":
                try want(2)
                let s = try string(0), separator = try string(1)
                if separator.isEmpty { return .array(s.unicodeScalars.map { .string(String($0)) }) }
                return .array(s.split(separator: separator, omittingEmptySubsequences: false).map { .string(String($0)) })
            case "truncate":
                try want(2)
                let s = try string(0), length = try int(1)
                var out = ""
                out.unicodeScalars.append(contentsOf: s.unicodeScalars.prefix(max(length, 0)))
                return .string(out)
            case "pad":
                try want(3)
                let s = try string(0), before = try int(1), after = try int(2)
                let spaces = { (n: Int) in String(repeating: " ", count: max(n, 0)) }
                return .string(spaces(before) + s + spaces(after))
            case "contains":
                // strings.Contains(s, substr), the argument order of podman's other string helpers.
                try want(2)
                let s = try string(0), part = try string(1)
                return .bool(part.isEmpty || s.contains(part))
            default:
                throw CallError(message: "function \"\(name)\" not defined")
            }
        }

        /// -1, 0 or 1. Numbers compare across int and float; other kinds must match.
        private static func compare(
            _ a: TemplateValue, _ b: TemplateValue, ordered: Bool, _ name: String
        ) throws(CallError) -> Int {
            func sign<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : x > y ? 1 : 0 }
            switch (a, b) {
            case let (.int(x), .int(y)): return sign(x, y)
            case let (.double(x), .double(y)): return sign(x, y)
            case let (.int(x), .double(y)): return sign(Double(x), y)
            case let (.double(x), .int(y)): return sign(x, Double(y))
            case let (.string(x), .string(y)):
                return x == y ? 0 : x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1
            case let (.bool(x), .bool(y)) where !ordered: return x == y ? 0 : 1
            case (.null, .null) where !ordered: return 0
            case (.null, _) where !ordered, (_, .null) where !ordered: return 1
            case (.array, _), (.object, _), (_, .array), (_, .object):
                throw CallError(message: "error calling \(name): non-comparable type")
            case (.bool, .bool), (.null, _), (_, .null):
                throw CallError(message: "error calling \(name): invalid type for comparison")
            default:
                throw CallError(message: "error calling \(name): incompatible types for comparison")
            }
        }

        /// strings.Title: a letter after anything but a letter, digit or _ goes upper case.
        private static func title(_ s: String) -> String {
            var out = ""
            var afterSeparator = true
            for scalar in s.unicodeScalars {
                if afterSeparator {
                    out += String(scalar).uppercased()
                } else {
                    out.unicodeScalars.append(scalar)
                }
                let p = scalar.properties
                afterSeparator = !(p.isAlphabetic || p.numericType != nil || scalar == "_")
            }
            return out
        }
    }
}

extension UInt8 {
    fileprivate var isTemplateSpace: Bool { self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0D }
    fileprivate var isDigitByte: Bool { self >= 0x30 && self <= 0x39 }
    /// Bytes of non-ASCII scalars count as letters: Go accepts Unicode identifiers.
    fileprivate var isIdentifierByte: Bool {
        isDigitByte || (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A) || self == 0x5F || self >= 0x80
    }
}
