// A blob as a stream that survives a dropped connection: it asks again for the
// bytes from where it stopped (`Range`), or reads past them when the registry
// ignores ranges, a bounded number of times. The caller verifies the digest.
package import BerthImage

package final class BlobDownload: ByteStream {
    private let client: RegistryClient
    private let repository: String
    private let digest: Digest
    private let expectedSize: Int64?
    private var body: HTTPBody?
    private var offset: Int64 = 0
    private var failures = 0

    package init(client: RegistryClient, repository: String, digest: Digest, expectedSize: Int64?) {
        self.client = client
        self.repository = repository
        self.digest = digest
        self.expectedSize = expectedSize
    }

    private var display: String { "\(client.registry)/\(repository)@\(digest)" }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let expectedSize, offset >= expectedSize {
            // Never read past the size the manifest promised; a longer blob fails its digest.
            if let body, !body.isComplete { body.discard() }
            return 0
        }
        while true {
            do {
                let body = try self.body ?? open()
                self.body = body
                let n = try body.read(into: buffer)
                if n == 0 {
                    if let expectedSize, offset < expectedSize {
                        throw RegistryError.connectionClosed(address: client.registry, during: "sending blob \(digest) (\(offset) of \(expectedSize) bytes)")
                    }
                    return 0
                }
                offset += Int64(n)
                return n
            } catch let error as RegistryError where (error.isTransient || (error.isTimeout && failures == 0)) && failures < client.options.retries + 2 {
                // A stalled blob is asked for once more from where it stopped; a second stall is an error.
                failures += 1
                body?.discard()
                body = nil
                RegistryClient.backOff(failures)
            }
        }
    }

    /// GET the blob, from `offset` on when resuming.
    private func open() throws -> HTTPBody {
        var headers = HTTPHeaders()
        if offset > 0 { headers["Range"] = "bytes=\(offset)-" }
        let response = try client.send("GET", "/v2/\(repository)/blobs/\(digest)", headers: headers,
                                       scopes: [repositoryScope(repository, push: false)])
        switch response.status {
        case 200:
            // The whole blob again: read over what we already have.
            try skip(offset, of: response.body)
            return response.body
        case 206:
            guard let range = response.headers["Content-Range"], range.hasPrefix("bytes \(offset)-") else {
                response.body.discard()
                throw RegistryError.malformedResponse(url: response.url.description, reason: "answered a request for bytes \(offset)- with range \"\(response.headers["Content-Range"] ?? "")\"")
            }
            return response.body
        case 404:
            response.body.skip()
            throw RegistryError.blobUnknown(repository: "\(client.registry)/\(repository)", digest: digest.description)
        case 416:
            response.body.skip()
            throw RegistryError.unexpectedStatus(operation: "reading blob \(display)", url: response.url.description, status: 416,
                                                 detail: "the registry has only \(offset) bytes of a blob the manifest says is \(expectedSize ?? 0) bytes long (truncated blob)")
        default:
            throw client.failure(response, operation: "reading blob \(display)")
        }
    }

    private func skip(_ count: Int64, of body: HTTPBody) throws {
        var left = count
        var scratch = [UInt8](repeating: 0, count: 64 * 1024)
        while left > 0 {
            let want = Int(min(Int64(scratch.count), left))
            let n = try scratch.withUnsafeMutableBytes { (raw) throws in try body.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[..<want])) }
            if n == 0 { throw RegistryError.connectionClosed(address: client.registry, during: "resending blob \(digest)") }
            left -= Int64(n)
        }
    }
}
