// Go's filepath.Match, which COPY and ADD sources and `--exclude` use (one path
// component per pattern component: `*` and `?` never match `/`), plus the `**`
// component of BuildKit's exclude patterns. Pure string logic.

enum CopyGlob {
    /// Whether `text` holds a wildcard Go's matcher interprets.
    static func hasWildcard(_ text: String) -> Bool {
        text.contains { $0 == "*" || $0 == "?" || $0 == "[" || $0 == "\\" }
    }

    /// filepath.Match for one component; a malformed pattern matches nothing,
    /// as Go's ErrBadPattern stops the match.
    static func matches(_ pattern: String, _ name: String) -> Bool {
        matches(Array(pattern.unicodeScalars), 0, Array(name.unicodeScalars), 0) == true
    }

    /// nil: malformed pattern.
    private static func matches(_ p: [Unicode.Scalar], _ pi: Int, _ s: [Unicode.Scalar], _ si: Int) -> Bool? {
        var pi = pi
        var si = si
        while pi < p.count {
            switch p[pi] {
            case "*":
                // Collapse runs of stars, then try every split point.
                while pi < p.count && p[pi] == "*" { pi += 1 }
                if pi == p.count { return !s[si...].contains("/") }
                var k = si
                while k <= s.count {
                    switch matches(p, pi, s, k) {
                    case true?: return true
                    case nil: return nil
                    default: break
                    }
                    if k < s.count && s[k] == "/" { break }
                    k += 1
                }
                return false
            case "?":
                guard si < s.count, s[si] != "/" else { return false }
                pi += 1
                si += 1
            case "[":
                guard let (matched, next) = matchClass(p, pi + 1, si < s.count ? s[si] : nil) else { return nil }
                guard si < s.count, s[si] != "/", matched else { return false }
                pi = next
                si += 1
            case "\\":
                pi += 1
                guard pi < p.count else { return nil }
                guard si < s.count, s[si] == p[pi] else { return false }
                pi += 1
                si += 1
            default:
                guard si < s.count, s[si] == p[pi] else { return false }
                pi += 1
                si += 1
            }
        }
        return si == s.count
    }

    /// A `[...]` class starting after the bracket: whether `c` is in it, and the
    /// index after the closing bracket; nil when malformed.
    private static func matchClass(_ p: [Unicode.Scalar], _ start: Int, _ c: Unicode.Scalar?) -> (Bool, Int)? {
        var i = start
        var negated = false
        if i < p.count && p[i] == "^" { negated = true; i += 1 }
        var matched = false
        var first = true
        while true {
            guard i < p.count else { return nil }
            if p[i] == "]" && !first { i += 1; break }
            first = false
            guard let (low, afterLow) = classChar(p, i) else { return nil }
            var high = low
            i = afterLow
            if i + 1 < p.count && p[i] == "-" && p[i + 1] != "]" {
                guard let (h, afterHigh) = classChar(p, i + 1) else { return nil }
                high = h
                i = afterHigh
            }
            if let c, low.value <= c.value && c.value <= high.value { matched = true }
        }
        return (matched != negated, i)
    }

    private static func classChar(_ p: [Unicode.Scalar], _ i: Int) -> (Unicode.Scalar, Int)? {
        guard i < p.count else { return nil }
        if p[i] == "\\" {
            guard i + 1 < p.count else { return nil }
            return (p[i + 1], i + 2)
        }
        if p[i] == "-" || p[i] == "]" { return nil }
        return (p[i], i + 1)
    }

    /// An `--exclude` pattern against a relative path: component by component,
    /// `**` matching any number of components; a pattern matching a directory
    /// excludes everything below it (dockerignore's rule).
    static func excludes(_ pattern: String, _ path: String) -> Bool {
        let patternParts = pattern.split(separator: "/").map(String.init).filter { $0 != "." }
        let pathParts = path.split(separator: "/").map(String.init)
        return matchPrefix(patternParts[...], pathParts[...])
    }

    private static func matchPrefix(_ pattern: ArraySlice<String>, _ path: ArraySlice<String>) -> Bool {
        guard let head = pattern.first else { return true } // the pattern matched a parent
        if head == "**" {
            let rest = pattern.dropFirst()
            var remaining = path
            while true {
                if matchPrefix(rest, remaining) { return true }
                guard !remaining.isEmpty else { return false }
                remaining = remaining.dropFirst()
            }
        }
        guard let name = path.first, matches(head, name) else { return false }
        return matchPrefix(pattern.dropFirst(), path.dropFirst())
    }
}
