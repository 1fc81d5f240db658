// A string as Go's encoding/json writes it, shared by every JSON berth prints
// in podman's shape (templates, inspect, the events log).
package enum GoJSONString {
    /// Go's quoting: \" \\ \n \r \t \b \f short (Go 1.22 and later), other controls and
    /// U+2028/U+2029 as lowercase \u escapes; <, > and & escaped too unless `escapeHTML` is off
    /// (podman's `json` template function turns it off).
    package static func write(_ s: String, into out: inout String, escapeHTML: Bool = true) {
        func unicodeEscape(_ c: Unicode.Scalar) -> String {
            let hex = String(c.value, radix: 16)
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
            case "\u{8}": out += "\\b"
            case "\u{C}": out += "\\f"
            case "\u{0}"..."\u{1F}", "\u{2028}", "\u{2029}": out += unicodeEscape(scalar)
            case "<", ">", "&": out += escapeHTML ? unicodeEscape(scalar) : String(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// `write`'s result as a string of its own.
    package static func quoted(_ s: String, escapeHTML: Bool = true) -> String {
        var out = ""
        write(s, into: &out, escapeHTML: escapeHTML)
        return out
    }
}
