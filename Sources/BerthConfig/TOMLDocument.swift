// A parsed TOML document: tables that remember their keys' order and lines, so that
// config readers (registries.conf, containers.conf) can name the line of a bad value.

/// A syntax error, with the 1-based line it was found on. The one error type of BerthConfig.
package struct TOMLError: Error, Equatable {
    package let line: Int
    package let reason: String
}

/// A table: its keys in file order, each with the line that set it. A class because
/// `[a.b]` headers reopen tables created earlier in the file.
package final class TOMLTable {
    /// The line of the header (or key) that created the table, for messages.
    package let line: Int
    package private(set) var keys: [String] = []
    private var entries: [String: TOMLEntry] = [:]
    /// Set by a `[header]` or an inline table; implicit tables (`a` in `[a.b]`) may
    /// still get their own header later, defined ones may not.
    var isDefined: Bool

    init(line: Int, isDefined: Bool) {
        self.line = line
        self.isDefined = isDefined
    }

    package subscript(key: String) -> TOMLEntry? { entries[key] }

    func set(_ key: String, _ value: TOMLValue, line: Int) {
        if entries[key] == nil { keys.append(key) }
        entries[key] = TOMLEntry(value: value, line: line)
    }
}

package struct TOMLEntry {
    package var value: TOMLValue
    /// The line of the key (for a table, of its header).
    package let line: Int
}

package enum TOMLValue {
    case string(String)
    case bool(Bool)
    case integer(Int64)
    case array([TOMLValue])
    case table(TOMLTable)
    /// `[[name]]` tables, kept apart from `name = [...]`: TOML forbids mixing them.
    case tableArray([TOMLTable])

    package var kind: String {
        switch self {
        case .string: return "a string"
        case .bool: return "a boolean"
        case .integer: return "an integer"
        case .array: return "an array"
        case .table: return "a table"
        case .tableArray: return "an array of tables"
        }
    }
}
