// `push`: the blobs the registry lacks (HEAD first, a cross-repository mount when
// another repository of the same registry holds one), then the manifest. Layers
// kept uncompressed in the store are gzipped once and the result kept beside the
// layer, so the next push of the same layer finds the same blob.
package import BerthImage
import BerthRegistry
import BerthSystem

package enum ManifestFormat: String, Sendable {
    case oci
    case v2s2
}

package struct PushOptions: Sendable {
    package var registry: RegistryOptions
    /// nil keeps the format the image has.
    package var format: ManifestFormat?
    package var digestFile: String?

    package init(registry: RegistryOptions = RegistryOptions(), format: ManifestFormat? = nil, digestFile: String? = nil) {
        self.registry = registry
        self.format = format
        self.digestFile = digestFile
    }
}

package struct PushReport: Sendable {
    package var destination: String
    package var manifestDigest: Digest
}

/// One blob of the push and where its bytes are in the store.
private struct PushBlob: Sendable {
    var descriptor: Descriptor
    var path: String
    var isConfig: Bool
}

extension Engine {
    /// Blobs above this size go up in PATCH chunks of this size.
    static let uploadChunkSize: Int64 = 32 << 20

    package func push(_ source: String, destination: String?, options: PushOptions, observer: @escaping TransferObserver) throws -> PushReport {
        let image = try resolveImage(source)
        guard let destinationText = destination.map(Self.strippingTransport) ?? matchingName(source, in: image) else {
            throw ImageError.invalidArgument("\(source): no destination given and the image has no name to push to; use `push IMAGE DESTINATION`")
        }
        let target = try ImageReference.parse(destinationText)
        let access = try RegistryAccess(options.registry)
        _ = try access.endpoints(for: target) // refuses blocked registries
        let client = try access.client(for: target, insecure: access.isInsecure(target.repository))
        // Gzipped layers wait in an ingest area until the push succeeded: a failed
        // push leaves the store as it was.
        let area = try IngestArea(store: store)
        defer { area.discard() }
        var gzipped: [GzippedLayer] = []
        let (manifestBytes, mediaType, blobs) = try pushPlan(image, format: options.format, area: area, gzipped: &gzipped)
        let repository = target.path
        observer(.gettingSignatures)
        let locations = BlobLocations(store: store)
        let registryPrefix = client.registry + "/"
        // Layers side by side, the config last: podman's order, and a registry that
        // sees the config has seen the layers it names.
        let layers = UncheckedSendable(blobs.filter { !$0.isConfig })
        let send: @Sendable (PushBlob) throws -> Void = { blob in
            let digest = blob.descriptor.digest
            if try client.hasBlob(repository, digest: digest) {
                observer(blob.isConfig ? .config(digest) : .blobSkipped(digest))
                return
            }
            if !blob.isConfig { observer(.blobStarted(digest, size: blob.descriptor.size)) }
            for known in locations.repositories(holding: digest) where known.hasPrefix(registryPrefix) {
                let other = String(known.dropFirst(registryPrefix.count))
                if other != repository, try client.mountBlob(repository, digest: digest, from: other) {
                    observer(blob.isConfig ? .config(digest) : .blobDone(digest))
                    return
                }
            }
            try client.upload(repository, digest: digest, size: blob.descriptor.size, chunkSize: Self.uploadChunkSize) {
                ProgressStream(try FileStream(path: blob.path), digest: digest, observer: { event in
                    if !blob.isConfig { observer(event) }
                })
            }
            observer(blob.isConfig ? .config(digest) : .blobDone(digest))
        }
        _ = try ParallelWork.map(layers.value.count, width: Self.pullParallelism) { index in try send(layers.value[index]) }
        for blob in blobs where blob.isConfig { try send(blob) }
        observer(.writingManifest)
        let manifestDigest = Digest.of(manifestBytes)
        try client.putManifest(repository, reference: target.digest?.description ?? target.tag ?? "latest",
                               bytes: manifestBytes, mediaType: mediaType)
        try keep(gzipped)
        locations.remember(blobs.map(\.descriptor.digest), at: registryPrefix + repository)
        if let path = options.digestFile {
            try ImageError.wrap { () throws in try AtomicFile.write(manifestDigest.description, to: path, mode: 0o644) }
        }
        recordEvent(.image("push", id: image.id, name: target.description))
        return PushReport(destination: target.description, manifestDigest: manifestDigest)
    }

    /// `docker://name` is the transport podman's push understands by default.
    static func strippingTransport(_ text: String) -> String {
        text.hasPrefix("docker://") ? String(text.dropFirst(9)) : text
    }

