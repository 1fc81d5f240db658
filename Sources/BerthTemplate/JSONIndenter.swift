// Re-indents a JSON document as Go's json.Indent does (what podman prints for
// `manifest inspect`), without parsing it into values: the bytes of every string
// and number stay exactly as the registry sent them.
package enum JSONIndenter {
    package static func indent(_ bytes: [UInt8], unit: String = "    ") -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        let indentUnit = Array(unit.utf8)
        var depth = 0
        var inString = false
        var escaped = false
        var index = 0
        func newline() {
            out.append(UInt8(ascii: "\n"))
            for _ in 0..<depth { out += indentUnit }
        }
        func nextSignificant(after position: Int) -> UInt8? {
            var i = position + 1
            while i < bytes.count, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[i]) { i += 1 }
            return i < bytes.count ? bytes[i] : nil
        }
        while index < bytes.count {
            let byte = bytes[index]
            defer { index += 1 }
            if inString {
                out.append(byte)
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case 0x20, 0x09, 0x0a, 0x0d:
                continue
            case UInt8(ascii: "\""):
                inString = true
                out.append(byte)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                out.append(byte)
                let closing = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if nextSignificant(after: index) == closing {
                    // Empty: "{}" or "[]" on one line, as Go writes them.
                    while bytes[index] != closing { index += 1 }
                    out.append(closing)
                } else {
                    depth += 1
                    newline()
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth = max(0, depth - 1)
                newline()
                out.append(byte)
            case UInt8(ascii: ","):
                out.append(byte)
                newline()
            case UInt8(ascii: ":"):
                out += Array(": ".utf8)
            default:
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
