// One registry as the distribution API sees it: which scheme it speaks, how it
// wants to be authenticated, and requests that carry the right credentials and are
// retried when the registry or the network stumbles. Safe to share between the
// threads of a parallel pull.
import BerthImage
import Glibc
import Synchronization

package final class RegistryClient: Sendable {
    package struct Options: Sendable {
        /// podman's --tls-verify=false or `insecure = true`: HTTPS without checks,
        /// falling back to plain HTTP when the registry does not speak TLS.
        package var insecure: Bool
        package var tls: TLSOptions
        package var proxy: ProxySettings
        package var credentials: Credentials?
        package var retries: Int
        package var timeoutSeconds: Int

        package init(insecure: Bool = false, tls: TLSOptions = TLSOptions(), proxy: ProxySettings = .none,
                     credentials: Credentials? = nil, retries: Int = 3, timeoutSeconds: Int = 30) {
            self.insecure = insecure
            self.tls = tls
            self.proxy = proxy
            self.credentials = credentials
            self.retries = retries
            self.timeoutSeconds = timeoutSeconds
        }
    }

    /// The name users write ("docker.io", "127.0.0.1:5000").
    package let registry: String
    /// Where the API lives ("registry-1.docker.io").
    package let apiHost: String
    package let options: Options
    let http: HTTPClient
    private let state = Mutex(SessionState())

    private struct SessionState {
        var scheme: URLParts.Scheme?
        var challenge: AuthChallenge?
        var tokens: [String: BearerToken] = [:]
    }

    package init(registry: String, options: Options) {
        self.registry = registry
        apiHost = RegistryClient.apiHost(for: registry)
        self.options = options
        var tls = options.tls
        if options.insecure { tls.verify = false }
        http = HTTPClient(options: HTTPClient.Options(timeoutSeconds: options.timeoutSeconds, tls: tls, proxy: options.proxy,
                                                     userAgent: "berth/" + berthRegistryVersion))
    }

    /// Docker Hub's API is not served at the name people use for it.
    package static func apiHost(for registry: String) -> String {
        registry == "docker.io" || registry == "index.docker.io" ? "registry-1.docker.io" : registry
    }

    /// How many connections this client opened (tests use it to see keep-alive work).
    package var connectionsOpened: Int { http.connectionsOpened }

    // MARK: requests

    /// Sends a request for `path` (below the registry root, e.g. "/v2/foo/manifests/latest")
    /// with credentials for `scopes`; follows the 401 dance once and retries 5xx, 429 and
    /// dropped connections with back-off when the body can be sent again.
    /// `isRegistryLocation`: the URL is one the registry handed out (an upload's
    /// Location), which gets the registry's credentials even on another host or port.
    package func send(_ method: String, _ pathOrURL: String, headers: HTTPHeaders = [:], body: HTTPRequest.Body = .none,
                      scopes: [String], isRegistryLocation: Bool = false) throws -> HTTPResponse {
        let scheme = try ensureScheme()
        let url = pathOrURL.hasPrefix("http://") || pathOrURL.hasPrefix("https://")
            ? try URLParts(parsing: pathOrURL)
            : try URLParts(parsing: "\(scheme.rawValue)://\(apiHost)\(pathOrURL)")
        var attempt = 0
        var refreshedAuth = false
        while true {
            var request = HTTPRequest(method: method, url: url, headers: headers, body: body)
            // An upload Location the registry gave gets its credentials on another host
            // too (as podman), but never in clear text when the registry itself is HTTPS.
            let isRegistry = try request.url.hasSameOrigin(as: registryURL(scheme))
                || (isRegistryLocation && (request.url.scheme == .https || scheme == .http))
            if isRegistry, let authorization = try authorization(for: scopes) {
                request.headers["Authorization"] = authorization
            }
            do {
                let response = try http.send(request)
                if response.status == 401 && !refreshedAuth && body.isReplayable {
                    refreshedAuth = true
                    let challenge = AuthChallenge.parse(response.headers.values("WWW-Authenticate"))
                    response.body.skip()
                    if let challenge {
                        state.withLock { $0.challenge = challenge }
                        dropToken(for: scopes)
                        continue
                    }
                    throw RegistryError.unauthorized(registry: registry, detail: "the registry asks for credentials but names no way to present them")
                }
                if Self.isRetryable(status: response.status) && attempt < options.retries && body.isReplayable {
                    response.body.skip()
                    attempt += 1
                    Self.backOff(attempt)
                    continue
                }
                return response
            } catch let error as RegistryError where error.isTransient && attempt < options.retries && body.isReplayable {
                attempt += 1
                Self.backOff(attempt)
            }
        }
    }

    static func isRetryable(status: Int) -> Bool {
        status == 429 || status == 500 || status == 502 || status == 503 || status == 504
    }

    /// 0.25 s, 0.5 s, 1 s … with jitter, so parallel layer fetches do not retry in step.
    static func backOff(_ attempt: Int) {
        let base = 250_000 << min(attempt - 1, 4)
        usleep(UInt32(base + Int(random() % Int(base / 4 + 1))))
    }

    /// Throws the registry's own words for a response that is not what `operation` wanted.
    package func failure(_ response: HTTPResponse, operation: String) -> RegistryError {
        let detail = Self.errorDetail(response)
        let challenge = AuthChallenge.parse(response.headers.values("WWW-Authenticate"))
        if response.status == 403 || (response.status == 401 && challenge?.parameters["error"] == "insufficient_scope") {
            // Known credentials (or none) that do not allow this: not a wrong password.
            return .unauthorized(registry: registry, detail: "access denied while \(operation)" + (detail.isEmpty ? "" : " (\(detail))"))
        }
        if response.status == 401 {
            return .unauthorized(registry: registry, detail: options.credentials == nil
                ? "authentication required" + (detail.isEmpty ? "" : " (\(detail))")
                : "invalid username/password" + (detail.isEmpty ? "" : " (\(detail))"))
        }
        return .unexpectedStatus(operation: operation, url: response.url.description, status: response.status, detail: detail)
    }

    /// `{"errors":[{"code":"…","message":"…"}]}` (distribution spec, error codes) as one line.
    static func errorDetail(_ response: HTTPResponse) -> String {
        guard let bytes = try? response.body.readAll(limit: 64 * 1024) else { return "" }
        struct Body: Decodable {
            struct Item: Decodable { var code: String?; var message: String? }
            var errors: [Item]?
        }
        if let parsed = try? JSONCoding.decode(Body.self, from: bytes, location: ""), let errors = parsed.errors, !errors.isEmpty {
            return errors.map { [$0.code, $0.message].compactMap { $0 }.joined(separator: ": ") }.joined(separator: "; ")
        }
        let text = String(decoding: bytes.prefix(200), as: UTF8.self).filter { $0 != "\n" && $0 != "\r" }
        return text.allSatisfy({ $0.isASCII }) ? text : ""
    }

    private func registryURL(_ scheme: URLParts.Scheme) throws -> URLParts {
        try URLParts(parsing: "\(scheme.rawValue)://\(apiHost)/v2/")
    }

    // MARK: scheme and challenge

    /// Pings /v2/ once: the answer tells the scheme (for insecure registries) and the
    /// challenge to meet, before any request that would have to be repeated.
    package func ensureScheme() throws -> URLParts.Scheme {
        if let scheme = state.withLock({ $0.scheme }) { return scheme }
        do {
            try ping(.https)
            state.withLock { $0.scheme = .https }
            return .https
        } catch let httpsError as RegistryError where options.insecure {
            // podman's rule for insecure registries: whatever HTTPS failed with, try
            // plain HTTP, and take it only when it answers as a registry (200 or 401);
            // otherwise (an HTTPS server's 400, nothing at all) the HTTPS error says more.
            guard let status = try? ping(.http), status == 200 || status == 401 else { throw httpsError }
            state.withLock { $0.scheme = .http }
            return .http
        }
    }

    /// The status of `GET /v2/` (its challenge noted when 401).
    @discardableResult
    private func ping(_ scheme: URLParts.Scheme) throws -> Int {
        var attempt = 0
        while true {
            do {
                let response = try http.send(HTTPRequest(method: "GET", url: try registryURL(scheme)))
                defer { response.body.skip() }
                if response.status == 401 {
                    let challenge = AuthChallenge.parse(response.headers.values("WWW-Authenticate"))
                    state.withLock { $0.challenge = challenge }
                    return 401
                }
                if Self.isRetryable(status: response.status) && attempt < options.retries {
                    attempt += 1
                    Self.backOff(attempt)
                    continue
                }
                // 200, or a registry that is something else (404): requests will say more.
                return response.status
            } catch let error as RegistryError where error.isTransient && attempt < options.retries {
                attempt += 1
                Self.backOff(attempt)
            }
        }
    }

    /// Checks the credentials: what `login` does. Throws `.unauthorized` when refused.
    package func verifyCredentials() throws {
        let response = try send("GET", "/v2/", scopes: [])
        defer { response.body.skip() }
        guard response.isSuccess else { throw failure(response, operation: "checking credentials") }
    }

    // MARK: authorization

    /// The Authorization header for `scopes`, fetching a bearer token when needed.
    private func authorization(for scopes: [String]) throws -> String? {
        guard let challenge = state.withLock({ $0.challenge }) else { return nil }
        switch challenge.scheme {
        case .basic:
            guard let credentials = options.credentials else { return nil }
            return "Basic " + credentials.basicToken
        case .bearer:
            let key = scopes.joined(separator: " ")
            let now = BearerToken.now()
            if let token = state.withLock({ $0.tokens[key] }), token.expires > now { return "Bearer " + token.value }
            let token = try TokenRequest(challenge: challenge, scopes: scopes, credentials: options.credentials, registry: registry)
                .fetch(using: http, at: now)
            state.withLock { $0.tokens[key] = token }
            return "Bearer " + token.value
        }
    }

    /// Forgets the token for `scopes` (the registry refused it: expired early, revoked).
    package func dropToken(for scopes: [String]) {
        _ = state.withLock { $0.tokens.removeValue(forKey: scopes.joined(separator: " ")) }
    }
}

/// The repository scope of the token protocol: "repository:NAME:pull,push".
package func repositoryScope(_ repository: String, push: Bool) -> String {
    "repository:\(repository):" + (push ? "pull,push" : "pull")
}

extension Credentials {
    var basicToken: String { Base64.encode(Array("\(username):\(password)".utf8)) }
}

extension RegistryError {
    /// Worth another try: the network or the server stumbled, not the request. A
    /// server that accepted the request and then said nothing for the whole timeout
    /// is not asked again: that would multiply a wait the user already sat through.
    var isTransient: Bool {
        switch self {
        case .connectionClosed, .ioFailed, .connectFailed, .connectTimedOut: return true
        default: return false
        }
    }

    var isTimeout: Bool {
        if case .timedOut = self { return true }
        return false
    }

}

package let berthRegistryVersion = "0.1.0"
