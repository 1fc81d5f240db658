// What a TestRegistry's servers logged, as values tests compare: the registry's
// JSON log lines and the token server's, one request each.
import Foundation

/// One request as docker-registry logged it.
public struct RegistryRequest: Sendable, Equatable, CustomStringConvertible {
    public let method: String
    /// The request URI as sent: path and query.
    public let uri: String
    /// 401 for a request the auth check refused: distribution logs only a
    /// warning for those (and no size).
    public let status: Int
    /// Response body bytes (`http.response.written`). For HEAD this is what
    /// GET would have sent: the server counts the body it then discards.
    public let bytesWritten: Int
    /// Blob bytes this request added to an upload session: set on PATCH
    /// (202) and on the closing PUT (201) of a blob upload, derived from the
    /// session's `_state` offsets since distribution 2.8.2 logs no request
    /// sizes. nil elsewhere, and on a PATCH that no later request of its
    /// session followed. 2.8.2 ignores the body of a POST (no monolithic
    /// upload in one request), so that counts nothing.
    public internal(set) var uploadedBytes: Int?
    /// The request's Content-Type.
    public let contentType: String?
    public let userAgent: String?
    /// For an error answer, distribution's error code in words ("blob unknown",
    /// "manifest invalid"), from `err.code`.
    public let errorCode: String?

    /// The upload session offset in `_state`, for `uploadedBytes`.
    let uploadOffset: Int?

    /// What a request addressed, from its path.
    public enum Route: Sendable, Equatable {
        /// `/v2/`
        case base
        /// `/v2/_catalog`
        case catalog
        /// `/v2/NAME/tags/list`
        case tags(repository: String)
        /// `/v2/NAME/manifests/REFERENCE`
        case manifest(repository: String, reference: String)
        /// `/v2/NAME/blobs/DIGEST`
        case blob(repository: String, digest: String)
        /// `/v2/NAME/blobs/uploads/` (session nil) and `/v2/NAME/blobs/uploads/UUID`
        case blobUpload(repository: String, session: String?)
        case other
    }

    /// The URI without its query.
    public var path: String {
        String(uri.prefix { $0 != "?" })
    }

    /// A query parameter, percent-decoded.
    public func query(_ name: String) -> String? {
        Self.query(name, in: uri)
    }

    private static func query(_ name: String, in uri: String) -> String? {
        guard let start = uri.firstIndex(of: "?") else { return nil }
        for pair in uri[uri.index(after: start)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts[0] == name {
                let value = parts.count > 1 ? String(parts[1]) : ""
                return value.removingPercentEncoding ?? value
            }
        }
        return nil
    }

    public var route: Route {
        let p = path
        if p == "/v2/" || p == "/v2" { return .base }
        guard p.hasPrefix("/v2/") else { return .other }
        let parts = p.dropFirst(4).split(separator: "/").map(String.init)
        let n = parts.count
        func name(_ count: Int) -> String { parts.prefix(count).joined(separator: "/") }
        if parts == ["_catalog"] { return .catalog }
        if n >= 3, parts[n - 2] == "blobs", parts[n - 1] == "uploads" {
            return .blobUpload(repository: name(n - 2), session: nil)
        }
        if n >= 4, parts[n - 3] == "blobs", parts[n - 2] == "uploads" {
            return .blobUpload(repository: name(n - 3), session: parts[n - 1])
        }
        if n >= 3, parts[n - 2] == "blobs" { return .blob(repository: name(n - 2), digest: parts[n - 1]) }
        if n >= 3, parts[n - 2] == "manifests" {
            return .manifest(repository: name(n - 2), reference: parts[n - 1])
        }
        if n >= 3, parts[n - 2] == "tags", parts[n - 1] == "list" { return .tags(repository: name(n - 2)) }
        return .other
    }

    /// A GET of a blob's content (a layer or a config).
    public var isBlobFetch: Bool {
        if method == "GET", case .blob = route { return true }
        return false
    }

