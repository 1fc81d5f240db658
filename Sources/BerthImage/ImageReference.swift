// Image names as docker and podman read them: `busybox` is
// docker.io/library/busybox:latest, `name@sha256:…` pins a manifest digest.
package struct ImageReference: Hashable, Sendable, CustomStringConvertible {
    package var domain: String
    package var path: String
    package var tag: String?
    package var digest: Digest?

    package var repository: String { domain + "/" + path }

    /// `repo:tag`, `repo@digest` or `repo:tag@digest`.
    package var description: String {
        var text = repository
        if let tag { text += ":" + tag }
        if let digest { text += "@" + digest.description }
        return text
    }

    /// The registry used for names without one: docker.io for pulls and archives;
    /// podman names local images (`tag`, `import`) under localhost instead.
    package enum DefaultDomain: Sendable { case dockerHub, localhost }

    /// Parses and normalizes `text`; a name with neither tag nor digest gets `latest`.
    package static func parse(_ text: String, defaultDomain: DefaultDomain = .dockerHub) throws -> ImageReference {
        var rest = Substring(text)
        guard !rest.isEmpty else { throw ImageError.invalidReference(text, reason: "empty name") }
        var digest: Digest?
        if let at = rest.firstIndex(of: "@") {
            let digestText = String(rest[rest.index(after: at)...])
            guard let parsed = Digest(parsing: digestText) else {
                throw ImageError.invalidReference(text, reason: "invalid digest \"\(digestText)\"")
            }
            digest = parsed
            rest = rest[..<at]
        }
        var tag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[rest.index(after: colon)...].contains("/") {
            let tagText = String(rest[rest.index(after: colon)...])
            guard isValidTag(tagText) else { throw ImageError.invalidReference(text, reason: "invalid tag \"\(tagText)\"") }
            tag = tagText
            rest = rest[..<colon]
        }
        var components = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var domain: String
        if components.count > 1, isDomain(components[0]) {
            domain = components.removeFirst()
        } else {
            domain = defaultDomain == .dockerHub ? "docker.io" : "localhost"
        }
        if domain == "index.docker.io" { domain = "docker.io" }
        guard isValidDomain(domain) else { throw ImageError.invalidReference(text, reason: "invalid registry \"\(domain)\"") }
        for component in components where !isValidPathComponent(component) {
            if component.contains(where: { $0.isUppercase }) {
                throw ImageError.invalidReference(text, reason: "repository name must be lowercase")
            }
            throw ImageError.invalidReference(text, reason: "invalid repository name component \"\(component)\"")
        }
        if domain == "docker.io" && components.count == 1 { components.insert("library", at: 0) }
        if tag == nil && digest == nil { tag = "latest" }
        return ImageReference(domain: domain, path: components.joined(separator: "/"), tag: tag, digest: digest)
    }

    /// A first component names a registry when it has a dot or port, or is localhost.
    package static func isDomain(_ component: String) -> Bool {
        component.contains(".") || component.contains(":") || component == "localhost"
            || component.contains(where: { $0.isUppercase })
    }

    static func isValidDomain(_ domain: String) -> Bool {
        let parts = domain.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let host = parts.first, !host.isEmpty else { return false }
        if parts.count == 2 { guard let port = Int(parts[1]), port > 0, port < 65536 else { return false } }
        return host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*` from the distribution reference grammar.
    static func isValidPathComponent(_ component: String) -> Bool {
        let chars = Array(component.utf8)
        guard let first = chars.first, let last = chars.last, isAlnum(first), isAlnum(last) else { return false }
        var i = 0
        while i < chars.count {
            if isAlnum(chars[i]) { i += 1; continue }
            // A separator run: ".", "_", "__" or any number of "-".
            let start = i
            while i < chars.count && !isAlnum(chars[i]) { i += 1 }
            let run = String(decoding: chars[start..<i], as: UTF8.self)
            guard run == "." || run == "_" || run == "__" || run.allSatisfy({ $0 == "-" }) else { return false }
        }
        return true
    }

    private static func isAlnum(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 48 && c <= 57) }

    /// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
    static func isValidTag(_ tag: String) -> Bool {
        guard let first = tag.first, tag.count <= 128, first.isASCII, first.isLetter || first.isNumber || first == "_" else {
            return false
        }
        return tag.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-") }
    }
}
