/// The data a `--format` template sees. podman hands Go values to text/template;
/// these cases mirror the ones that matter, and the printing rules below are Go's,
/// so that output matches podman byte for byte.
package indirect enum TemplateValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case array([TemplateValue])
    /// A Go map: a key it lacks reads as `<no value>`, as text/template does.
    /// Keys keep their order for JSON; printing sorts them, as Go's fmt does.
    case map([(String, TemplateValue)])
    /// A Go struct, named by its Go type as podman's error messages name it
    /// (`images.imageReporter`): a field it lacks is an execution error.
    case structure(GoStructType, [(String, TemplateValue)])
    case null

    package static func == (lhs: TemplateValue, rhs: TemplateValue) -> Bool {
        func same(_ a: [(String, TemplateValue)], _ b: [(String, TemplateValue)]) -> Bool {
            a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        }
        switch (lhs, rhs) {
        case let (.string(a), .string(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.double(a), .double(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.map(a), .map(b)): return same(a, b)
        case let (.structure(x, a), .structure(y, b)): return x == y && same(a, b)
        case (.null, .null): return true
        default: return false
        }
    }

    /// The keys and values of a map or the fields of a struct, in their order.
    package var members: [(String, TemplateValue)]? {
        switch self {
        case .map(let members), .structure(_, let members): return members
        default: return nil
        }
    }

    /// The member named `field` of a map or struct (the first, should a key repeat).
    package subscript(field: String) -> TemplateValue? {
        members?.first { $0.0 == field }?.1
    }

    /// What `{{.}}` prints: like Go's fmt.Print, except that nothing prints as
    /// "<no value>", the way text/template shows a missing map key.
    package var text: String {
        self == .null ? "<no value>" : goPrint
    }

    /// Go's `%v`: maps print with sorted keys, structs their values in field order, nil as "<nil>".
    var goPrint: String {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return GoFloat.format(d, verb: "g", precision: -1)
        case .bool(let b): return b ? "true" : "false"
        case .array(let items): return "[" + items.map(\.goPrint).joined(separator: " ") + "]"
        case .map(let members):
            return "map[" + TemplateValue.sorted(members).map { "\($0.0):\($0.1.goPrint)" }
                .joined(separator: " ") + "]"
        case .structure(_, let fields): return "{" + fields.map(\.1.goPrint).joined(separator: " ") + "}"
        case .null: return "<nil>"
        }
    }

    /// Go's name for the dynamic type, used in error messages.
    var goTypeName: String {
        switch self {
        case .string: return "string"
        case .int: return "int"
        case .double: return "float64"
        case .bool: return "bool"
        case .array: return "[]interface {}"
        case .map: return "map[string]interface {}"
        case .structure(let type, _): return type.name
        case .null: return "<nil>"
        }
    }

    /// text/template's truth: empty and zero values are false; a struct is always true.
    var isTruthy: Bool {
        switch self {
        case .string(let s): return !s.isEmpty
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .bool(let b): return b
        case .array(let items): return !items.isEmpty
        case .map(let members): return !members.isEmpty
        case .structure: return true
        case .null: return false
        }
    }

    /// Go's fmt sorts map keys bytewise before printing.
    static func sorted(_ members: [(String, TemplateValue)]) -> [(String, TemplateValue)] {
        members.enumerated().sorted { a, b in
            a.element.0 == b.element.0
                ? a.offset < b.offset
                : a.element.0.utf8.lexicographicallyPrecedes(b.element.0.utf8)
        }.map(\.element)
    }
}

// Literals keep tests and table definitions readable; a dictionary literal is a map that keeps its key order.
extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    package init(stringLiteral value: String) { self = .string(value) }
    package init(integerLiteral value: Int64) { self = .int(value) }
    package init(floatLiteral value: Double) { self = .double(value) }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(arrayLiteral elements: TemplateValue...) { self = .array(elements) }
    package init(dictionaryLiteral elements: (String, TemplateValue)...) { self = .map(elements) }
}

/// A Go struct type as templates and encoding/json see it: its name, which error
/// messages quote, and the fields tagged `omitempty`, which JSON leaves out when they
/// hold their zero value while templates still read them (`{{.Config.Env}}` is `[]`).
package struct GoStructType: Sendable, Equatable, ExpressibleByStringLiteral {
    package let name: String
    package let omitEmpty: Set<String>

    package init(_ name: String, omitEmpty: Set<String> = []) {
        self.name = name
        self.omitEmpty = omitEmpty
    }

    package init(stringLiteral name: String) { self.init(name) }
}
