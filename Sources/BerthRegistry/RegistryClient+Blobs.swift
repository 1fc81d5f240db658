// Blobs: existence checks, reads, cross-repository mounts and uploads (OCI
// distribution spec §"Pushing blobs": monolithic POST+PUT, chunked PATCH…PUT).
package import BerthImage

extension RegistryClient {
    /// HEAD /v2/<repository>/blobs/<digest>: whether the repository has the blob.
    package func hasBlob(_ repository: String, digest: Digest) throws -> Bool {
        let response = try send("HEAD", "/v2/\(repository)/blobs/\(digest)", scopes: [repositoryScope(repository, push: true)])
        response.body.skip()
        switch response.status {
        case 200: return true
        case 404: return false
        default: throw failure(response, operation: "checking blob \(digest) in \(registry)/\(repository)")
        }
    }

    /// The blob as a stream that resumes after dropped connections.
    package func blob(_ repository: String, digest: Digest, size: Int64?) -> BlobDownload {
        BlobDownload(client: self, repository: repository, digest: digest, expectedSize: size)
    }

    /// A small blob (a config) read whole and checked against its digest.
    package func smallBlob(_ repository: String, digest: Digest, limit: Int) throws -> [UInt8] {
        let stream = blob(repository, digest: digest, size: nil)
        let bytes = try stream.readAll(limit: limit, what: "\(registry)/\(repository)@\(digest)")
        let actual = Digest.of(bytes)
        guard actual == digest else {
            throw ImageError.digestMismatch(what: "\(registry)/\(repository)@\(digest)", expected: digest.description, actual: actual.description)
        }
        return bytes
    }

    /// Asks the registry to link a blob it holds in `source` into `repository`
    /// (POST …/uploads/?mount=&from=). True when it did; false when it declined.
    package func mountBlob(_ repository: String, digest: Digest, from source: String) throws -> Bool {
        let response = try send("POST", "/v2/\(repository)/blobs/uploads/?mount=\(digest)&from=\(source)",
                                scopes: [repositoryScope(repository, push: true), repositoryScope(source, push: false)])
        defer { response.body.skip() }
        switch response.status {
        case 201:
            return true
        case 202:
            // It opened an upload instead; cancel it so it does not linger.
            if let location = response.headers["Location"],
               let url = try? response.url.resolving(location) {
                (try? send("DELETE", url.description, scopes: [repositoryScope(repository, push: true)], isRegistryLocation: true))?.body.skip()
            }
            return false
        default:
            return false
        }
    }

    /// Uploads a blob of `size` bytes whose content `open` streams. Small blobs go in one
    /// PUT; big ones in PATCH chunks of `chunkSize`, so a failure costs one chunk, not
    /// the whole layer. A failed upload is started over, up to the retry count.
    package func upload(_ repository: String, digest: Digest, size: Int64, chunkSize: Int64,
                        open: () throws -> any ByteStream) throws {
        var attempt = 0
        var refreshedAuth = false
        while true {
            do {
                try uploadOnce(repository, digest: digest, size: size, chunkSize: chunkSize, open: open)
                return
            } catch let error as RegistryError {
                // The upload may have completed with the answer lost (a proxy's 502).
                if (try? hasBlob(repository, digest: digest)) == true { return }
                if case .unauthorized = error, !refreshedAuth {
                    // A streamed chunk cannot be resent by `send`: a token that ran out
                    // mid-upload is replaced and the upload started over, once.
                    refreshedAuth = true
                    dropToken(for: [repositoryScope(repository, push: true)])
                    continue
                }
                guard (error.isTransient || error.isServerError) && attempt < options.retries else { throw error }
                attempt += 1
                Self.backOff(attempt)
            }
        }
    }

    private func uploadOnce(_ repository: String, digest: Digest, size: Int64, chunkSize: Int64,
                            open: () throws -> any ByteStream) throws {
        let scopes = [repositoryScope(repository, push: true)]
        let operation = "uploading blob \(digest) to \(registry)/\(repository)"
        let start = try send("POST", "/v2/\(repository)/blobs/uploads/", scopes: scopes)
        start.body.skip()
        guard start.status == 202, var location = try uploadLocation(start) else { throw failure(start, operation: operation) }
        let stream = try open()
        if size > chunkSize {
            var sent: Int64 = 0
            while sent < size {
                let length = min(chunkSize, size - sent)
                let response = try send("PATCH", location.description,
                                        headers: ["Content-Type": "application/octet-stream",
                                                  "Content-Range": "\(sent)-\(sent + length - 1)"],
                                        body: .stream(LimitedStream(stream, length: length), length: length), scopes: scopes,
                                        isRegistryLocation: true)
                response.body.skip()
                guard response.status == 202, let next = try uploadLocation(response) else { throw failure(response, operation: operation) }
                location = next
                sent += length
            }
            let finish = try send("PUT", location.appendingQuery("digest=\(digest)").description, scopes: scopes, isRegistryLocation: true)
            defer { finish.body.skip() }
            guard finish.status == 201 || finish.isSuccess else { throw failure(finish, operation: operation) }
        } else {
            let response = try send("PUT", location.appendingQuery("digest=\(digest)").description,
                                    headers: ["Content-Type": "application/octet-stream"],
                                    body: .stream(stream, length: size), scopes: scopes, isRegistryLocation: true)
            defer { response.body.skip() }
            guard response.status == 201 || response.isSuccess else { throw failure(response, operation: operation) }
        }
    }

    private func uploadLocation(_ response: HTTPResponse) throws -> URLParts? {
        guard let location = response.headers["Location"] else { return nil }
        return try response.url.resolving(location)
    }
}

extension URLParts {
    func appendingQuery(_ item: String) -> URLParts {
        var copy = self
        copy.target += (target.contains("?") ? "&" : "?") + item
        return copy
    }
}

extension RegistryError {
    var isServerError: Bool {
        if case .unexpectedStatus(_, _, let status, _) = self { return status >= 500 }
        return false
    }
}

/// The next `length` bytes of a stream, for one PATCH chunk.
final class LimitedStream: ByteStream {
    private let base: any ByteStream
    private var left: Int64

    init(_ base: any ByteStream, length: Int64) {
        self.base = base
        left = length
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard left > 0 else { return 0 }
        let n = try base.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<Int(min(Int64(buffer.count), left))]))
        left -= Int64(n)
        return n
    }
}
