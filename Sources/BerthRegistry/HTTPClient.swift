// The registry client's HTTP/1.1: connections (direct, through a proxy, TLS), request
// writing, response framing, keep-alive reuse and redirects. No FoundationNetworking
// (design.md §7): this is all of berth's HTTP.
import BerthImage
import Synchronization

package final class HTTPClient: Sendable {
    package struct Options: Sendable {
        /// Bounds connecting and every wait for the server's next bytes.
        package var timeoutSeconds: Int
        package var tls: TLSOptions
        package var proxy: ProxySettings
        package var maxRedirects: Int
        package var userAgent: String

        package init(timeoutSeconds: Int = 30, tls: TLSOptions = TLSOptions(), proxy: ProxySettings = .none,
                     maxRedirects: Int = 5, userAgent: String = "berth") {
            self.timeoutSeconds = timeoutSeconds
            self.tls = tls
            self.proxy = proxy
            self.maxRedirects = maxRedirects
            self.userAgent = userAgent
        }
    }

    package let options: Options
    private let pool = ConnectionPool()
    /// Built on first https use: loading the system CA store costs milliseconds.
    private let tlsContext = Mutex<TLSContext?>(nil)
    private let opened = Atomic<Int>(0)

    package init(options: Options = Options()) {
        self.options = options
    }

    deinit { pool.closeAll() }

    /// How many connections this client opened (keep-alive shows as fewer than requests).
    package var connectionsOpened: Int { opened.load(ordering: .relaxed) }

    /// Sends `request`, following redirects; the caller reads or discards the body.
    package func send(_ request: HTTPRequest) throws -> HTTPResponse {
        var current = request
        var hops = 0
        while true {
            let response = try exchange(current)
            guard [301, 302, 303, 307, 308].contains(response.status), let location = response.headers["Location"] else {
                return response
            }
            let keepsMethod = response.status == 307 || response.status == 308
            // A streamed upload cannot be sent twice; the caller sees the redirect.
            if keepsMethod && !current.body.isReplayable { return response }
            hops += 1
            response.body.skip()
            if hops > options.maxRedirects {
                throw RegistryError.tooManyRedirects(url: request.url.description, limit: options.maxRedirects)
            }
            var next = current
            next.url = try current.url.resolving(location)
            if response.status == 303 || (!keepsMethod && current.method == "POST") {
                if next.method != "HEAD" { next.method = "GET" }
                next.body = .none
                next.headers.remove("Content-Type")
                next.headers.remove("Content-Length")
            }
            next.headers.remove("Host")
            // Registries redirect blob reads to storage hosts: credentials stay with the registry.
            if !next.url.hasSameOrigin(as: current.url) {
                next.headers.remove("Authorization")
                next.headers.remove("Cookie")
            }
            current = next
        }
    }

    /// One request and its response head on a pooled or new connection.
    private func exchange(_ request: HTTPRequest) throws -> HTTPResponse {
        let route = options.proxy.proxy(for: request.url)
        let key = "\(request.url.scheme.rawValue)://\(request.url.address)" + (route.map { " via \($0.address)" } ?? "")
        if let connection = pool.take(key) {
            do {
                return try roundTrip(request, on: connection)
            } catch let error as RegistryError {
                // The server may close an idle connection just as we reuse it; a request
                // that got no answer at all is safe to send again on a fresh one.
                connection.close()
                if connection.receivedResponseBytes || !request.body.isReplayable { throw error }
                if case .timedOut = error { throw error }
            }
        }
        let connection = try open(request.url, key: key, proxy: route)
        return try roundTrip(request, on: connection)
    }

    private func open(_ url: URLParts, key: String, proxy: URLParts?) throws -> HTTPConnection {
        let timeout = options.timeoutSeconds
        let socket = try TCPSocket.connect(host: proxy?.host ?? url.host, port: proxy?.port ?? url.port, timeoutSeconds: timeout)
        opened.add(1, ordering: .relaxed)
        guard url.scheme == .https else {
            return HTTPConnection(transport: socket, poolKey: key, usesAbsoluteTarget: proxy != nil)
        }
        if let proxy { try tunnel(through: socket, proxy: proxy, to: url) }
        let stream = try TLSStream(over: socket, host: url.host, port: url.port, context: try context(), timeoutSeconds: timeout)
        return HTTPConnection(transport: stream, poolKey: key, usesAbsoluteTarget: false)
    }

    /// CONNECT host:port (RFC 9110 §9.3.6); TLS to the registry then runs inside the tunnel.
    private func tunnel(through socket: TCPSocket, proxy: URLParts, to url: URLParts) throws {
        var text = "CONNECT \(url.address) HTTP/1.1\r\nHost: \(url.address)\r\nUser-Agent: \(options.userAgent)\r\n"
        if let credentials = proxy.proxyAuthorization { text += "Proxy-Authorization: \(credentials)\r\n" }
        text += "\r\n"
        let connection = HTTPConnection(transport: socket, poolKey: "", usesAbsoluteTarget: false)
        try connection.write(Array(text.utf8))
        let head = try HTTPResponseHead(parsing: try connection.readHead(url: proxy.description), url: proxy.description)
        guard (200..<300).contains(head.status) else {
            throw RegistryError.proxyRefused(proxy: proxy.address, target: url.address, status: head.status, reason: head.reason)
        }
    }

    private func context() throws -> TLSContext {
        try tlsContext.withLock { (cached) throws in
            if let cached { return cached }
            let made = try TLSContext(options.tls)
            cached = made
            return made
        }
    }

    private func roundTrip(_ request: HTTPRequest, on connection: HTTPConnection) throws -> HTTPResponse {
        connection.beginRequest()
        var prepared = request
        if !prepared.headers.contains("User-Agent") { prepared.headers["User-Agent"] = options.userAgent }
        if connection.usesAbsoluteTarget, let credentials = options.proxy.httpProxy?.proxyAuthorization {
            prepared.headers["Proxy-Authorization"] = credentials
        }
        try writeRequest(prepared, on: connection)
        let url = request.url.description
        var head: HTTPResponseHead
        repeat {
            head = try HTTPResponseHead(parsing: try connection.readHead(url: url), url: url)
        } while (100..<200).contains(head.status) && head.status != 101
        let body = try makeBody(head, request: request, connection: connection)
        return HTTPResponse(status: head.status, reason: head.reason, headers: head.headers, url: request.url, body: body)
    }

    private func writeRequest(_ request: HTTPRequest, on connection: HTTPConnection) throws {
        var bytes = request.head(absoluteTarget: connection.usesAbsoluteTarget)
        switch request.body {
        case .none:
            try connection.write(bytes)
        case .bytes(let body):
            bytes += body
            try connection.write(bytes)
        case .stream(let stream, let length):
            try connection.write(bytes)
            var chunk = [UInt8](repeating: 0, count: 256 * 1024)
            var sent: Int64 = 0
            while sent < length {
                let want = Int(min(Int64(chunk.count), length - sent))
                let n = try chunk.withUnsafeMutableBytes { (raw) throws in try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[..<want])) }
                if n == 0 { throw RegistryError.requestBodyTruncated(url: request.url.description, expected: length, sent: sent) }
                try chunk.withUnsafeBytes { (raw) throws in try connection.write(UnsafeRawBufferPointer(rebasing: raw[..<n])) }
                sent += Int64(n)
            }
        }
    }

    /// The body's framing, RFC 9112 §6.3: no body for HEAD, 1xx, 204 and 304; chunked
    /// wins over Content-Length; otherwise the body runs until the server closes.
    private func makeBody(_ head: HTTPResponseHead, request: HTTPRequest, connection: HTTPConnection) throws -> HTTPBody {
        let url = request.url.description
        let release: (HTTPConnection) -> Void = { [pool] in pool.put($0) }
        if request.method == "HEAD" || head.status == 204 || head.status == 304 || head.status < 200 {
            return HTTPBody(connection: connection, framing: .length(0), url: url, isReusable: head.allowsReuse, release: release)
        }
        if head.headers.hasToken("chunked", in: "Transfer-Encoding") {
            return HTTPBody(connection: connection, framing: .chunked, url: url, isReusable: head.allowsReuse, release: release)
        }
        let lengths = Set(head.headers.values("Content-Length").flatMap { $0.split(separator: ",") }.map { $0.trimmingSpaces() })
        if let text = lengths.first {
            guard lengths.count == 1, text.allSatisfy(\.isNumber), let length = Int64(text) else {
                connection.close()
                throw RegistryError.malformedResponse(url: url, reason: "bad Content-Length \"\(lengths.sorted().joined(separator: ", "))\"")
            }
            return HTTPBody(connection: connection, framing: .length(length), url: url, isReusable: head.allowsReuse, release: release)
        }
        return HTTPBody(connection: connection, framing: .untilClose, url: url, isReusable: false, release: release)
    }
}

extension URLParts {
    /// `Basic` credentials from the proxy URL's user:password, percent-decoded.
    var proxyAuthorization: String? {
        guard let userInfo, !userInfo.isEmpty else { return nil }
        return "Basic " + Base64.encode(Array(userInfo.removingPercentEncoding.utf8))
    }
}

extension String {
    var removingPercentEncoding: String {
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
               let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
