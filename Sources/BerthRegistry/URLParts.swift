// http and https URLs split into the parts a request needs; nothing more general.
package struct URLParts: Equatable, Sendable, CustomStringConvertible {
    package enum Scheme: String, Sendable { case http, https }

    package var scheme: Scheme
    /// Without brackets: `::1`, not `[::1]`.
    package var host: String
    package var port: Int
    /// Path and query, always starting with "/".
    package var target: String
    /// `user:password` from the authority (proxy URLs carry credentials this way).
    package var userInfo: String?

    package init(scheme: Scheme, host: String, port: Int? = nil, target: String = "/", userInfo: String? = nil) {
        self.scheme = scheme
        self.host = host
        self.port = port ?? (scheme == .https ? 443 : 80)
        self.target = target.isEmpty ? "/" : target
        self.userInfo = userInfo
    }

    /// Parses `http://` and `https://` URLs; a fragment is dropped.
    package init(parsing text: String) throws {
        let bad = { (reason: String) in RegistryError.invalidURL(text, reason: reason) }
        guard let schemeEnd = text.firstRange(of: "://") else { throw bad("missing http:// or https://") }
        guard let scheme = Scheme(rawValue: text[..<schemeEnd.lowerBound].lowercased()) else {
            throw bad("only http and https are supported")
        }
        var rest = text[schemeEnd.upperBound...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        var target = String(rest[authorityEnd...])
        if target.hasPrefix("?") { target = "/" + target }
        var userInfo: String?
        if let at = authority.lastIndex(of: "@") {
            userInfo = String(authority[..<at])
            authority = authority[authority.index(after: at)...]
        }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw bad("unterminated IPv6 address") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw bad("unexpected text after IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw bad("missing host") }
        if host.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) { throw bad("host contains spaces") }
        if target.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) { throw bad("path contains spaces") }
        var port: Int?
        if let portText, !portText.isEmpty {
            guard let value = Int(portText), (1...65535).contains(value) else { throw bad("invalid port \"\(portText)\"") }
            port = value
        }
        self.init(scheme: scheme, host: host.lowercased(), port: port, target: target, userInfo: userInfo)
    }

    /// Resolves a Location header value against this URL (absolute, scheme-relative,
    /// absolute-path or relative-path references, RFC 3986 §5.2 without dot segments).
    package func resolving(_ reference: String) throws -> URLParts {
        if reference.contains("://") { return try URLParts(parsing: reference) }
        if reference.hasPrefix("//") { return try URLParts(parsing: scheme.rawValue + ":" + reference) }
        var copy = self
        copy.userInfo = nil
        if reference.hasPrefix("/") {
            copy.target = reference
        } else if reference.hasPrefix("?") {
            copy.target = path + reference
        } else {
            let directory = path.lastIndex(of: "/").map { String(path[...$0]) } ?? "/"
            copy.target = directory + reference
        }
        return copy
    }

    package var path: String {
        String(target[..<(target.firstIndex(of: "?") ?? target.endIndex)])
    }

    package var isDefaultPort: Bool { port == (scheme == .https ? 443 : 80) }

    /// `host` with brackets around IPv6 literals.
    package var bracketedHost: String { host.contains(":") ? "[\(host)]" : host }

    /// host:port as errors and the CONNECT line spell it.
    package var address: String { "\(bracketedHost):\(port)" }

    /// The Host header value: the port only when it is not the scheme's default.
    package var hostHeader: String { isDefaultPort ? bracketedHost : address }

    /// Same scheme, host and port: credentials may follow a redirect only within one origin.
    package func hasSameOrigin(as other: URLParts) -> Bool {
        scheme == other.scheme && host == other.host && port == other.port
    }

    package var description: String { "\(scheme.rawValue)://\(hostHeader)\(target)" }
}
