// `pull`: a manifest (through an index to this machine's platform), the config,
// and every layer fetched side by side, each streamed once through digest checks,
// decompression and the unpacker (ImageWriter) before anything is published.
package import BerthImage
import BerthRegistry
import BerthSystem
import Synchronization

/// The platform to pick from an index: --os, --arch, --variant or --platform.
package struct PlatformChoice: Sendable, Equatable {
    package var os: String
    package var architecture: String
    package var variant: String?

    package static var host: PlatformChoice { PlatformChoice(os: "linux", architecture: HostPlatform.architecture, variant: nil) }

    package init(os: String, architecture: String, variant: String?) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }

    /// "os/arch[/variant]".
    package init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), !parts.contains(where: \.isEmpty) else {
            throw ImageError.invalidArgument("invalid platform \"\(text)\": expected OS/ARCH[/VARIANT]")
        }
        self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
    }

    package var description: String { [os, architecture, variant].compactMap { $0 }.joined(separator: "/") }

    func matches(_ platform: Platform) -> Bool {
        guard platform.os == os, platform.architecture == architecture else { return false }
        guard let variant else { return true }
        // arm64's only variant is v8; an index may leave it out.
        return platform.variant == variant || (platform.variant == nil && architecture == "arm64" && variant == "v8")
    }

    /// Among entries that match, lower is better: without a variant asked for, the
    /// newest 32-bit arm one a v7 machine runs, and plain entries before variants.
    func preference(_ platform: Platform) -> Int {
        if variant != nil { return 0 }
        switch architecture {
        case "arm": return ["v7": 0, "v6": 1, "v5": 2][platform.variant ?? ""] ?? 3
        case "arm64": return platform.variant == nil || platform.variant == "v8" ? 0 : 1
        default: return platform.variant == nil ? 0 : 1
        }
    }

    /// The index entry for this platform, or nil.
    func choose(from manifests: [Descriptor]) -> Descriptor? {
        let candidates = manifests.enumerated().compactMap { entry -> (Int, Int, Descriptor)? in
            guard let platform = entry.element.platform, matches(platform) else { return nil }
            return (preference(platform), entry.offset, entry.element)
        }
        return candidates.min { ($0.0, $0.1) < ($1.0, $1.1) }?.2
    }
}

package struct PullOptions: Sendable {
    package var registry: RegistryOptions
    package var platform: PlatformChoice
    package var allTags: Bool

    package init(registry: RegistryOptions = RegistryOptions(), platform: PlatformChoice = .host, allTags: Bool = false) {
        self.registry = registry
        self.platform = platform
        self.allTags = allTags
    }
}

/// What a pull tells its watcher as it goes; called from several threads.
package enum TransferEvent: Sendable {
    case trying(String)
    case gettingSignatures
    /// A layer the store (or the registry, on push) already has.
    case blobSkipped(Digest)
    case blobStarted(Digest, size: Int64)
    case blobProgress(Digest, bytes: Int64)
    case blobDone(Digest)
    case config(Digest)
    case writingManifest
    /// Something the user should know that does not stop the transfer.
    case warning(String)
}

package typealias TransferObserver = @Sendable (TransferEvent) -> Void

package struct PullReport: Sendable {
    package var imageIDs: [String]
}

extension Engine {
    /// How many layers one pull fetches at once.
    static let pullParallelism = 3
    /// Configs are small JSON documents.
    static let configLimit = 16 << 20

    package func pull(_ text: String, options: PullOptions, observer: @escaping TransferObserver) throws -> PullReport {
        let access = try RegistryAccess(options.registry)
        let candidates = try access.candidates(text)
        var failures: [String] = []
        for candidate in candidates {
            do {
                if options.allTags {
                    let report = PullReport(imageIDs: try pullAllTags(candidate, access: access, options: options, observer: observer))
                    recordEvent(.image("pull", name: candidate.description))
                    return report
                }
                observer(.trying(candidate.description))
                let report = PullReport(imageIDs: [try pull(candidate, access: access, options: options, observer: observer)])
                recordEvent(.image("pull", name: candidate.description))
                return report
            } catch let error as RegistryError where candidates.count > 1 {
                // A short name: as podman, any registry that cannot give the image
                // (unknown, refused, unreachable) passes on to the next one. What the
                // image itself is wrong about (digests, layers) stops the pull.
                let text = "\(error)"
                failures.append(text.contains(candidate.repository) ? text : "\(candidate): \(text)")
            }
        }
        throw ImageError.invalidArgument("\(text): no registry in unqualified-search-registries has it: " + failures.joined(separator: "; "))
    }

    private func pullAllTags(_ reference: ImageReference, access: RegistryAccess, options: PullOptions,
                             observer: @escaping TransferObserver) throws -> [String] {
        guard reference.digest == nil else {
            throw ImageError.invalidArgument("--all-tags cannot be used with a digest: \(reference)")
        }
        let endpoint = try access.endpoints(for: reference).last!
        let client = try access.client(for: endpoint.reference, insecure: endpoint.insecure)
        var ids: [String] = []
        for tag in try client.tags(endpoint.reference.path) {
            var tagged = reference
            tagged.tag = tag
            observer(.trying(tagged.description))
            let id = try pull(tagged, access: access, options: options, observer: observer)
            if !ids.contains(id) { ids.append(id) }
        }
        return ids
    }

    /// Pulls one reference through its mirrors, then its registry.
    private func pull(_ reference: ImageReference, access: RegistryAccess, options: PullOptions,
                      observer: @escaping TransferObserver) throws -> String {
        let endpoints = try access.endpoints(for: reference)
        var lastError: (any Error)?
        for endpoint in endpoints {
            do {
                let client = try access.client(for: endpoint.reference, insecure: endpoint.insecure)
                return try pull(reference, from: endpoint.reference, client: client, options: options, observer: observer)
            } catch where endpoint.isMirror {
                lastError = error
            }
        }
        throw lastError ?? ImageError.imageNotKnown(reference.description)
    }