    /// A request of a blob upload that can carry data: POST starting a
    /// session (not a mount), PATCH or PUT.
    public var isBlobUpload: Bool {
        guard case .blobUpload = route else { return false }
        return method == "PATCH" || method == "PUT" || (method == "POST" && query("mount") == nil)
    }

    /// A cross-repository mount: POST `?mount=DIGEST&from=REPO`; status 201 when
    /// it mounted, 202 when the registry started an upload session instead.
    public var isBlobMount: Bool {
        if method == "POST", case .blobUpload = route { return query("mount") != nil }
        return false
    }

    public var description: String {
        "\(method) \(uri) -> \(status), \(bytesWritten) bytes" + (uploadedBytes.map { ", uploaded \($0)" } ?? "")
    }

    /// A line of the registry's log: "response completed" (and "… with
    /// error") for answered requests, "error authorizing context: …" for
    /// refused ones; nil for other lines and the readiness probe.
    init?(logLine: String) {
        guard logLine.hasPrefix("{"),
              let entry = try? JSONDecoder().decode(RegistryLogLine.self, from: Data(logLine.utf8)),
              let msg = entry.msg, let method = entry.method, let uri = entry.uri,
              entry.userAgent != TestRegistry.probeAgent else { return nil }
        if msg == "response completed" || msg == "response completed with error", let status = entry.status {
            self.status = status
            bytesWritten = entry.written ?? 0
        } else if msg.hasPrefix("error authorizing context") {
            status = 401
            bytesWritten = 0
        } else {
            return nil
        }
        self.method = method
        self.uri = uri
        contentType = entry.contentType
        userAgent = entry.userAgent
        errorCode = entry.errorCode
        uploadedBytes = nil
        uploadOffset = Self.query("_state", in: uri).flatMap(Self.offset(inState:))
    }

    /// `_state` is base64url of an HMAC-SHA256 (32 bytes) followed by JSON
    /// with the session's `Offset` (distribution's blobUploadState).
    private static func offset(inState state: String) -> Int? {
        var b64 = state.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), data.count > 32 else { return nil }
        struct UploadState: Decodable {
            let offset: Int
            enum CodingKeys: String, CodingKey { case offset = "Offset" }
        }
        return (try? JSONDecoder().decode(UploadState.self, from: data.dropFirst(32)))?.offset
    }
}

/// The fields of docker-registry 2.8.2's JSON log this file reads.
struct RegistryLogLine: Decodable {
    let msg: String?
    let method: String?
    let uri: String?
    let status: Int?
    let written: Int?
    let contentType: String?
    let userAgent: String?
    let errorCode: String?

    enum CodingKeys: String, CodingKey {
        case msg
        case method = "http.request.method"
        case uri = "http.request.uri"
        case status = "http.response.status"
        case written = "http.response.written"
        case contentType = "http.request.contenttype"
        case userAgent = "http.request.useragent"
        case errorCode = "err.code"
    }
}

/// One request to the token server.
public struct TokenServerRequest: Sendable, Equatable {
    /// GET (Docker token protocol) or POST (OAuth2 form).
    public let method: String
    /// The user name presented (Basic credentials, or the form's username;
    /// for a refresh token, the user it was issued to); nil when anonymous.
    public let user: String?
    /// The scopes asked for, as sent ("repository:NAME:pull,push"; a POST
    /// may put several in one, separated by spaces).
    public let scopes: [String]
    /// The access granted, one "TYPE:NAME:ACTIONS" per resource; empty when refused.
    public let granted: [String]
    public let status: Int
    /// POST only: "password" or "refresh_token".
    public let grantType: String?

    init(_ line: TokenLogLine) {
        method = line.method
        user = line.user
        scopes = line.scopes
        granted = line.granted ?? []
        status = line.status
        grantType = line.grantType
    }
}

struct TokenLogLine: Decodable {
    let method: String
    let user: String?
    let scopes: [String]
    let granted: [String]?
    let status: Int
    let grantType: String?

    enum CodingKeys: String, CodingKey {
        case method, user, scopes, granted, status
        case grantType = "grant_type"
    }
}