    /// The manifest to push and the blobs it names. The stored manifest goes out
    /// unchanged when it can (same format asked, every layer compressed), so the
    /// image keeps its digest across registries.
    private func pushPlan(_ image: ImageRecord, format: ManifestFormat?, area: IngestArea,
                          gzipped: inout [GzippedLayer]) throws -> ([UInt8], String, [PushBlob]) {
        let storedIsDocker = image.manifestMediaType == MediaType.dockerManifest
        let wanted = format ?? (storedIsDocker ? .v2s2 : .oci)
        let configBytes = try store.configBytes(of: image)
        let configPath = store.blobPath(image.configDigest)
        var layers: [(LayerRecord, Digest, Int64, Compression)] = []
        var paths: [Digest: String] = [:]
        for chainID in image.layers {
            let layer = try store.layer(chainID)
            let compression = Compression.promised(by: layer.blobMediaType) ?? .none
            if compression == .none {
                let blob = try gzippedBlob(of: layer, area: area)
                if blob.path != store.blobPath(blob.digest) { gzipped.append(blob) }
                paths[blob.digest] = blob.path
                layers.append((layer, blob.digest, blob.size, .gzip))
            } else {
                layers.append((layer, layer.blob, layer.blobSize, compression))
            }
        }
        let path = { (digest: Digest) in paths[digest] ?? self.store.blobPath(digest) }
        if let stored = try? store.readBlob(image.manifestDigest),
           let manifest = try? JSONCoding.decode(Manifest.self, from: stored, location: ""),
           (wanted == .v2s2) == storedIsDocker,
           manifest.layers.map(\.digest) == layers.map(\.1) {
            let blobs = [PushBlob(descriptor: manifest.config, path: configPath, isConfig: true)]
                + manifest.layers.map { PushBlob(descriptor: $0, path: path($0.digest), isConfig: false) }
            return (stored, image.manifestMediaType, blobs)
        }
        var layerDescriptors: [Descriptor] = []
        for (layer, digest, size, compression) in layers {
            let type: String
            switch (wanted, compression) {
            case (.oci, _): type = MediaType.ociLayer(for: compression)
            case (.v2s2, .gzip): type = MediaType.dockerLayerGzip
            case (.v2s2, .none): type = MediaType.dockerLayer
            case (.v2s2, .zstd):
                throw ImageError.invalidArgument("layer \(layer.diffID) is zstd-compressed, which Docker schema 2 cannot describe; push with --format oci")
            }
            layerDescriptors.append(Descriptor(mediaType: type, digest: digest, size: size))
        }
        let config = Descriptor(mediaType: wanted == .oci ? MediaType.ociConfig : MediaType.dockerConfig,
                                digest: image.configDigest, size: Int64(configBytes.count))
        let mediaType = wanted == .oci ? MediaType.ociManifest : MediaType.dockerManifest
        let manifest = Manifest(mediaType: mediaType, config: config, layers: layerDescriptors)
        let blobs = [PushBlob(descriptor: config, path: configPath, isConfig: true)]
            + layerDescriptors.map { PushBlob(descriptor: $0, path: path($0.digest), isConfig: false) }
        return (JSONCoding.encode(manifest), mediaType, blobs)
    }

    /// The gzip blob of an uncompressed layer: the one a push made before (named in
    /// `layers/<chain>/gzip-blob`, kept by garbage collection while the layer lives),
    /// or a new one in `area`.
    private func gzippedBlob(of layer: LayerRecord, area: IngestArea) throws -> GzippedLayer {
        if let digest = store.gzipBlob(ofLayer: layer.chainID), store.hasBlob(digest),
           let size = try? FileSystem.size(store.blobPath(digest)) {
            return GzippedLayer(chainID: layer.chainID, digest: digest, size: size, path: store.blobPath(digest))
        }
        let path = area.newPath("gzip")
        let (digest, size) = try GzipCompressor.compress(try FileStream(path: store.blobPath(layer.blob)), to: path)
        return GzippedLayer(chainID: layer.chainID, digest: digest, size: size, path: path)
    }

    /// After a successful push: the new gzip blobs join the store, for the next push.
    private func keep(_ gzipped: [GzippedLayer]) throws {
        guard !gzipped.isEmpty else { return }
        try store.withLock { () throws in
            try ImageError.wrap { () throws in
                for blob in gzipped where store.hasLayer(blob.chainID) {
                    if !store.hasBlob(blob.digest) { try FileSystem.rename(blob.path, store.blobPath(blob.digest)) }
                    try store.noteGzipBlob(blob.digest, ofLayer: blob.chainID)
                }
            }
        }
    }
}

/// A layer's gzip blob made for a push, and where it is.
private struct GzippedLayer {
    var chainID: String
    var digest: Digest
    var size: Int64
    var path: String
}
