// Shell-style patterns, shared by `${VAR#pattern}`-family substitutions and the
// .dockerignore rules: `*`, `?`, `[a-z]`/`[!a-z]`/`[^a-z]`, escaped or quoted
// characters literal, and (ignore files only) `**` spanning directories.
// Matched over Unicode scalars (Go matches runes) by backtracking memoized in one
// flat table, so no pattern can take exponential time.

struct GlobPattern: Sendable, Equatable {
    enum Token: Sendable, Equatable {
        case literal(Unicode.Scalar)
        /// `?`: one character (never `/` when `crossesSlash` is false).
        case one(crossesSlash: Bool)
        /// `*`: any run of characters (never `/` when `crossesSlash` is false).
        case star(crossesSlash: Bool)
        /// `**/` in an ignore file: zero or more whole directories, `(.*/)?`.
        case directories
        /// A trailing `**`: anything at all.
        case anything
        case set(negated: Bool, items: [ClosedRange<Unicode.Scalar>])
    }

    var tokens: [Token]

    init(tokens: [Token]) { self.tokens = tokens }

    /// A pattern from characters marked literal (quoted or escaped) or not, as BuildKit reads
    /// `${V#pattern}`: `*` and `?` match `/` too, an unquoted `\` (also one that came from a
    /// variable's value) makes the next character literal, and brackets are ordinary characters.
    init(shellUnits units: [(character: Unicode.Scalar, literal: Bool)]) {
        var tokens: [Token] = []
        var index = 0
        while index < units.count {
            let unit = units[index]
            index += 1
            if unit.literal {
                tokens.append(.literal(unit.character))
                continue
            }
            switch unit.character {
            case "*": tokens.append(.star(crossesSlash: true))
            case "?": tokens.append(.one(crossesSlash: true))
            case "\\" where index < units.count:
                tokens.append(.literal(units[index].character))
                index += 1
            default: tokens.append(.literal(unit.character))
            }
        }
        self.tokens = tokens
    }

    /// A bracket expression starting just after `[`; nil when it never closes.
    static func parseSet(_ units: [(character: Unicode.Scalar, literal: Bool)], from start: Int) -> (Token, Int)? {
        var index = start
        var negated = false
        if index < units.count, !units[index].literal, units[index].character == "!" || units[index].character == "^" {
            negated = true
            index += 1
        }
        var items: [ClosedRange<Unicode.Scalar>] = []
        var first = true
        while index < units.count {
            let unit = units[index]
            if unit.character == "]", !unit.literal, !first {
                return (.set(negated: negated, items: items), index + 1)
            }
            first = false
            let low = unit.character
            index += 1
            if index + 1 < units.count, units[index].character == "-", !units[index].literal,
               units[index + 1].character != "]" || units[index + 1].literal {
                let high = units[index + 1].character
                index += 2
                guard low <= high else { return nil }
                items.append(low...high)
            } else {
                items.append(low...low)
            }
        }
        return nil
    }

    /// A pattern of literal characters only: matching is comparing.
    var literalText: [Unicode.Scalar]? {
        var scalars: [Unicode.Scalar] = []
        for token in tokens {
            guard case .literal(let scalar) = token else { return nil }
            scalars.append(scalar)
        }
        return scalars
    }

    /// Whether the whole of `text` matches.
    func matches(_ text: ArraySlice<Unicode.Scalar>) -> Bool {
        // Most paths fail on a literal first or last character: no table needed for them.
        if case .literal(let first)? = tokens.first, text.first != first { return false }
        if case .literal(let last)? = tokens.last, text.last != last { return false }
        var matcher = Matcher(tokens: tokens, text: text, partial: false)
        return matcher.match(0, text.startIndex)
    }

    /// Whether some text that starts with all of `text` could match (the pattern may go on).
    func mayMatchBeyond(_ text: ArraySlice<Unicode.Scalar>) -> Bool {
        var matcher = Matcher(tokens: tokens, text: text, partial: true)
        return matcher.match(0, text.startIndex)
    }

    private struct Matcher {
        let tokens: [Token]
        let text: ArraySlice<Unicode.Scalar>
        let partial: Bool
        let end: Int
        /// Per (token, position): 0 unknown, 1 no, 2 yes.
        var memo: [UInt8]

        init(tokens: [Token], text: ArraySlice<Unicode.Scalar>, partial: Bool) {
            self.tokens = tokens
            self.text = text
            self.partial = partial
            end = text.endIndex
            memo = Array(repeating: 0, count: tokens.count * (text.count + 1))
        }

        mutating func match(_ token: Int, _ position: Int) -> Bool {
            if partial, position == end, token < tokens.count { return true }
            if token == tokens.count { return position == end }
            let key = token * (text.count + 1) + (position - text.startIndex)
            if memo[key] != 0 { return memo[key] == 2 }
            let result = compute(token, position)
            memo[key] = result ? 2 : 1
            return result
        }

        mutating func compute(_ token: Int, _ position: Int) -> Bool {
            let more = position < end
            switch tokens[token] {
            case .literal(let scalar):
                return more && text[position] == scalar && match(token + 1, position + 1)
            case .one(let crossesSlash):
                return more && (crossesSlash || text[position] != "/") && match(token + 1, position + 1)
            case .set(let negated, let items):
                guard more else { return false }
                let inSet = items.contains { $0.contains(text[position]) }
                return inSet != negated && match(token + 1, position + 1)
            case .star(let crossesSlash):
                if match(token + 1, position) { return true }
                return more && (crossesSlash || text[position] != "/") && match(token, position + 1)
            case .anything:
                return partial || (position...end).contains { match(token + 1, $0) }
            case .directories:
                if match(token + 1, position) { return true }
                if partial { return true }
                var index = position
                while index < end {
                    if text[index] == "/", match(token + 1, index + 1) { return true }
                    index += 1
                }
                return false
            }
        }
    }
}
