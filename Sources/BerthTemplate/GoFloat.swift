// Go's float formatting, digit for digit: podman's sizes and template output depend on it.
/// Go's strconv.FormatFloat for the 'e', 'f' and 'g' formats. Shortest digits come
/// from Swift's description (also shortest round-trip); fixed precision rounds the
/// exact binary value half-to-even, as Go does, so 1.235 (really 1.23499...) → "1.23".
package enum GoFloat {
    /// value = 0.d₀d₁d₂… × 10^point, digits 0...9, no trailing zeros; zero has none.
    struct Digits {
        var digits: [UInt8]
        var point: Int
    }

    /// `precision` < 0 means the shortest digits that read back as `value`.
    package static func format(_ value: Double, verb: Character, precision: Int) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        let negative = value.sign == .minus
        let shortest = precision < 0
        var prec = precision
        var digs: Digits
        if shortest {
            digs = shortestDigits(abs(value))
            switch verb {
            case "e": prec = digs.digits.count - 1
            case "f": prec = max(digs.digits.count - digs.point, 0)
            default: prec = digs.digits.count
            }
        } else {
            digs = exactDigits(abs(value))
            switch verb {
            case "e": round(&digs, to: prec + 1)
            case "f": round(&digs, to: digs.point + prec)
            default:
                if prec == 0 { prec = 1 }
                round(&digs, to: prec)
            }
        }
        let sign = negative ? "-" : ""
        switch verb {
        case "e": return sign + fixedE(digs, prec)
        case "f": return sign + fixedF(digs, prec)
        default:
            var eprec = prec
            if eprec > digs.digits.count && digs.digits.count >= digs.point { eprec = digs.digits.count }
            if shortest { eprec = 6 }
            let exp = digs.point - 1
            if exp < -4 || exp >= eprec {
                return sign + fixedE(digs, min(prec, digs.digits.count) - 1)
            }
            if prec > digs.point { prec = digs.digits.count }
            return sign + fixedF(digs, max(prec - digs.point, 0))
        }
    }

    /// encoding/json's float rule: plain decimals, exponents only outside [1e-6, 1e21).
    static func json(_ value: Double) -> String {
        guard value.isFinite else { return "null" }  // Go refuses; null keeps the output valid
        let magnitude = abs(value)
        guard magnitude != 0, magnitude < 1e-6 || magnitude >= 1e21 else {
            return format(value, verb: "f", precision: -1)
        }
        var text = format(value, verb: "e", precision: -1)
        if let e = text.lastIndex(of: "e"), text[text.index(after: e)...].hasPrefix("-0") {
            text.remove(at: text.index(e, offsetBy: 2))  // "e-07" → "e-7", as Go does
        }
        return text
    }

    private static func fixedE(_ d: Digits, _ prec: Int) -> String {
        var out = d.digits.isEmpty ? "0" : String(d.digits[0])
        if prec > 0 {
            out += "."
            for i in 1...prec { out += i < d.digits.count ? String(d.digits[i]) : "0" }
        }
        let exp = d.digits.isEmpty ? 0 : d.point - 1
        out += exp < 0 ? "e-" : "e+"
        out += abs(exp) < 10 ? "0\(abs(exp))" : "\(abs(exp))"
        return out
    }

    private static func fixedF(_ d: Digits, _ prec: Int) -> String {
        var out = ""
        if d.point > 0 {
            for i in 0..<d.point { out += i < d.digits.count ? String(d.digits[i]) : "0" }
        } else {
            out = "0"
        }
        if prec > 0 {
            out += "."
            for i in 1...prec {
                let j = d.point + i - 1
                out += j >= 0 && j < d.digits.count ? String(d.digits[j]) : "0"
            }
        }
        return out
    }

    /// Keeps `count` significant digits; an exact tie rounds to even.
    static func round(_ d: inout Digits, to count: Int) {
        guard count >= 0, count < d.digits.count else { return }
        let tie = d.digits[count] == 5 && count + 1 == d.digits.count
        let up = tie ? count > 0 && d.digits[count - 1] % 2 == 1 : d.digits[count] >= 5
        d.digits.removeSubrange(count...)
        if up {
            var i = count - 1
            while i >= 0, d.digits[i] == 9 { i -= 1 }
            if i < 0 {
                d.digits = [1]
                d.point += 1
            } else {
                d.digits[i] += 1
                d.digits.removeSubrange((i + 1)...)
            }
        }
        while d.digits.last == 0 { d.digits.removeLast() }
        if d.digits.isEmpty { d.point = 0 }
    }

    /// Every decimal digit of a non-negative finite double: mantissa × 2^e, worked
    /// out as mantissa × 5^-e / 10^-e for negative e.
    static func exactDigits(_ value: Double) -> Digits {
        let exponent = Int(value.exponentBitPattern)
        var mantissa = value.significandBitPattern
        var shift = -1074
        if exponent != 0 {
            mantissa |= 1 << 52
            shift = exponent - 1075
        }
        if mantissa == 0 { return Digits(digits: [], point: 0) }
        var little: [UInt8] = []  // least significant first
        while mantissa > 0 {
            little.append(UInt8(mantissa % 10))
            mantissa /= 10
        }
        let factor = shift >= 0 ? 2 : 5
        for _ in 0..<abs(shift) {
            var carry = 0
            for i in little.indices {
                let x = Int(little[i]) * factor + carry
                little[i] = UInt8(x % 10)
                carry = x / 10
            }
            while carry > 0 {
                little.append(UInt8(carry % 10))
                carry /= 10
            }
        }
        var digits = Array(little.reversed())
        let point = digits.count - max(0, -shift)
        while digits.last == 0 { digits.removeLast() }
        return Digits(digits: digits, point: point)
    }

    /// Reads the digits out of Swift's description ("1.5", "1e-05", "1.2345e+20").
    static func shortestDigits(_ value: Double) -> Digits {
        let text = value.description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var digits: [UInt8] = []
        var integerCount = 0
        var seenPoint = false
        for c in mantissa {
            if c == "." {
                seenPoint = true
            } else if let v = c.wholeNumberValue {
                digits.append(UInt8(v))
                if !seenPoint { integerCount += 1 }
            }
        }
        var point = integerCount + exponent
        while digits.first == 0 {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == 0 { digits.removeLast() }
        return digits.isEmpty ? Digits(digits: [], point: 0) : Digits(digits: digits, point: point)
    }
}
