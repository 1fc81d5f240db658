/// The data a `--format` template sees. podman hands Go values to text/template;
/// these cases mirror the ones that matter, and the printing rules below are Go's,
/// so that output matches podman byte for byte.
package indirect enum TemplateValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case array([TemplateValue])
    /// Keys keep their order: they stand for a Go struct's fields, printed in declaration order.
    case object([(String, TemplateValue)])
    case null

    package static func == (lhs: TemplateValue, rhs: TemplateValue) -> Bool {
        switch (lhs, rhs) {
        case let (.string(a), .string(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.double(a), .double(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.null, .null): return true
        default: return false
        }
    }

    /// The member named `field` of an object (the first, should a key repeat).
    package subscript(field: String) -> TemplateValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == field }?.1
    }

    /// What `{{.}}` prints: like Go's fmt.Print, except that nothing prints as
    /// "<no value>", the way text/template shows a missing map key.
    package var text: String {
        self == .null ? "<no value>" : goPrint
    }

    /// Go's `%v`: maps print with sorted keys, nil as "<nil>".
    var goPrint: String {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return GoFloat.format(d, verb: "g", precision: -1)
        case .bool(let b): return b ? "true" : "false"
        case .array(let items): return "[" + items.map(\.goPrint).joined(separator: " ") + "]"
        case .object(let members):
            return "map[" + TemplateValue.sorted(members).map { "\($0.0):\($0.1.goPrint)" }
                .joined(separator: " ") + "]"
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
        case .object: return "map[string]interface {}"
        case .null: return "<nil>"
        }
    }

    /// text/template's truth: empty and zero values are false.
    var isTruthy: Bool {
        switch self {
        case .string(let s): return !s.isEmpty
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .bool(let b): return b
        case .array(let items): return !items.isEmpty
        case .object(let members): return !members.isEmpty
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

    // MARK: JSON

    /// encoding/json's output: `indent` gives json.MarshalIndent(v, "", "    ") as
    /// `podman inspect` prints; otherwise json.Marshal's compact form. Go escapes
    /// <, > and & unless told not to (podman's `json` template function does not).
    /// `indentUnit` is podman's per-level indent: four spaces for lists, five
    /// for `inspect` (which uses json.MarshalIndent(v, "", "     ")).
    package func jsonString(indent: Bool, escapeHTML: Bool = true, indentUnit: String = "    ") -> String {
        var out = ""
        writeJSON(into: &out, indent: indent ? 0 : nil, escapeHTML: escapeHTML, unit: indentUnit)
        return out
    }

    private func writeJSON(into out: inout String, indent level: Int?, escapeHTML: Bool, unit: String = "    ") {
        func newline(_ depth: Int) {
            guard level != nil else { return }
            out += "\n" + String(repeating: unit, count: depth)
        }
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += GoFloat.json(d)
        case .string(let s): TemplateValue.writeJSONString(s, into: &out, escapeHTML: escapeHTML)
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "["
            for (n, item) in items.enumerated() {
                if n > 0 { out += "," }
                newline((level ?? 0) + 1)
                item.writeJSON(into: &out, indent: level.map { $0 + 1 }, escapeHTML: escapeHTML, unit: unit)
            }
            newline(level ?? 0)
            out += "]"
        case .object(let members):
            guard !members.isEmpty else { out += "{}"; return }
            out += "{"
            for (n, (key, value)) in members.enumerated() {
                if n > 0 { out += "," }
                newline((level ?? 0) + 1)
                TemplateValue.writeJSONString(key, into: &out, escapeHTML: escapeHTML)
                out += level == nil ? ":" : ": "
                value.writeJSON(into: &out, indent: level.map { $0 + 1 }, escapeHTML: escapeHTML, unit: unit)
            }
            newline(level ?? 0)
            out += "}"
        }
    }

    private static func writeJSONString(_ s: String, into out: inout String, escapeHTML: Bool) {
        func unicodeEscape(_ c: Unicode.Scalar) -> String {
            let hex = String(c.value, radix: 16)  // Go writes lowercase hex
            return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        }
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{8}": out += "\\b"  // Go 1.22 and later
            case "\u{C}": out += "\\f"
            case "\u{0}"..."\u{1F}", "\u{2028}", "\u{2029}": out += unicodeEscape(scalar)
            case "<", ">", "&": out += escapeHTML ? unicodeEscape(scalar) : String(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

// Literals keep tests and table definitions readable; dictionary literals keep key order.
extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    package init(stringLiteral value: String) { self = .string(value) }
    package init(integerLiteral value: Int64) { self = .int(value) }
    package init(floatLiteral value: Double) { self = .double(value) }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(arrayLiteral elements: TemplateValue...) { self = .array(elements) }
    package init(dictionaryLiteral elements: (String, TemplateValue)...) { self = .object(elements) }
}

/// Go's fmt.Sprintf for the verbs templates use (%v %s %d %q %x %f %e %g %t %c ...),
/// with flags, width and precision, and fmt's in-band complaints ("%!d(string=x)").
enum GoFmt {
    struct Spec {
        var minus = false, plus = false, sharp = false, space = false, zero = false
        var width: Int?
        var precision: Int?
    }

    static func sprintf(_ template: String, _ args: [TemplateValue]) -> String {
        let f = Array(template.unicodeScalars)
        var out = ""
        var next = 0
        var i = 0
        func number() -> Int? {
            var n: Int?
            while i < f.count, let d = Character(f[i]).wholeNumberValue, f[i].isASCII {
                n = (n ?? 0) * 10 + d
                i += 1
            }
            return n
        }
        while i < f.count {
            guard f[i] == "%" else {
                out.unicodeScalars.append(f[i])
                i += 1
                continue
            }
            i += 1
            var spec = Spec()
            flags: while i < f.count {
                switch f[i] {
                case "-": spec.minus = true
                case "+": spec.plus = true
                case "#": spec.sharp = true
                case " ": spec.space = true
                case "0": spec.zero = true
                default: break flags
                }
                i += 1
            }
            spec.width = number()
            if i < f.count, f[i] == "." {
                i += 1
                spec.precision = number() ?? 0
            }
            guard i < f.count else {
                out += "%!(NOVERB)"
                break
            }
            let verb = Character(f[i])
            i += 1
            if verb == "%" {
                out += "%"
            } else if next < args.count {
                out += format(args[next], verb, spec)
                next += 1
            } else {
                out += "%!\(verb)(MISSING)"
            }
        }
        if next < args.count {
            out += "%!(EXTRA " + args[next...].map { $0 == .null ? "<nil>" : "\($0.goTypeName)=\($0.goPrint)" }
                .joined(separator: ", ") + ")"
        }
        return out
    }

    /// fmt.Sprint: a space between operands when neither is a string.
    static func sprint(_ args: [TemplateValue]) -> String {
        var out = ""
        for (n, arg) in args.enumerated() {
            if n > 0, !isString(arg), !isString(args[n - 1]) { out += " " }
            out += arg.goPrint
        }
        return out
    }

    private static func isString(_ v: TemplateValue) -> Bool {
        if case .string = v { return true }
        return false
    }

    static func format(_ value: TemplateValue, _ verb: Character, _ spec: Spec) -> String {
        let bad = "%!\(verb)(\(value == .null ? "<nil>" : "\(value.goTypeName)=\(value.goPrint)"))"
        switch value {
        case .null:
            return verb == "v" ? pad("<nil>", spec) : bad
        case .bool(let b):
            return verb == "v" || verb == "t" ? pad(b ? "true" : "false", spec) : bad
        case .string(let s):
            switch verb {
            case "s", "v": return pad(truncated(s, spec.precision), spec)
            case "q": return pad(quote(truncated(s, spec.precision)), spec)
            case "x", "X":
                let hex = s.utf8.map { String($0, radix: 16, uppercase: verb == "X") }
                return pad(hex.map { $0.count == 1 ? "0" + $0 : $0 }.joined(), spec)
            default: return bad
            }
        case .int(let n):
            switch verb {
            case "d", "v": return integer(n, radix: 10, spec)
            case "b": return integer(n, radix: 2, spec)
            case "o": return integer(n, radix: 8, spec)
            case "x", "X": return integer(n, radix: 16, spec, uppercase: verb == "X")
            case "c", "q":
                let scalar = Unicode.Scalar(UInt32(clamping: n)) ?? "\u{FFFD}"
                return pad(verb == "c" ? String(Character(scalar)) : "'\(escaped(scalar, quote: "'"))'", spec)
            default: return bad
            }
        case .double(let d):
            switch verb {
            case "v", "g", "G", "e", "E", "f", "F":
                let lower = Character(verb.lowercased())
                let base: Character = lower == "v" ? "g" : lower
                let precision = spec.precision ?? (base == "g" ? -1 : 6)
                var text = GoFloat.format(d, verb: base, precision: precision)
                if verb == "E" || verb == "G" { text = text.uppercased() }
                if d.isNaN || d.isInfinite {
                    var plain = spec
                    plain.zero = false
                    return pad(text, plain)
                }
                return signed(text, spec)
            default: return bad
            }
        case .array(let items):
            return "[" + items.map { format($0, verb, spec) }.joined(separator: " ") + "]"
        case .object(let members):
            return "map[" + TemplateValue.sorted(members).map {
                format(.string($0.0), verb, spec) + ":" + format($0.1, verb, spec)
            }.joined(separator: " ") + "]"
        }
    }

    private static func integer(_ n: Int64, radix: Int, _ spec: Spec, uppercase: Bool = false) -> String {
        var digits = String(n.magnitude, radix: radix, uppercase: uppercase)
        if let p = spec.precision {
            if p == 0 && n == 0 { digits = "" }
            if digits.count < p { digits = String(repeating: "0", count: p - digits.count) + digits }
        }
        if spec.sharp {
            switch radix {
            case 16: digits = (uppercase ? "0X" : "0x") + digits
            case 8 where !digits.hasPrefix("0"): digits = "0" + digits
            case 2: digits = "0b" + digits
            default: break
            }
        }
        var plain = spec
        if spec.precision != nil { plain.zero = false }  // Go ignores 0 when precision is set
        return signed((n < 0 ? "-" : "") + digits, plain)
    }

    /// Adds + or space for non-negative numbers and zero-pads after the sign.
    private static func signed(_ text: String, _ spec: Spec) -> String {
        var body = Substring(text)
        var sign = ""
        if body.hasPrefix("-") || body.hasPrefix("+") {
            sign = String(body.removeFirst())
        } else if spec.plus {
            sign = "+"
        } else if spec.space {
            sign = " "
        }
        if spec.zero, !spec.minus, let width = spec.width, body.count + sign.count < width {
            return sign + String(repeating: "0", count: width - body.count - sign.count) + body
        }
        return pad(sign + body, spec)
    }

    private static func pad(_ text: String, _ spec: Spec) -> String {
        let count = text.unicodeScalars.count
        guard let width = spec.width, count < width else { return text }
        let fill = String(repeating: spec.zero && !spec.minus ? "0" : " ", count: width - count)
        return spec.minus ? text + fill : fill + text
    }

    private static func truncated(_ s: String, _ precision: Int?) -> String {
        guard let p = precision, s.unicodeScalars.count > p else { return s }
        var out = ""
        out.unicodeScalars.append(contentsOf: s.unicodeScalars.prefix(p))
        return out
    }

    /// strconv.Quote, for printable text and the usual control characters.
    static func quote(_ s: String) -> String {
        "\"" + s.unicodeScalars.map { escaped($0, quote: "\"") }.joined() + "\""
    }

    private static func escaped(_ c: Unicode.Scalar, quote: Unicode.Scalar) -> String {
        switch c {
        case quote, "\\": return "\\" + String(c)
        case "\u{7}": return "\\a"
        case "\u{8}": return "\\b"
        case "\u{C}": return "\\f"
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        case "\u{B}": return "\\v"
        case "\u{0}"..."\u{1F}", "\u{7F}":
            let hex = String(c.value, radix: 16)
            return "\\x" + (hex.count == 1 ? "0" + hex : hex)
        default: return String(c)
        }
    }
}
