// An HTTP request as the client sends it: method, URL, headers and an optional body.
package import BerthImage

package struct HTTPRequest {
    /// Where a request body comes from: bytes in memory can be resent after a redirect
    /// or a stale keep-alive connection; a stream (a blob upload) is sent once.
    package enum Body {
        case none
        case bytes([UInt8])
        case stream(any ByteStream, length: Int64)

        var length: Int64? {
            switch self {
            case .none: return nil
            case .bytes(let bytes): return Int64(bytes.count)
            case .stream(_, let length): return length
            }
        }

        var isReplayable: Bool {
            if case .stream = self { return false }
            return true
        }
    }

    package var method: String
    package var url: URLParts
    package var headers: HTTPHeaders
    package var body: Body

    package init(method: String = "GET", url: URLParts, headers: HTTPHeaders = [:], body: Body = .none) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// Asks for the bytes from `offset` on (resuming a blob download); a server that
    /// honours it answers 206.
    package mutating func setRange(from offset: Int64) {
        headers["Range"] = "bytes=\(offset)-"
    }

    /// The request line and header block; `absoluteTarget` for a forward proxy (RFC 9112 §3.2.2).
    func head(absoluteTarget: Bool) -> [UInt8] {
        let target = absoluteTarget ? url.description : url.target
        var text = "\(method) \(target) HTTP/1.1\r\n"
        if !headers.contains("Host") { text += "Host: \(url.hostHeader)\r\n" }
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let length = body.length, !headers.contains("Content-Length") {
            text += "Content-Length: \(length)\r\n"
        } else if body.length == nil, ["POST", "PUT", "PATCH"].contains(method), !headers.contains("Content-Length") {
            text += "Content-Length: 0\r\n"
        }
        text += "\r\n"
        return Array(text.utf8)
    }
}
