// The one error type of BerthRegistry: every case names the URL or host:port it
// concerns, and `description` says what went wrong in words a user can act on.
package import BerthSystem

package enum RegistryError: Error, CustomStringConvertible, Sendable {
    case invalidURL(String, reason: String)
    case resolveFailed(host: String, reason: String)
    /// The failed socket or connect call; its path is the address.
    case connectFailed(SystemError)
    case connectTimedOut(address: String, seconds: Int)
    case timedOut(address: String, seconds: Int)
    case connectionClosed(address: String, during: String)
    /// A failed read or write on a connection; its path is the address.
    case ioFailed(SystemError)
    case certificatesUnreadable(path: String, reason: String)
    case tlsSetupFailed(reason: String)
    case tlsHandshakeFailed(address: String, reason: String)
    case tlsFailed(address: String, operation: String, reason: String)
    case proxyRefused(proxy: String, target: String, status: Int, reason: String)
    case malformedResponse(url: String, reason: String)
    case headersTooLarge(url: String, limit: Int)
    case bodyTooLarge(url: String, limit: Int)
    case tooManyRedirects(url: String, limit: Int)
    case requestBodyTruncated(url: String, expected: Int64, sent: Int64)
    /// `line` is 0 for problems that concern the whole file.
    case invalidRegistriesConf(path: String, line: Int, reason: String)
    /// `reason` never quotes credentials.
    case invalidAuthFile(path: String, reason: String)
    /// A file (registries.conf, auth.json) could not be read or written.
    case system(SystemError)
    /// The registry refused the credentials (or wants some and has none).
    case unauthorized(registry: String, detail: String)
    /// A token server's answer could not be used.
    case tokenFailed(realm: String, reason: String)
    /// An answer of the distribution API other than the expected one; `detail` is
    /// the registry's own error text when it sent one.
    case unexpectedStatus(operation: String, url: String, status: Int, detail: String)
    case manifestUnknown(reference: String)
    case blobUnknown(repository: String, digest: String)
    case invalidManifest(reference: String, reason: String)
    case blocked(name: String, config: String)

    package var description: String {
        switch self {
        case .invalidURL(let url, let reason):
            return "invalid URL \"\(Self.redactingUserInfo(url))\": \(reason)"
        case .resolveFailed(let host, let reason):
            return "cannot resolve host \(host): \(reason); check the registry name and DNS"
        case .connectFailed(let error):
            return "cannot connect to \(error.path): \(error.reason)"
        case .connectTimedOut(let address, let seconds):
            return "connecting to \(address) timed out after \(seconds)s; is the registry reachable?"
        case .timedOut(let address, let seconds):
            return "\(address) did not answer within \(seconds)s"
        case .connectionClosed(let address, let during):
            return "\(address) closed the connection while \(during)"
        case .ioFailed(let error), .system(let error):
            return "\(error)"
        case .certificatesUnreadable(let path, let reason):
            return "cannot load certificates from \(path): \(reason)"
        case .tlsSetupFailed(let reason):
            return "cannot set up TLS: \(reason)"
        case .tlsHandshakeFailed(let address, let reason):
            return "TLS handshake with \(address) failed: \(reason)" + Self.tlsHint(reason)
        case .tlsFailed(let address, let operation, let reason):
            return "TLS \(operation) \(address) failed: \(reason)" + Self.tlsHint(reason)
        case .proxyRefused(let proxy, let target, let status, let reason):
            return "proxy \(proxy) refused to connect to \(target): \(status) \(reason)"
        case .malformedResponse(let url, let reason):
            return "malformed HTTP response from \(url): \(reason)"
        case .headersTooLarge(let url, let limit):
            return "response headers from \(url) exceed \(limit / 1024) KiB"
        case .bodyTooLarge(let url, let limit):
            return "response body from \(url) is larger than \(limit) bytes"
        case .tooManyRedirects(let url, let limit):
            return "too many redirects (more than \(limit)) starting at \(url)"
        case .requestBodyTruncated(let url, let expected, let sent):
            return "the request body for \(url) ended after \(sent) of \(expected) bytes"
        case .invalidRegistriesConf(let path, let line, let reason):
            return line > 0 ? "invalid registries.conf \(path):\(line): \(reason)" : "invalid registries.conf \(path): \(reason)"
        case .invalidAuthFile(let path, let reason):
            return "invalid auth file \(path): \(reason)"
        case .unauthorized(let registry, let detail):
            return "authenticating to \(registry): \(detail)"
        case .tokenFailed(let realm, let reason):
            return "getting a token from \(realm): \(reason)"
        case .unexpectedStatus(let operation, let url, let status, let detail):
            return "\(operation): \(url) answered \(status)" + (detail.isEmpty ? "" : ": \(detail)")
        case .manifestUnknown(let reference):
            return "\(reference): manifest unknown"
        case .blobUnknown(let repository, let digest):
            return "\(repository): blob \(digest) unknown to the registry"
        case .invalidManifest(let reference, let reason):
            return "\(reference): invalid manifest: \(reason)"
        case .blocked(let name, let config):
            return "registry for \(name) is blocked in \(config)"
        }
    }

    /// What a TLS failure most likely means: a plain-HTTP registry, or a registry that
    /// wants a client certificate (mutual TLS) it did not get.
    static func tlsHint(_ reason: String) -> String {
        if reason.contains("wrong version number") || reason.contains("packet length too long") || reason.contains("http request") {
            return " (the registry speaks plain HTTP: use --tls-verify=false, or insecure = true for it in registries.conf)"
        }
        guard reason.contains("alert bad certificate") || reason.contains("certificate required") else { return "" }
        return " (the registry wants a client certificate: put NAME.cert and NAME.key in the --cert-dir or certs.d directory)"
    }

    /// A URL with its user:password (a proxy's, say) replaced: errors never show secrets.
    static func redactingUserInfo(_ url: String) -> String {
        let characters = Array(url)
        // The authority starts after "://" and ends at the path, query or fragment.
        guard let slashes = (2..<max(characters.count, 2)).first(where: { characters[$0 - 2] == ":" && characters[$0 - 1] == "/" && characters[$0] == "/" })
        else { return url }
        let start = slashes + 1
        let end = characters[start...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? characters.endIndex
        guard let at = characters[start..<end].lastIndex(of: "@") else { return url }
        return String(characters[..<start]) + "***" + String(characters[at...])
    }
}
