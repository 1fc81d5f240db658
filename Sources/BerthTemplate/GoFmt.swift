// Go's fmt package, as far as printf and printing values in templates need it.
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
        case .map(let members):
            return "map[" + TemplateValue.sorted(members).map {
                format(.string($0.0), verb, spec) + ":" + format($0.1, verb, spec)
            }.joined(separator: " ") + "]"
        case .structure(_, let fields):
            return "{" + fields.map { format($0.1, verb, spec) }.joined(separator: " ") + "}"
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
