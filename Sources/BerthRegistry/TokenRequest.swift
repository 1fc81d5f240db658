// A bearer token from the realm a registry's challenge names (the Docker token
// protocol: GET realm?service=…&scope=…, Basic credentials when there are some,
// none for an anonymous pull token).
import BerthImage
import BerthSystem
import Glibc

struct TokenRequest {
    static let answerLimit = 1 << 20

    var challenge: AuthChallenge
    var scopes: [String]
    var credentials: Credentials?
    var registry: String

    init(challenge: AuthChallenge, scopes: [String], credentials: Credentials?, registry: String) {
        self.challenge = challenge
        // A challenge to a request names the scope it wants; ask for it too.
        var all = scopes
        if let wanted = challenge.parameters["scope"], !wanted.isEmpty, !all.contains(wanted) { all.append(wanted) }
        self.scopes = all
        self.credentials = credentials
        self.registry = registry
    }

    func fetch(using http: HTTPClient, at now: Double) throws -> BearerToken {
        guard let realm = challenge.realm, !realm.isEmpty else {
            throw RegistryError.unauthorized(registry: registry, detail: "the registry's bearer challenge names no realm")
        }
        var query: [String] = []
        if let service = challenge.service { query.append("service=" + percentEncoded(service)) }
        for scope in scopes { query.append("scope=" + percentEncoded(scope)) }
        if let credentials { query.append("account=" + percentEncoded(credentials.username)) }
        let separator = realm.contains("?") ? "&" : "?"
        let url = try URLParts(parsing: query.isEmpty ? realm : realm + separator + query.joined(separator: "&"))
        var request = HTTPRequest(method: "GET", url: url)
        if let credentials { request.headers["Authorization"] = "Basic " + credentials.basicToken }
        let response: HTTPResponse
        do {
            response = try http.send(request)
        } catch let error as RegistryError {
            throw RegistryError.tokenFailed(realm: realm, reason: error.description)
        }
        if response.status == 401 || response.status == 403 {
            response.body.skip()
            throw RegistryError.unauthorized(registry: registry, detail: credentials == nil
                ? "authentication required" : "invalid username/password")
        }
        guard response.isSuccess else {
            let detail = RegistryClient.errorDetail(response)
            throw RegistryError.tokenFailed(realm: realm, reason: "status \(response.status)" + (detail.isEmpty ? "" : ": \(detail)"))
        }
        struct Answer: Decodable {
            var token: String?
            var access_token: String?
            var expires_in: Int?
        }
        let bytes = try response.body.readAll(limit: Self.answerLimit)
        guard let answer = try? JSONCoding.decode(Answer.self, from: bytes, location: realm),
              let token = answer.token ?? answer.access_token, !token.isEmpty
        else {
            throw RegistryError.tokenFailed(realm: realm, reason: "the answer holds no token")
        }
        // A token goes into a header line: refuse anything that could break it.
        guard token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            throw RegistryError.tokenFailed(realm: realm, reason: "the token has characters not allowed in a header")
        }
        return BearerToken(value: token, lifetime: answer.expires_in, now: now)
    }
}

/// A token and when to stop using it.
package struct BearerToken: Sendable {
    /// The token spec's default lifetime, and the least berth trusts (as podman).
    static let minimumLifetime = 60

    var value: String
    /// Monotonic seconds; a little before the server's expiry, so a token is not
    /// sent just as it runs out.
    var expires: Double

    init(value: String, lifetime: Int?, now: Double) {
        self.value = value
        expires = now + Double(max(lifetime ?? Self.minimumLifetime, Self.minimumLifetime)) - 5
    }

    static func now() -> Double { Stopwatch.seconds() }
}

/// RFC 3986 percent-encoding of everything but unreserved characters.
func percentEncoded(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            out.append(Character(Unicode.Scalar(byte)))
        default:
            let hex = String(byte, radix: 16, uppercase: true)
            out += "%" + (hex.count == 1 ? "0" + hex : hex)
        }
    }
    return out
}
