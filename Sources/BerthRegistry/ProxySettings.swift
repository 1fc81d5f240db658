// Which proxy a request goes through, from HTTPS_PROXY, HTTP_PROXY and NO_PROXY (or
// their lowercase forms) with the rules of Go's httpproxy, which podman uses.
import Glibc

package struct ProxySettings: Sendable, Equatable {
    package var httpProxy: URLParts?
    package var httpsProxy: URLParts?
    /// NO_PROXY entries, lowercased: "*", "host", ".domain", "host:port", IP literals.
    package var noProxy: [String]
    /// Go never proxies localhost and loopback addresses; neither does podman.
    package var bypassesLoopback: Bool

    package static let none = ProxySettings()

    package init(httpProxy: URLParts? = nil, httpsProxy: URLParts? = nil, noProxy: [String] = [], bypassesLoopback: Bool = true) {
        self.httpProxy = httpProxy
        self.httpsProxy = httpsProxy
        self.noProxy = noProxy
        self.bypassesLoopback = bypassesLoopback
    }

    /// Reads the variables from `environment`, or from the process environment when nil.
    package static func fromEnvironment(_ environment: [String: String]? = nil) throws -> ProxySettings {
        func value(_ name: String) -> String? {
            for key in [name, name.lowercased()] {
                let found = environment.map { $0[key] } ?? getenv(key).map { String(cString: $0) }
                if let found, !found.isEmpty { return found }
            }
            return nil
        }
        func proxyURL(_ text: String?) throws -> URLParts? {
            guard let text else { return nil }
            // Go accepts "proxy:3128" and means http://proxy:3128.
            let url = try URLParts(parsing: text.contains("://") ? text : "http://" + text)
            if url.scheme == .https {
                throw RegistryError.invalidURL(text, reason: "proxies reached over TLS (https://) are not supported; use the proxy's http:// address (registry traffic is still TLS inside the CONNECT tunnel)")
            }
            return url
        }
        let noProxy = (value("NO_PROXY") ?? "").split(separator: ",").map { $0.trimmingSpaces().lowercased() }.filter { !$0.isEmpty }
        return ProxySettings(httpProxy: try proxyURL(value("HTTP_PROXY")), httpsProxy: try proxyURL(value("HTTPS_PROXY")), noProxy: noProxy)
    }

    /// The proxy for `url`, or nil to connect directly.
    package func proxy(for url: URLParts) -> URLParts? {
        guard let proxy = url.scheme == .https ? httpsProxy : httpProxy else { return nil }
        if bypassesLoopback && Self.isLoopback(url.host) { return nil }
        for entry in noProxy where matches(entry, url) { return nil }
        return proxy
    }

    private func matches(_ entry: String, _ url: URLParts) -> Bool {
        if entry == "*" { return true }
        if entry.contains("/") { return Self.isInNetwork(url.host, cidr: entry) }
        var host = entry
        var port: Int?
        if entry.hasPrefix("[") {
            guard let parsed = try? URLParts(parsing: "http://" + entry) else { return false }
            host = parsed.host
            port = entry.hasSuffix("]") ? nil : parsed.port
        } else if entry.filter({ $0 == ":" }).count == 1, let colon = entry.firstIndex(of: ":") {
            host = String(entry[..<colon])
            port = Int(entry[entry.index(after: colon)...])
        }
        if let port, port != url.port { return false }
        if host.hasPrefix(".") { return url.host.hasSuffix(host) }
        if host.hasPrefix("*.") { return url.host.hasSuffix(String(host.dropFirst())) }
        return url.host == host || url.host.hasSuffix("." + host)
    }

    /// "10.0.0.0/8", "fd00::/8": whether the IP literal `host` is in the network (a
    /// host name never is: as Go, berth does not resolve names to match them).
    static func isInNetwork(_ host: String, cidr: String) -> Bool {
        let parts = cidr.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, let prefixLength = Int(parts[1]), let network = ipBytes(parts[0]), let address = ipBytes(host),
              network.count == address.count, (0...network.count * 8).contains(prefixLength)
        else { return false }
        for bit in 0..<prefixLength {
            let mask = UInt8(0x80) >> UInt8(bit % 8)
            if network[bit / 8] & mask != address[bit / 8] & mask { return false }
        }
        return true
    }

    /// The 4 or 16 bytes of an IPv4 or IPv6 literal (brackets allowed), nil for names.
    private static func ipBytes(_ text: String) -> [UInt8]? {
        let literal = text.hasPrefix("[") && text.hasSuffix("]") ? String(text.dropFirst().dropLast()) : text
        var v4 = in_addr()
        if inet_pton(AF_INET, literal, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, literal, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    private static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || (host.hasPrefix("127.") && host.allSatisfy { $0.isNumber || $0 == "." })
    }
}
