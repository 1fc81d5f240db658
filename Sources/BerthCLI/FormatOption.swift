// podman's `--format` for lists: `json`, `table [TEMPLATE]` or a Go template, prepared
// the way podman's report package prepares it.
package import BerthTemplate

/// podman's `--format` value: `json`, `table [TEMPLATE]`, or a Go template.
package enum FormatOption: Sendable {
    /// Aligned columns with a header; nil asks for the command's default columns.
    case table(GoTemplate?)
    case json
    /// One rendering per item, each ending in a newline.
    case template(GoTemplate)

    /// Prepares the template text as podman's report package does: `\t` and `\n`
    /// typed on the command line become tab and newline, a newline is appended
    /// unless the format ends with one (so each item prints on its own line), and
    /// in a table, spaces between actions separate columns. The template then runs
    /// once on the whole list, inside `{{range .}}…{{end -}}` unless it ranges over
    /// the list itself, as podman's does: its errors point at the same line and column.
    /// `name` is the command's (`images`, `ps`): Go's errors name the template.
    package static func parse(_ s: String, name: String) throws(TemplateError) -> FormatOption {
        let trimmed = s.trimmingSpaces
        if trimmed.isEmpty { return .table(nil) }  // podman treats --format "" as no --format
        if trimmed.lowercased() == "json" { return .json }
        if trimmed == "table" || (trimmed.hasPrefix("table") && trimmed.dropFirst(5).first!.isWhitespace) {
            let body = String(trimmed.dropFirst(5)).trimmingSpaces
            if body.isEmpty { return .table(nil) }
            let text = lineTerminated(columnsFromSpaces(GoTemplate.unescapeCLI(body)))
            return .table(try GoTemplate(rangeOpen + text + rangeClose, name: name))
        }
        return .template(try GoTemplate(enforcingRange(lineTerminated(GoTemplate.unescapeCLI(s))), name: name))
    }

    private static let rangeOpen = "{{range .}}"
    private static let rangeClose = "{{end -}}"

    /// podman's report.EnforceRange: a template that has its own `{{range .}}…{{end}}`
    /// is left alone, any other runs once per item.
    package static func enforcingRange(_ text: String) -> String {
        rangesOverList(text) ? text : rangeOpen + text + rangeClose
    }

    /// podman's `{{\s*range\s*\.\s*}}.*{{\s*end\s*-?\s*}}`, without a regex engine.
    static func rangesOverList(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        /// The index after `{{ WORDS }}` starting at `i`, where each word may be surrounded by spaces.
        func action(at i: Int, _ words: [String]) -> Int? {
            guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "{"), bytes[i + 1] == UInt8(ascii: "{") else { return nil }
            var j = i + 2
            func spaces() { while j < bytes.count, [0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C].contains(bytes[j]) { j += 1 } }
            for word in words {
                spaces()
                let w = Array(word.utf8)
                if word == "-?" {
                    if j < bytes.count, bytes[j] == UInt8(ascii: "-") { j += 1 }
                    continue
                }
                guard j + w.count <= bytes.count, Array(bytes[j..<j + w.count]) == w else { return nil }
                j += w.count
            }
            spaces()
            guard j + 1 < bytes.count, bytes[j] == UInt8(ascii: "}"), bytes[j + 1] == UInt8(ascii: "}") else { return nil }
            return j + 2
        }
        for start in bytes.indices {
            guard let after = action(at: start, ["range", "."]) else { continue }
            return (after..<bytes.count).contains { action(at: $0, ["end", "-?"]) != nil }
        }
        return false
    }

    static func lineTerminated(_ s: String) -> String {
        s.hasSuffix("\n") ? s : s + "\n"
    }

    /// podman turns every space of a table format into a tab; doing it only outside
    /// actions keeps string literals such as `{{join .Names ", "}}` intact.
    static func columnsFromSpaces(_ s: String) -> String {
        let chars = Array(s)
        var out = ""
        var inAction = false
        var i = 0
        while i < chars.count {
            let pair = i + 1 < chars.count ? String(chars[i...i + 1]) : ""
            if pair == (inAction ? "}}" : "{{") {
                inAction.toggle()
                out += pair
                i += 2
                continue
            }
            out.append(!inAction && chars[i] == " " ? "\t" : chars[i])
            i += 1
        }
        return out
    }
}

extension String {
    /// Without leading and trailing whitespace (FoundationEssentials has no trimming).
    fileprivate var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
