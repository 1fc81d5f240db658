// A response body as a pull stream, decoding its framing (Content-Length, chunked,
// or until the server closes). Read to the end, it hands the connection back for reuse.
import BerthImage

package final class HTTPBody: ByteStream {
    enum Framing {
        case length(Int64)
        case chunked
        case untilClose
    }

    private enum ChunkState {
        case needSize
        case inChunk(Int64)
        case needChunkEnd
        case done
    }

    private static let chunkLineLimit = 4096

    private var connection: HTTPConnection?
    private let framing: Framing
    private let url: String
    private let isReusable: Bool
    private let release: (HTTPConnection) -> Void
    private var remaining: Int64 = 0
    private var chunkState = ChunkState.needSize
    package private(set) var isComplete = false
    /// Content-Length when the server sent one.
    package let declaredLength: Int64?

    init(connection: HTTPConnection, framing: Framing, url: String, isReusable: Bool, release: @escaping (HTTPConnection) -> Void) {
        self.connection = connection
        self.framing = framing
        self.url = url
        self.isReusable = isReusable
        self.release = release
        if case .length(let length) = framing {
            remaining = length
            declaredLength = length
        } else {
            declaredLength = nil
        }
        if case .length(0) = framing { finish() }
    }

    /// An empty body with no connection behind it.
    init(url: String) {
        framing = .length(0)
        self.url = url
        isReusable = false
        release = { _ in }
        declaredLength = 0
        isComplete = true
    }

    deinit {
        // Unread bytes leave the connection mid-response: it can only be closed.
        connection?.close()
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !isComplete, let connection, buffer.count > 0 else { return 0 }
        switch framing {
        case .length:
            let n = try connection.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<Int(min(Int64(buffer.count), remaining))]))
            if n == 0 {
                throw RegistryError.connectionClosed(address: connection.address, during: "sending the body of \(url) (\(remaining) bytes missing)")
            }
            remaining -= Int64(n)
            if remaining == 0 { finish() }
            return n
        case .untilClose:
            let n = try connection.read(into: buffer)
            if n == 0 { finish() }
            return n
        case .chunked:
            return try readChunked(into: buffer, connection)
        }
    }

    private func readChunked(into buffer: UnsafeMutableRawBufferPointer, _ connection: HTTPConnection) throws -> Int {
        while true {
            switch chunkState {
            case .needSize:
                let line = try connection.readLine(limit: Self.chunkLineLimit, url: url)
                let sizeText = line.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0].trimmingSpaces()
                guard !sizeText.isEmpty, sizeText.count <= 15, let size = Int64(sizeText, radix: 16) else {
                    throw RegistryError.malformedResponse(url: url, reason: "bad chunk size \"\(line.prefix(40))\"")
                }
                if size == 0 {
                    // Trailer fields up to the empty line; berth has no use for them.
                    while try !connection.readLine(limit: Self.chunkLineLimit, url: url).isEmpty {}
                    chunkState = .done
                    finish()
                    return 0
                }
                chunkState = .inChunk(size)
            case .inChunk(let left):
                let n = try connection.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<Int(min(Int64(buffer.count), left))]))
                if n == 0 {
                    throw RegistryError.connectionClosed(address: connection.address, during: "sending the chunked body of \(url)")
                }
                chunkState = left == Int64(n) ? .needChunkEnd : .inChunk(left - Int64(n))
                return n
            case .needChunkEnd:
                guard try connection.readLine(limit: Self.chunkLineLimit, url: url).isEmpty else {
                    throw RegistryError.malformedResponse(url: url, reason: "chunk data longer than its size")
                }
                chunkState = .needSize
            case .done:
                return 0
            }
        }
    }

    /// The whole body, refusing more than `limit` bytes (manifests, token answers, errors).
    package func readAll(limit: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        if let declaredLength {
            guard declaredLength <= Int64(limit) else {
                discard()
                throw RegistryError.bodyTooLarge(url: url, limit: limit)
            }
            result.reserveCapacity(Int(declaredLength))
        }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = try chunk.withUnsafeMutableBytes { (raw) throws in try read(into: raw) }
            if n == 0 { return result }
            if result.count + n > limit {
                discard()
                throw RegistryError.bodyTooLarge(url: url, limit: limit)
            }
            result.append(contentsOf: chunk[..<n])
        }
    }

    /// Reads the rest when it is small, so the connection can be reused; closes it otherwise.
    package func skip(upTo limit: Int = 64 * 1024) {
        if isComplete { return }
        if case .length(let length) = framing, length <= Int64(limit) {
            _ = try? readAll(limit: limit)
        } else if case .chunked = framing {
            _ = try? readAll(limit: limit)
        }
        discard()
    }

    /// Abandons the body and closes its connection.
    package func discard() {
        if isComplete { return }
        connection?.close()
        connection = nil
        isComplete = true
    }

    private func finish() {
        isComplete = true
        guard let connection else { return }
        self.connection = nil
        if isReusable { release(connection) } else { connection.close() }
    }
}
