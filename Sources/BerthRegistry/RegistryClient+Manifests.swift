// Manifests, tags and the catalog over the distribution API (OCI distribution spec
// §"Pulling manifests", §"Pushing manifests", §"Listing tags").
package import BerthImage

/// A manifest or index as the registry sent it.
package struct FetchedManifest: Sendable {
    package var bytes: [UInt8]
    package var mediaType: String
    package var digest: Digest
}

extension RegistryClient {
    /// Manifests and indexes are small; a bigger answer is refused (containers/image
    /// uses the same 4 MiB bound).
    package static let manifestLimit = 4 << 20

    static let acceptedManifestTypes = [
        MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest, MediaType.dockerManifestList,
        MediaType.dockerSchema1Signed, MediaType.dockerSchema1,
    ]

    /// GET /v2/<repository>/manifests/<reference>; a digest reference is checked against the bytes.
    package func manifest(_ repository: String, reference: String) throws -> FetchedManifest {
        let display = "\(registry)/\(repository)" + (reference.hasPrefix("sha256:") ? "@" : ":") + reference
        let response = try send("GET", "/v2/\(repository)/manifests/\(reference)",
                                headers: ["Accept": Self.acceptedManifestTypes.joined(separator: ", ")],
                                scopes: [repositoryScope(repository, push: false)])
        if response.status == 404 {
            let detail = Self.errorDetail(response)
            if detail.contains("NAME_UNKNOWN") || detail.contains("MANIFEST_UNKNOWN") || detail.isEmpty {
                throw RegistryError.manifestUnknown(reference: display)
            }
            throw RegistryError.unexpectedStatus(operation: "reading manifest \(display)", url: response.url.description, status: 404, detail: detail)
        }
        guard response.isSuccess else { throw failure(response, operation: "reading manifest \(display)") }
        let bytes: [UInt8]
        do {
            bytes = try response.body.readAll(limit: Self.manifestLimit)
        } catch RegistryError.bodyTooLarge {
            throw RegistryError.invalidManifest(reference: display, reason: "larger than \(Self.manifestLimit >> 20) MiB")
        }
        let digest = Digest.of(bytes)
        if let pinned = Digest(parsing: reference), pinned != digest {
            throw ImageError.digestMismatch(what: "manifest \(display)", expected: pinned.description, actual: digest.description)
        }
        let mediaType = try Self.mediaType(of: bytes, header: response.headers["Content-Type"], display: display)
        return FetchedManifest(bytes: bytes, mediaType: mediaType, digest: digest)
    }

    /// The document's own mediaType wins over Content-Type, which registries get wrong;
    /// without either, the shape tells a manifest from an index.
    static func mediaType(of bytes: [UInt8], header: String?, display: String) throws -> String {
        struct Probe: Decodable {
            var schemaVersion: Int?
            var mediaType: String?
            var manifests: [Descriptor]?
            var config: Descriptor?
            var fsLayers: [FSLayer]?
            struct FSLayer: Decodable {}
        }
        let probe: Probe
        do {
            probe = try JSONCoding.decode(Probe.self, from: bytes, location: display)
        } catch {
            throw RegistryError.invalidManifest(reference: display, reason: "not valid JSON (\(error))")
        }
        if probe.schemaVersion == 1 || probe.fsLayers != nil {
            throw RegistryError.invalidManifest(reference: display, reason: "Docker schema 1 manifests are not supported; push the image again with a current client")
        }
        if let type = probe.mediaType, !type.isEmpty { return type }
        let headerType = header.map { String($0.split(separator: ";")[0]).trimmingSpaces() } ?? ""
        if [MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest, MediaType.dockerManifestList].contains(headerType) {
            return headerType
        }
        if probe.manifests != nil { return MediaType.ociIndex }
        if probe.config != nil { return MediaType.ociManifest }
        throw RegistryError.invalidManifest(reference: display, reason: "neither a manifest nor an index")
    }

    /// PUT /v2/<repository>/manifests/<reference>.
    package func putManifest(_ repository: String, reference: String, bytes: [UInt8], mediaType: String) throws {
        let display = "\(registry)/\(repository):\(reference)"
        let response = try send("PUT", "/v2/\(repository)/manifests/\(reference)", headers: ["Content-Type": mediaType],
                                body: .bytes(bytes), scopes: [repositoryScope(repository, push: true)])
        defer { response.body.skip() }
        guard response.status == 201 || response.isSuccess else {
            throw failure(response, operation: "writing manifest \(display)")
        }
    }

    /// GET /v2/<repository>/tags/list, following `Link` pages.
    package func tags(_ repository: String) throws -> [String] {
        struct Page: Decodable { var tags: [String]? }
        return try pages("/v2/\(repository)/tags/list", scopes: [repositoryScope(repository, push: false)],
                         operation: "listing tags of \(registry)/\(repository)") { bytes, location in
            try JSONCoding.decode(Page.self, from: bytes, location: location).tags ?? []
        }
    }

    package enum Catalog: Sendable {
        case listed([String])
        /// The registry does not offer it to us: the HTTP status it answered.
        case unavailable(status: Int)
    }

    /// GET /v2/_catalog. Public registries answer 401 or 404 whoever asks: that is
    /// "no catalog", not a failed login.
    package func catalog() throws -> Catalog {
        struct Page: Decodable { var repositories: [String]? }
        do {
            return .listed(try pages("/v2/_catalog", scopes: ["registry:catalog:*"], operation: "listing repositories of \(registry)") { bytes, location in
                try JSONCoding.decode(Page.self, from: bytes, location: location).repositories ?? []
            })
        } catch RegistryError.unexpectedStatus(_, _, let status, _) where [401, 403, 404, 405].contains(status) {
            return .unavailable(status: status)
        } catch RegistryError.unauthorized(_, let detail) where options.credentials == nil || detail.hasPrefix("access denied") {
            // With credentials given, a 401 is about them, and stays an error.
            return .unavailable(status: 401)
        }
    }

    private func pages(_ first: String, scopes: [String], operation: String,
                       decode: ([UInt8], String) throws -> [String]) throws -> [String] {
        var next: String? = first
        var result: [String] = []
        var seen = 0
        while let path = next, seen < 1000 {
            seen += 1
            let response = try send("GET", path, scopes: scopes)
            guard response.isSuccess else { throw failure(response, operation: operation) }
            let bytes = try response.body.readAll(limit: 16 << 20)
            result += try decode(bytes, response.url.description)
            next = Self.nextPage(response.headers["Link"])
        }
        return result
    }

    /// `Link: </v2/_catalog?last=x&n=100>; rel="next"`.
    static func nextPage(_ link: String?) -> String? {
        guard let link, link.contains("rel=\"next\""), let open = link.firstIndex(of: "<"), let close = link.firstIndex(of: ">"),
              open < close
        else { return nil }
        return String(link[link.index(after: open)..<close])
    }
}
