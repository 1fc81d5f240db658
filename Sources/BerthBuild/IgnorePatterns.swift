// .dockerignore / .containerignore: which context paths a build never sees.
// The rules docker documents (and moby's patternmatcher implements): one pattern
// per line, `#` comment lines, blank lines skipped, patterns cleaned like Go's
// filepath.Clean with `./` and a leading `/` dropped, Go filepath.Match syntax
// (`*`, `?`, `[a-z]`, `\` escapes) within a path component, `**` spanning any
// number of directories, `!` re-including, the last matching pattern winning,
// and a pattern that matches a directory covering everything below it.

package struct IgnorePatterns: Sendable {
    struct Rule: Sendable {
        var pattern: GlobPattern
        /// The pattern's text when it has no wildcard: a comparison decides.
        var literal: [Unicode.Scalar]?
        /// `!pattern`: re-includes what it matches.
        var isException: Bool
        var text: String
    }

    private(set) var rules: [Rule]

    package init(text: String, file: String) throws {
        var patterns: [(String, Int)] = []
        var body = Substring(text)
        if body.first == "\u{FEFF}" { body = body.dropFirst() }
        let lines = body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (offset, line) in lines.enumerated() {
            patterns.append((String(line), offset + 1))
        }
        try self.init(numbered: patterns, file: file)
    }

    package init(patterns: [String]) throws {
        try self.init(numbered: patterns.map { ($0, 0) }, file: "")
    }

    private init(numbered: [(String, Int)], file: String) throws {
        rules = []
        // A `#` in the first column starts a comment (`\#` is a literal one).
        for (raw, line) in numbered where !raw.hasPrefix("#") {
            var text = raw.trimmingBlanks()
            guard !text.isEmpty else { continue }
            var isException = false
            if text.hasPrefix("!") {
                isException = true
                text = String(text.dropFirst()).trimmingBlanks()
                guard !text.isEmpty else {
                    throw DockerfileError("illegal exclusion pattern: \"!\"", at: SourceLocation(file: file, line: line, column: 1))
                }
            }
            var cleaned = Self.clean(text)
            if cleaned.count > 1, cleaned.hasPrefix("/") { cleaned.removeFirst() }
            guard let pattern = Self.compile(cleaned) else {
                throw DockerfileError("syntax error in pattern \"\(raw.trimmingBlanks())\"",
                                      at: SourceLocation(file: file, line: line, column: 1))
            }
            rules.append(Rule(pattern: pattern, literal: pattern.literalText, isException: isException, text: cleaned))
        }
    }

    package var isEmpty: Bool { rules.isEmpty }

    /// Whether the context path (relative, no leading `/`) is left out of the build.
    package func excludes(_ path: String) -> Bool {
        guard !rules.isEmpty else { return false }
        let scalars = Array((Self.isClean(path) ? path : Self.clean(path)).unicodeScalars)
        let ends = Self.selfAndParentEnds(scalars)
        var excluded = false
        // Only a rule that would flip the current answer needs matching.
        for rule in rules where rule.isException == excluded {
            if ends.contains(where: { rule.matches(scalars[..<$0]) }) { excluded = !rule.isException }
        }
        return excluded
    }

    /// Whether something below `directory` could be re-included by a `!` pattern even though
    /// the directory itself is excluded: a context walker must then descend into it.
    package func mayIncludeBelow(_ directory: String) -> Bool {
        let path = Self.clean(directory)
        let scalars = Array(path.unicodeScalars)
        let below = Array((path == "." ? "" : path + "/").unicodeScalars)
        let ends = Self.selfAndParentEnds(scalars)
        return rules.contains { rule in
            rule.isException
                && (rule.pattern.mayMatchBeyond(below[...]) || ends.contains(where: { rule.matches(scalars[..<$0]) }))
        }
    }

    /// Where `a/b/c`, `a/b` and `a` end: a pattern matching a parent covers the path.
    static func selfAndParentEnds(_ path: [Unicode.Scalar]) -> [Int] {
        guard !path.isEmpty else { return [] }
        var ends = [path.count]
        for index in path.indices.reversed() where path[index] == "/" && index > 0 { ends.append(index) }
        return ends
    }

    /// Whether `clean` would leave `path` as it is (the context walker's paths always are):
    /// relative, no empty, `.` or `..` component.
    static func isClean(_ path: String) -> Bool {
        var componentLength = 0
        var dots = 0
        for byte in path.utf8 {
            if byte == UInt8(ascii: "/") {
                if componentLength == 0 || componentLength == dots && dots <= 2 { return false }
                componentLength = 0
                dots = 0
            } else {
                componentLength += 1
                if byte == UInt8(ascii: ".") { dots += 1 }
            }
        }
        return componentLength > 0 && !(componentLength == dots && dots <= 2)
    }

    /// Go's filepath.Clean, lexically: repeated and trailing slashes, `.` and `..` components.
    static func clean(_ path: String) -> String {
        let isAbsolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..":
                if let last = parts.last, last != ".." { parts.removeLast() } else if !isAbsolute { parts.append(component) }
            default: parts.append(component)
            }
        }
        let joined = parts.joined(separator: "/")
        if isAbsolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// A cleaned pattern as tokens: `*` and `?` stay inside one component, `**/` is any number
    /// of directories, a final `**` anything; `\x` is a literal x. nil for a malformed pattern.
    static func compile(_ pattern: String) -> GlobPattern? {
        let characters = Array(pattern.unicodeScalars)
        var tokens: [GlobPattern.Token] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            index += 1
            switch character {
            case "*":
                if index < characters.count, characters[index] == "*" {
                    index += 1
                    if index < characters.count, characters[index] == "/" { index += 1 }
                    tokens.append(index == characters.count ? .anything : .directories)
                } else {
                    tokens.append(.star(crossesSlash: false))
                }
            case "?":
                tokens.append(.one(crossesSlash: false))
            case "\\":
                guard index < characters.count else { return nil }
                tokens.append(.literal(characters[index]))
                index += 1
            case "[":
                var units: [(character: Unicode.Scalar, literal: Bool)] = []
                var scan = index
                while scan < characters.count {
                    if characters[scan] == "\\", scan + 1 < characters.count {
                        units.append((characters[scan + 1], true))
                        scan += 2
                    } else {
                        units.append((characters[scan], false))
                        scan += 1
                    }
                }
                guard let (set, consumedUnits) = GlobPattern.parseSet(units, from: 0) else { return nil }
                // Map the units consumed back to characters (escapes took two).
                var consumed = 0, position = index
                while consumed < consumedUnits {
                    position += characters[position] == "\\" ? 2 : 1
                    consumed += 1
                }
                tokens.append(set)
                index = position
            default:
                tokens.append(.literal(character))
            }
        }
        return GlobPattern(tokens: tokens)
    }
}

extension String {
    func trimmingBlanks() -> String {
        String(drop(while: \.isDockerfileBlank).reversed().drop(while: \.isDockerfileBlank).reversed())
    }
}

extension IgnorePatterns.Rule {
    func matches(_ path: ArraySlice<Unicode.Scalar>) -> Bool {
        if let literal { return path.elementsEqual(literal) }
        return pattern.matches(path)
    }
}
