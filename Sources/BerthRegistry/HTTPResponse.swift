// A response: status, reason, headers, and the body as a stream that hands its
// connection back to the pool once read to the end.
package struct HTTPResponse {
    package let status: Int
    package let reason: String
    package let headers: HTTPHeaders
    /// The URL that answered, after any redirects.
    package let url: URLParts
    package let body: HTTPBody

    package var isSuccess: Bool { (200..<300).contains(status) }
}

/// The status line and headers, parsed from the bytes before the empty line.
struct HTTPResponseHead {
    let version: String
    let status: Int
    let reason: String
    let headers: HTTPHeaders

    init(parsing bytes: ArraySlice<UInt8>, url: String) throws {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)[...]
        guard let statusLine = lines.popFirst() else { throw RegistryError.malformedResponse(url: url, reason: "empty response") }
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3,
              let status = Int(parts[1]), (100...599).contains(status)
        else {
            throw RegistryError.malformedResponse(url: url, reason: "bad status line \"\(statusLine.prefix(80))\"")
        }
        version = String(parts[0])
        self.status = status
        reason = parts.count > 2 ? String(parts[2]) : ""
        var headers = HTTPHeaders()
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex,
                  !line[..<colon].contains(where: { $0 == " " || $0 == "\t" })
            else {
                throw RegistryError.malformedResponse(url: url, reason: "bad header line \"\(line.prefix(80))\"")
            }
            headers.add(String(line[..<colon]), line[line.index(after: colon)...].trimmingSpaces())
        }
        self.headers = headers
    }

    /// Whether the server lets the connection carry another request (RFC 9112 §9.3).
    var allowsReuse: Bool {
        if headers.hasToken("close", in: "Connection") { return false }
        return version == "HTTP/1.1" || headers.hasToken("keep-alive", in: "Connection")
    }
}
