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
        case .string(let s): GoJSONString.write(s, into: &out, escapeHTML: escapeHTML)
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
                GoJSONString.write(key, into: &out, escapeHTML: escapeHTML)
                out += level == nil ? ":" : ": "
                value.writeJSON(into: &out, indent: level.map { $0 + 1 }, escapeHTML: escapeHTML, unit: unit)
            }
            newline(level ?? 0)
            out += "}"
        }
    }
}
