// encoding/json's output for template values: `--format json`, `inspect` and the `json` function.
extension TemplateValue {

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
        case .map(let members), .structure(_, let members):
            // encoding/json writes a map's keys sorted, a struct's fields in declaration
            // order without the empty `omitempty` ones (a struct value is never empty).
            let ordered: [(String, TemplateValue)]
            switch self {
            case .structure(let type, _): ordered = members.filter { !type.omitEmpty.contains($0.0) || $0.1.isTruthy }
            default: ordered = TemplateValue.sorted(members)
            }
            guard !ordered.isEmpty else { out += "{}"; return }
            out += "{"
            for (n, (key, value)) in ordered.enumerated() {
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
