// The part of TOML 1.0 that containers-registries.conf(5) and containers.conf(5) files
// use: tables, arrays of tables, dotted and quoted keys, single-line strings, booleans,
// integers, arrays and inline tables. Anything else (floats, dates, multi-line strings)
// is refused with its line number rather than guessed at.

package struct TOMLParser {
    private let bytes: [UInt8]
    private var position = 0
    private var line = 1

    private init(_ text: String) { bytes = Array(text.utf8) }

    /// Parses a whole document into its root table.
    package static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = TOMLParser(text)
        return try parser.document()
    }

    // MARK: Lines

    private mutating func document() throws(TOMLError) -> TOMLTable {
        let root = TOMLTable(line: 1, isDefined: true)
        var current = root
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        while true {
            skipSpaces()
            guard let byte = peek() else { return root }
            switch byte {
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "#"):
                try endOfLine(after: "")
                continue
            case UInt8(ascii: "["):
                current = try header(root: root)
                try endOfLine(after: "the table header")
            default:
                try keyValue(into: current)
                try endOfLine(after: "the value")
            }
        }
    }

    /// `[a.b]` or `[[a.b]]`: returns the table that following keys go into.
    private mutating func header(root: TOMLTable) throws(TOMLError) -> TOMLTable {
        let headerLine = line
        position += 1
        let isArray = peek() == UInt8(ascii: "[")
        if isArray { position += 1 }
        skipSpaces()
        let path = try key()
        skipSpaces()
        let closing: [UInt8] = isArray ? Array("]]".utf8) : Array("]".utf8)
        guard bytes[position...].starts(with: closing) else {
            throw fail("expected '\(isArray ? "]]" : "]")' to close the table header")
        }
        position += closing.count
        let name = path.joined(separator: ".")
        var table = root
        for component in path.dropLast() { table = try descend(into: table, component, line: headerLine) }
        let last = path[path.count - 1]
        let fresh = TOMLTable(line: headerLine, isDefined: true)
        switch table[last]?.value {
        case nil:
            table.set(last, isArray ? .tableArray([fresh]) : .table(fresh), line: headerLine)
            return fresh
        case .tableArray(let list) where isArray:
            table.set(last, .tableArray(list + [fresh]), line: table[last]!.line)
            return fresh
        case .table(let existing) where !isArray && !existing.isDefined:
            existing.isDefined = true
            return existing
        case .table where !isArray:
            throw fail("table [\(name)] is defined twice", line: headerLine)
        case let other?:
            throw fail("\"\(name)\" is already \(other.kind) (line \(table[last]!.line))", line: headerLine)
        }
    }

    /// Steps into the table `key` of `table` for a header or dotted key, creating it
    /// when missing; for an array of tables, into its last element (as TOML says).
    private func descend(into table: TOMLTable, _ key: String, line: Int) throws(TOMLError) -> TOMLTable {
        switch table[key]?.value {
        case nil:
            let created = TOMLTable(line: line, isDefined: false)
            table.set(key, .table(created), line: line)
            return created
        case .table(let existing):
            return existing
        case .tableArray(let list):
            return list[list.count - 1]
        case let other?:
            throw fail("\"\(key)\" is already \(other.kind) (line \(table[key]!.line)), not a table", line: line)
        }
    }

    private mutating func keyValue(into table: TOMLTable) throws(TOMLError) {
        let keyLine = line
        let path = try key()
        skipSpaces()
        guard peek() == UInt8(ascii: "=") else { throw fail("expected '=' after key") }
        position += 1
        skipSpaces()
        let value = try self.value()
        try assign(value, to: path, in: table, line: keyLine)
    }

    private func assign(_ value: TOMLValue, to path: [String], in table: TOMLTable, line: Int) throws(TOMLError) {
        var target = table
        for component in path.dropLast() { target = try descend(into: target, component, line: line) }
        let last = path[path.count - 1]
        if let existing = target[last] {
            throw fail("duplicate key \"\(path.joined(separator: "."))\" (first set on line \(existing.line))", line: line)
        }
        target.set(last, value, line: line)
    }

    /// After a header or value: spaces, an optional comment, then a newline or the end.
    private mutating func endOfLine(after what: String) throws(TOMLError) {
        skipSpaces()
        if peek() == UInt8(ascii: "#") {
            while let byte = peek(), byte != UInt8(ascii: "\n") { position += 1 }
        }
        guard let byte = peek() else { return }
        if byte == UInt8(ascii: "\r"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "\n") { position += 1 }
        guard bytes[position] == UInt8(ascii: "\n") else {
            throw fail("unexpected \(describe(byte)) after \(what); expected the end of the line")
        }
        position += 1
        line += 1
    }

    // MARK: Keys

    /// A dotted key: `a`, `a.b`, `"quoted key".b`, with spaces allowed around dots.
    private mutating func key() throws(TOMLError) -> [String] {
        var path: [String] = []
        while true {
            path.append(try simpleKey())
            skipSpaces()
            guard peek() == UInt8(ascii: ".") else { return path }
            position += 1
            skipSpaces()
        }
    }

    private mutating func simpleKey() throws(TOMLError) -> String {
        switch peek() {
        case UInt8(ascii: "\""): return try basicString()
        case UInt8(ascii: "'"): return try literalString()
        default:
            let start = position
            while let byte = peek(), Self.isBareKeyByte(byte) { position += 1 }
            guard position > start else {
                throw fail(peek().map { "expected a key, found \(describe($0))" } ?? "expected a key")
            }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
    }

    private static func isBareKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    // MARK: Values

    private mutating func value() throws(TOMLError) -> TOMLValue {
        guard let byte = peek(), byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r"), byte != UInt8(ascii: "#") else {
            throw fail("expected a value after '='")
        }
        switch byte {
        case UInt8(ascii: "\""): return .string(try basicString())
        case UInt8(ascii: "'"): return .string(try literalString())
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "{"): return try inlineTable()
        default:
            let start = position
            while let next = peek(), Self.isBareKeyByte(next) || next == UInt8(ascii: "+") || next == UInt8(ascii: ".") || next == UInt8(ascii: ":") {
                position += 1
            }
            let word = String(decoding: bytes[start..<position], as: UTF8.self)
            if word == "true" { return .bool(true) }
            if word == "false" { return .bool(false) }
            if let number = Self.integer(word) { return .integer(number) }
            if word.isEmpty { throw fail("unexpected \(describe(byte)); expected a value") }
            if word.first!.isLetter { throw fail("unexpected \"\(word)\"; strings must be quoted") }
            throw fail("unsupported value \"\(word)\": only strings, booleans, integers, arrays and tables are understood")
        }
    }

    /// A decimal integer with an optional sign and `_` between digits.
    private static func integer(_ word: String) -> Int64? {
        var digits = Substring(word)
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard let first = digits.first, let last = digits.last, first.isASCII, first.isNumber, last.isNumber, !digits.contains("__") else { return nil }
        if digits.count > 1 && first == "0" { return nil }
        return Int64((negative ? "-" : "") + digits.filter { $0 != "_" })
    }

    private mutating func array() throws(TOMLError) -> TOMLValue {
        var elements: [TOMLValue] = []
        try list("array", closing: "]") { (parser: inout TOMLParser) throws(TOMLError) in
            elements.append(try parser.value())
        }
        return .array(elements)
    }

    private mutating func inlineTable() throws(TOMLError) -> TOMLValue {
        let table = TOMLTable(line: line, isDefined: true)
        try list("inline table", closing: "}") { (parser: inout TOMLParser) throws(TOMLError) in
            let keyLine = parser.line
            let path = try parser.key()
            parser.skipSpaces()
            guard parser.peek() == UInt8(ascii: "=") else { throw parser.fail("expected '=' after key") }
            parser.position += 1
            parser.skipSpaces()
            try parser.assign(try parser.value(), to: path, in: table, line: keyLine)
        }
        return .table(table)
    }

    /// The shape arrays and inline tables share: from the opening bracket, elements
    /// separated by commas (a trailing one allowed), blank lines and comments between
    /// them, up to `closing`.
    private mutating func list(
        _ what: String, closing: Unicode.Scalar, element: (inout TOMLParser) throws(TOMLError) -> Void
    ) throws(TOMLError) {
        let openLine = line
        let close = UInt8(ascii: closing)
        let unclosed = "the \(what) opened on line \(openLine) is never closed"
        position += 1
        while true {
            skipBlank()
            guard let byte = peek() else { throw fail(unclosed) }
            if byte == close { break }
            try element(&self)
            skipBlank()
            if peek() == UInt8(ascii: ",") {
                position += 1
                continue
            }
            if peek() == close { break }
            guard let next = peek() else { throw fail(unclosed) }
            throw fail("expected ',' or '\(closing)' in the \(what), found \(describe(next))")
        }
        position += 1
    }

    // MARK: Strings

    /// A "basic string" with TOML's escapes; multi-line strings are not supported.
    private mutating func basicString() throws(TOMLError) -> String {
        if bytes[position...].starts(with: Array("\"\"\"".utf8)) { throw fail("multi-line strings (\"\"\") are not supported") }
        position += 1
        var out: [UInt8] = []
        while true {
            guard let byte = peek(), byte != UInt8(ascii: "\n") else { throw fail("unterminated string: missing closing '\"'") }
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escape = peek() else { throw fail("unterminated string: missing closing '\"'") }
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "e"): out.append(0x1B)
                case UInt8(ascii: "u"): out.append(contentsOf: try unicodeEscape(digits: 4))
                case UInt8(ascii: "U"): out.append(contentsOf: try unicodeEscape(digits: 8))
                default: throw fail("invalid escape '\\\(describeBare(escape))' in string")
                }
            default:
                out.append(byte)
            }
        }
    }

    private mutating func unicodeEscape(digits: Int) throws(TOMLError) -> [UInt8] {
        guard position + digits <= bytes.count,
            let code = UInt32(String(decoding: bytes[position..<position + digits], as: UTF8.self), radix: 16),
            let scalar = Unicode.Scalar(code)
        else { throw fail("invalid \\\(digits == 4 ? "u" : "U") escape in string: expected \(digits) hex digits of a Unicode scalar") }
        position += digits
        return Array(String(Character(scalar)).utf8)
    }

    /// A 'literal string': no escapes.
    private mutating func literalString() throws(TOMLError) -> String {
        if bytes[position...].starts(with: Array("'''".utf8)) { throw fail("multi-line strings (''') are not supported") }
        position += 1
        let start = position
        while let byte = peek(), byte != UInt8(ascii: "'") {
            if byte == UInt8(ascii: "\n") { break }
            position += 1
        }
        guard peek() == UInt8(ascii: "'") else { throw fail("unterminated string: missing closing \"'\"") }
        position += 1
        return String(decoding: bytes[start..<position - 1], as: UTF8.self)
    }

    // MARK: Scanning

    private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipSpaces() {
        while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { position += 1 }
    }

    /// Spaces, newlines and comments: what may separate array elements.
    private mutating func skipBlank() {
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                position += 1
            case UInt8(ascii: "\n"):
                position += 1
                line += 1
            case UInt8(ascii: "#"):
                while let next = peek(), next != UInt8(ascii: "\n") { position += 1 }
            default:
                return
            }
        }
    }

    private func fail(_ reason: String, line: Int? = nil) -> TOMLError {
        TOMLError(line: line ?? self.line, reason: reason)
    }

    private func describe(_ byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "\n"), UInt8(ascii: "\r"): return "end of line"
        default: return "'\(describeBare(byte))'"
        }
    }

    private func describeBare(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
    }
}
