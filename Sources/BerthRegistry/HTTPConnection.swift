// One HTTP/1.1 connection: a transport plus a read buffer, the response-head reader
// (bounded at 64 KiB) and the line reader that chunked framing needs.
final class HTTPConnection: @unchecked Sendable {
    static let headLimit = 64 * 1024
    private static let bufferSize = 64 * 1024

    let transport: any Transport
    /// The pool this connection belongs to: scheme, host:port and proxy.
    let poolKey: String
    /// Requests go out in absolute form (plain http through a forward proxy).
    let usesAbsoluteTarget: Bool
    /// Set once any byte of the current response arrived; a reused connection that
    /// fails before that was closed by the server while idle and the request may be retried.
    private(set) var receivedResponseBytes = false
    private(set) var requestCount = 0

    private var buffer = [UInt8](repeating: 0, count: HTTPConnection.bufferSize)
    private var start = 0
    private var end = 0

    init(transport: any Transport, poolKey: String, usesAbsoluteTarget: Bool) {
        self.transport = transport
        self.poolKey = poolKey
        self.usesAbsoluteTarget = usesAbsoluteTarget
    }

    var address: String { transport.address }

    /// An idle connection with buffered or pending input is out of step with the server.
    var isStale: Bool { start != end || transport.hasPendingInput() }

    func beginRequest() {
        receivedResponseBytes = false
        requestCount += 1
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { (buffer) throws in try transport.write(buffer) }
    }

    func write(_ buffer: UnsafeRawBufferPointer) throws {
        try transport.write(buffer)
    }

    /// Reads through the buffer; large reads with an empty buffer go straight to the caller.
    func read(into destination: UnsafeMutableRawBufferPointer) throws -> Int {
        if start == end {
            if destination.count >= buffer.count { return try transport.read(into: destination) }
            guard try fill() else { return 0 }
        }
        let n = min(destination.count, end - start)
        buffer.withUnsafeBytes { source in
            destination.baseAddress!.copyMemory(from: source.baseAddress! + start, byteCount: n)
        }
        start += n
        return n
    }

    /// The bytes of the status line and headers, without the final empty line.
    func readHead(url: String) throws -> ArraySlice<UInt8> {
        var scanned = start
        while true {
            if let terminator = findTerminator(from: scanned) {
                let head = buffer[start..<terminator]
                start = terminator + 4
                return head
            }
            if end - start >= Self.headLimit { throw RegistryError.headersTooLarge(url: url, limit: Self.headLimit) }
            scanned = max(start, end - 3)
            let before = start
            guard try fill() else {
                if end == start && !receivedResponseBytes {
                    throw RegistryError.connectionClosed(address: address, during: "waiting for the response to \(url)")
                }
                throw RegistryError.malformedResponse(url: url, reason: "connection closed inside the response headers")
            }
            scanned -= before - start
        }
    }

    /// One CRLF-terminated line (chunk sizes, trailers) of at most `limit` bytes.
    func readLine(limit: Int, url: String) throws -> String {
        var scanned = start
        while true {
            if let newline = buffer[scanned..<end].firstIndex(of: UInt8(ascii: "\n")) {
                var lineEnd = newline
                if lineEnd > start && buffer[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                let line = String(decoding: buffer[start..<lineEnd], as: UTF8.self)
                start = newline + 1
                return line
            }
            if end - start > limit { throw RegistryError.malformedResponse(url: url, reason: "chunk header longer than \(limit) bytes") }
            let before = start
            scanned = end
            guard try fill() else {
                throw RegistryError.connectionClosed(address: address, during: "sending the chunked body of \(url)")
            }
            scanned -= before - start
        }
    }

    func close() { transport.close() }

    private func findTerminator(from index: Int) -> Int? {
        var i = max(index, start)
        while i + 3 < end {
            if buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 { return i }
            i += 1
        }
        return nil
    }

    /// Moves unread bytes to the front and reads more; false at end of stream.
    private func fill() throws -> Bool {
        if start > 0 {
            if start < end { buffer.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: $0.baseAddress! + start, byteCount: end - start) } }
            end -= start
            start = 0
        }
        if end == buffer.count { buffer.append(contentsOf: repeatElement(0, count: Self.bufferSize)) }
        let n = try buffer.withUnsafeMutableBytes { (raw) throws in
            try transport.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[end...]))
        }
        if n > 0 { receivedResponseBytes = true }
        end += n
        return n > 0
    }
}
