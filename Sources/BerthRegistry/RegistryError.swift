// The one error type of BerthRegistry: every case names the URL or host:port it
// concerns, and `description` says what went wrong in words a user can act on.
import Glibc

package enum RegistryError: Error, CustomStringConvertible, Sendable {
    case invalidURL(String, reason: String)
    case resolveFailed(host: String, reason: String)
    case connectFailed(address: String, errno: Int32)
    case connectTimedOut(address: String, seconds: Int)
    case timedOut(address: String, seconds: Int)
    case connectionClosed(address: String, during: String)
    case ioFailed(address: String, operation: String, errno: Int32)
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

    package var description: String {
        switch self {
        case .invalidURL(let url, let reason):
            return "invalid URL \"\(url)\": \(reason)"
        case .resolveFailed(let host, let reason):
            return "cannot resolve host \(host): \(reason); check the registry name and DNS"
        case .connectFailed(let address, let errno):
            return "cannot connect to \(address): \(String(cString: strerror(errno)))"
        case .connectTimedOut(let address, let seconds):
            return "connecting to \(address) timed out after \(seconds)s; is the registry reachable?"
        case .timedOut(let address, let seconds):
            return "\(address) did not answer within \(seconds)s"
        case .connectionClosed(let address, let during):
            return "\(address) closed the connection while \(during)"
        case .ioFailed(let address, let operation, let errno):
            return "\(operation) \(address): \(String(cString: strerror(errno)))"
        case .certificatesUnreadable(let path, let reason):
            return "cannot load certificates from \(path): \(reason)"
        case .tlsSetupFailed(let reason):
            return "cannot set up TLS: \(reason)"
        case .tlsHandshakeFailed(let address, let reason):
            return "TLS handshake with \(address) failed: \(reason)"
        case .tlsFailed(let address, let operation, let reason):
            return "TLS \(operation) \(address) failed: \(reason)"
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
        }
    }
}
