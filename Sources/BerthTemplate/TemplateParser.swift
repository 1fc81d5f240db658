// From template text to the syntax tree; actions are lexed on demand (TemplateLexer.swift).
extension GoTemplate {
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

        func text(_ from: Int, _ to: Int) -> String {
            String(decoding: src[from..<to], as: UTF8.self)
        }

        func has(_ s: StaticString, at offset: Int) -> Bool {
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

        func describe(_ t: Token) -> String {
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
            var fieldPos = t.pos
            while case .field(let name)? = cur.peek?.kind {
                guard chainable else {
                    throw Failure(message: "unexpected . after term \"\(text(t.pos, t.end))\"", offset: cur.peek!.pos)
                }
                if cur.peek!.pos != t.pos, fieldPos == t.pos { fieldPos = cur.peek!.pos }
                chain.append(name)
                cur.advance()
            }
            return Operand(kind: kind, chain: chain, text: text(t.pos, cur.lastEnd), pos: t.pos, fieldPos: fieldPos)
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

    }
}