    private func pull(_ reference: ImageReference, from source: ImageReference, client: RegistryClient, options: PullOptions,
                      observer: @escaping TransferObserver) throws -> String {
        let repository = source.path
        let top = try client.manifest(repository, reference: source.digest?.description ?? source.tag ?? "latest")
        var fetched = top
        var indexDigest: Digest?
        if top.mediaType == MediaType.ociIndex || top.mediaType == MediaType.dockerManifestList {
            let index = try JSONCoding.decode(ImageIndex.self, from: top.bytes, location: "\(source): index")
            guard let chosen = options.platform.choose(from: index.manifests) else {
                let offered = index.manifests.compactMap { $0.platform.map { [$0.os, $0.architecture, $0.variant].compactMap { $0 }.joined(separator: "/") } }
                throw ImageError.invalidArgument("\(source): no image found in manifest list for architecture \(options.platform.description); the index offers \(offered.isEmpty ? "none" : offered.joined(separator: ", "))")
            }
            fetched = try client.manifest(repository, reference: chosen.digest.description)
            guard fetched.digest == chosen.digest else {
                throw ImageError.digestMismatch(what: "\(source): manifest", expected: chosen.digest.description, actual: fetched.digest.description)
            }
            indexDigest = top.digest
        }
        guard fetched.mediaType == MediaType.ociManifest || fetched.mediaType == MediaType.dockerManifest else {
            throw RegistryError.invalidManifest(reference: source.description, reason: "unsupported manifest media type \"\(fetched.mediaType)\"")
        }
        let manifest: Manifest
        do {
            manifest = try JSONCoding.decode(Manifest.self, from: fetched.bytes, location: "\(source): manifest")
        } catch {
            throw RegistryError.invalidManifest(reference: source.description, reason: "\(error)")
        }
        for layer in manifest.layers where !MediaType.isLayer(layer.mediaType) {
            throw RegistryError.invalidManifest(reference: source.description, reason: "unsupported layer media type \"\(layer.mediaType)\"")
        }
        observer(.gettingSignatures)
        let configBytes = try (try? store.readBlob(manifest.config.digest, limit: Self.configLimit)).flatMap { Digest.of($0) == manifest.config.digest ? $0 : nil }
            ?? client.smallBlob(repository, digest: manifest.config.digest, limit: Self.configLimit)
        let config = try JSONCoding.decode(ImageConfig.self, from: configBytes, location: "\(source): config")
        let configPlatform = Platform(architecture: config.architecture, os: config.os, variant: config.variant)
        if !options.platform.matches(configPlatform) {
            observer(.warning("image platform (\(config.os)/\(config.architecture)\(config.variant.map { "/" + $0 } ?? "")) does not match the expected platform (\(options.platform.description))"))
        }
        let chains = chainIDs(of: config.rootfs.diff_ids)

        let cache = VerifiedBlobCache(store: store)
        var layers: [LayerSource] = []
        for (index, layer) in manifest.layers.enumerated() {
            if index < chains.count, store.hasLayer(chains[index].hex) {
                observer(.blobSkipped(layer.digest))
            }
            let store = self.store
            var layerSource = LayerSource(
                expectedDigest: layer.digest, mediaType: layer.mediaType, location: "\(source): layer \(layer.digest)",
                open: {
                    observer(.blobStarted(layer.digest, size: layer.size))
                    // A blob fetched earlier but not unpacked for this image is read from disk;
                    // one that vanished meanwhile (a racing prune) is fetched after all.
                    let local = store.hasBlob(layer.digest) ? store.blobPath(layer.digest) : cache.verifiedPath(layer.digest)
                    let stream: any ByteStream = local.flatMap { try? FileStream(path: $0) }
                        ?? client.blob(repository, digest: layer.digest, size: layer.size)
                    return ProgressStream(stream, digest: layer.digest, observer: observer)
                })
            layerSource.verified = { path, digest in cache.keep(path, as: digest) }
            layers.append(layerSource)
        }
        var names: [ImageReference] = []
        if reference.tag != nil || reference.digest != nil { names.append(reference) }
        var pending = PendingImage(manifestBytes: fetched.bytes, configBytes: configBytes, layers: layers, names: names,
                                   location: source.description)
        pending.parallelism = Self.pullParallelism
        if let indexDigest { pending.extraDigests = [indexDigest] }
        let record = try ImageWriter(store: store).write(pending)
        cache.forget(manifest.layers.map(\.digest))
        observer(.config(manifest.config.digest))
        observer(.writingManifest)
        BlobLocations(store: store).remember(manifest.layers.map(\.digest), at: "\(client.registry)/\(repository)")
        return record.id
    }
}

/// Counts the bytes a layer stream delivers for the progress display.
final class ProgressStream: ByteStream {
    private let base: any ByteStream
    private let digest: Digest
    private let observer: TransferObserver
    private var count: Int64 = 0
    private var reported: Int64 = 0
    private var finished = false

    init(_ base: any ByteStream, digest: Digest, observer: @escaping TransferObserver) {
        self.base = base
        self.digest = digest
        self.observer = observer
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try base.read(into: buffer)
        count += Int64(n)
        if n == 0 {
            if !finished { finished = true; observer(.blobDone(digest)) }
        } else if count - reported >= 256 * 1024 {
            reported = count
            observer(.blobProgress(digest, bytes: count))
        }
        return n
    }
}
