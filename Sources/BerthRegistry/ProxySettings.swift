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
            return try URLParts(parsing: text.contains("://") ? text : "http://" + text)
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

    private static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || (host.hasPrefix("127.") && host.allSatisfy { $0.isNumber || $0 == "." })
    }
}
