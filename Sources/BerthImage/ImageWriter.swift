// Puts a new image into the store: streams each missing layer blob once through
// digest checks, decompression and the unpacker into a private ingest area, then
// publishes blobs, layers and the record under the store lock. A failure at any
// point leaves the store as it was: nothing is visible until the final renames.
import BerthSystem
import FoundationEssentials
import Glibc

/// One layer as an archive or registry offers it.
package struct LayerSource {
    /// The blob digest the manifest promises; nil when the source has no manifest
    /// (docker-archive), in which case the digest is computed.
    package var expectedDigest: Digest?
    package var mediaType: String?
    package var location: String
    package var open: () throws -> any ByteStream
    /// Told the staged file of the blob once its digest checked out, before the
    /// image is published (a pull keeps it for a retry if the image fails).
    package var verified: ((String, Digest) -> Void)?

    package init(expectedDigest: Digest?, mediaType: String?, location: String,
                 open: @escaping () throws -> any ByteStream) {
        self.expectedDigest = expectedDigest
        self.mediaType = mediaType
        self.location = location
        self.open = open
    }
}

/// An image about to be stored.
package struct PendingImage {
    /// The manifest as received; nil to have an OCI manifest written for it.
    package var manifestBytes: [UInt8]?
    package var configBytes: [UInt8]
    /// For `import`: builds the config once the layers' diff IDs are known;
    /// `configBytes` is ignored then.
    package var makeConfig: (([Digest]) throws -> [UInt8])?
    package var layers: [LayerSource]
    package var names: [ImageReference]
    package var location: String
    /// How many layers may be fetched and unpacked at once.
    package var parallelism = 1
    /// Other manifest digests the image is known by (the index it was pulled through).
    package var extraDigests: [Digest] = []
    /// How the archive it came from names it, as written there (RepoTags, an OCI
    /// ref.name such as "latest"): what `pull oci:DIR:REF` selects by.
    package var archiveRefs: [String] = []

    package init(manifestBytes: [UInt8]?, configBytes: [UInt8], layers: [LayerSource], names: [ImageReference], location: String) {
        self.manifestBytes = manifestBytes
        self.configBytes = configBytes
        self.makeConfig = nil
        self.layers = layers
        self.names = names
        self.location = location
    }
}

package final class ImageWriter: @unchecked Sendable {
    let store: ImageStore

    package init(store: ImageStore) { self.store = store }

    private struct StagedLayer {
        var record: LayerRecord
        /// The unpacked directory in the ingest area, nil when the store had it.
        var stagedDir: String?
        var stagedBlob: String?
    }

    package func write(_ image: PendingImage) throws -> ImageRecord {
        if let makeConfig = image.makeConfig {
            // The layer is unpacked once to learn its diff ID; publishing then
            // finds everything staged and unpacks nothing again.
            let area = try IngestArea(store: store)
            defer { area.discard() }
            var diffIDs: [Digest] = []
            var staged: [StagedLayer] = []
            for (index, layer) in image.layers.enumerated() {
                let stagedLayer = try stage(layer, diffID: nil, chainID: nil, parent: nil, area: area)
                diffIDs.append(stagedLayer.record.diffID)
                staged.append(stagedLayer)
                _ = index
            }
            var resolved = image
            resolved.configBytes = try makeConfig(diffIDs)
            resolved.makeConfig = nil
            let config = try JSONCoding.decode(ImageConfig.self, from: resolved.configBytes, location: "\(image.location): image config")
            let chains = chainIDs(of: diffIDs).map(\.hex)
            for index in staged.indices {
                staged[index].record.chainID = chains[index]
                staged[index].record.parent = index > 0 ? chains[index - 1] : nil
            }
            if let record = try publish(resolved, config: config, manifest: nil, layers: staged) { return record }
            throw ImageError.conflict("\(image.location): the store kept changing under this command; try again")
        }
        let config = try JSONCoding.decode(ImageConfig.self, from: image.configBytes, location: "\(image.location): image config")
        let diffIDs = config.rootfs.diff_ids
        guard diffIDs.count == image.layers.count else {
            throw ImageError.invalidDocument(reason: "config lists \(diffIDs.count) layers but the image has \(image.layers.count)", location: image.location)
        }
        var manifest: Manifest?
        if let bytes = image.manifestBytes {
            let parsed = try JSONCoding.decode(Manifest.self, from: bytes, location: "\(image.location): manifest")
            let actual = Digest.of(image.configBytes)
            guard parsed.config.digest == actual else {
                throw ImageError.digestMismatch(what: "\(image.location): config", expected: parsed.config.digest.description, actual: actual.description)
            }
            manifest = parsed
        }
        let chains = chainIDs(of: diffIDs).map(\.hex)
        let area = try IngestArea(store: store)
        defer { area.discard() }

        var staged: [StagedLayer?] = Array(repeating: nil, count: chains.count)
        for attempt in 0..<3 {
            let todo = chains.indices.filter { index in
                staged[index] == nil || (attempt > 0 && staged[index]?.stagedDir == nil && !store.hasLayer(chains[index]))
            }
            // Layers are independent until publishing: a pull fetches and unpacks them side by side.
            let shared = UncheckedSendable((self, image.layers, diffIDs, chains, area))
            let results = try ParallelWork.map(todo.count, width: image.parallelism) { job in
                let (writer, layers, diffIDs, chains, area) = shared.value
                let index = todo[job]
                return UncheckedSendable(try writer.stage(layers[index], diffID: diffIDs[index], chainID: chains[index],
                                                          parent: index > 0 ? chains[index - 1] : nil, area: area))
            }
            for (job, result) in results.enumerated() { staged[todo[job]] = result.value }
            let layers = staged.map { $0! }
            if let record = try publish(image, config: config, manifest: manifest, layers: layers) { return record }
            // A concurrent rmi removed a layer we meant to share: stage it again.
        }
        throw ImageError.conflict("\(image.location): the store kept changing under this command; try again")
    }

    /// Brings one layer into the ingest area, or notes that the store has it.
    /// `diffID` and `chainID` are nil when not known yet (import): the layer is
    /// then always unpacked and its diff ID computed rather than checked.
    private func stage(_ source: LayerSource, diffID: Digest?, chainID: String?, parent: String?, area: IngestArea) throws -> StagedLayer {
        let haveLayer = chainID.map { store.hasLayer($0) } ?? false
        let existing = haveLayer ? try? store.layer(chainID!) : nil
        let blobKnown: Bool = {
            if let expected = source.expectedDigest { return store.hasBlob(expected) }
            return existing.map { store.hasBlob($0.blob) } ?? false
        }()
        if let existing, haveLayer, !blobKnown {
            // Unpacked already from another blob of the same content (an uncompressed
            // one from an archive): nothing to fetch. The manifest then names a blob
            // the store does not hold; save and push describe the layer by its own.
            return StagedLayer(record: existing, stagedDir: nil, stagedBlob: nil)
        }
        if let existing, blobKnown {
            var record = existing
            if let expected = source.expectedDigest, expected != existing.blob {
                // Same content, another compression: keep the layer, point at this blob.
                record.blob = expected
                record.blobMediaType = source.mediaType ?? record.blobMediaType
                record.blobSize = (try? FileSystem.size(store.blobPath(expected))) ?? record.blobSize
            }
            return StagedLayer(record: record, stagedDir: nil, stagedBlob: nil)
        }
        let blobPath = area.newPath("blob")
        let blobFile = try ImageError.wrap { () throws in
            try FileDescriptor.open(blobPath, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
        }
        let raw = TeeHashStream(try source.open(), copyTo: blobFile, copyPath: blobPath)
        let dir = area.newPath("layer")
        try ImageError.wrap { () throws in try FileSystem.makeDirectories(dir + "/diff", exactMode: 0o755) }
        let decompressed = try DecompressingStream(raw, location: source.location)
        let compression = decompressed.format
        if let promised = source.mediaType.flatMap({ Compression.promised(by: $0) }), promised != compression {
            throw ImageError.decompression(reason: "layer is \(compression.rawValue) data but its media type \(source.mediaType!) says \(promised.rawValue)", location: source.location)
        }
        // The blob side (receive, hash, keep, inflate) runs ahead on a thread of its own.
        let content = TeeHashStream(PrefetchStream(decompressed))
        let unpacker = try LayerUnpacker(directory: dir + "/diff", location: source.location, options: UnpackOptions.current())
        try unpacker.unpack(TarReader(content, location: source.location))
        // Whatever follows the end-of-archive blocks is part of the diff ID too.
        try content.drain()
        let actualDiffID = content.finish()
        if let diffID, actualDiffID != diffID {
            throw ImageError.digestMismatch(what: "\(source.location): uncompressed layer", expected: diffID.description, actual: actualDiffID.description)
        }
        let blobDigest = raw.finish()
        if let expected = source.expectedDigest, expected != blobDigest {
            throw ImageError.digestMismatch(what: source.location, expected: expected.description, actual: blobDigest.description)
        }
        try ImageError.wrap { () throws in try blobFile.sync(path: blobPath) }
        source.verified?(blobPath, blobDigest)
        let record = LayerRecord(chainID: chainID ?? "", diffID: actualDiffID, parent: parent, size: content.count,
                                 blob: blobDigest, blobMediaType: source.mediaType ?? MediaType.ociLayer(for: compression), blobSize: raw.count)
        return StagedLayer(record: record, stagedDir: dir, stagedBlob: blobPath)
    }

    /// Publishes everything under the lock; nil when a shared layer vanished meanwhile.
    private func publish(_ image: PendingImage, config: ImageConfig, manifest: Manifest?, layers: [StagedLayer]) throws -> ImageRecord? {
        let manifestBytes = image.manifestBytes ?? synthesizedManifest(image.configBytes, layers: layers.map(\.record))
        let manifestDigest = Digest.of(manifestBytes)
        let mediaType = manifest?.mediaType ?? MediaType.ociManifest
        return try store.withLock { () throws -> ImageRecord? in
            for layer in layers where layer.stagedDir == nil && !store.hasLayer(layer.record.chainID) { return nil }
            try ImageError.wrap { () throws in
                for layer in layers {
                    if let blob = layer.stagedBlob, !store.hasBlob(layer.record.blob) {
                        try FileSystem.rename(blob, store.blobPath(layer.record.blob))
                    }
                    if let dir = layer.stagedDir, !store.hasLayer(layer.record.chainID) {
                        try AtomicFile.write(JSONCoding.encode(layer.record), to: dir + "/layer.json", mode: 0o600)
                        try? FileSystem.removeTree(store.layerDir(layer.record.chainID)) // an incomplete leftover
                        try FileSystem.rename(dir, store.layerDir(layer.record.chainID))
                    }
                }
                try writeBlobIfMissing(image.configBytes)
                try writeBlobIfMissing(manifestBytes)
                AtomicFile.syncDirectory(store.blobsDir)
                AtomicFile.syncDirectory(store.layersDir)
            }
            let id = Digest.of(image.configBytes).hex
            let names = image.names.map(\.description)
            try ImageNames.take(names, for: id, in: store)
            var record = try store.image(id: id) ?? ImageRecord(
                id: id, names: [], manifestDigest: manifestDigest, manifestMediaType: mediaType,
                configDigest: Digest(hex: id), layers: layers.map(\.record.chainID),
                size: layers.reduce(Int64(image.configBytes.count + manifestBytes.count)) { $0 + $1.record.size },
                created: config.created, stored: Date().timeIntervalSince1970)
            for name in names where !record.names.contains(name) { record.names.append(name) }
            if image.manifestBytes != nil { record.manifestDigest = manifestDigest; record.manifestMediaType = mediaType }
            for digest in image.extraDigests where !(record.otherDigests ?? []).contains(digest) {
                record.otherDigests = (record.otherDigests ?? []) + [digest]
            }
            try store.writeImage(record)
            return record
        }
    }

    func writeBlobIfMissing(_ bytes: [UInt8]) throws {
        let digest = Digest.of(bytes)
        if !store.hasBlob(digest) { try AtomicFile.write(bytes, to: store.blobPath(digest), mode: 0o600) }
    }

    private func synthesizedManifest(_ configBytes: [UInt8], layers: [LayerRecord]) -> [UInt8] {
        let configDescriptor = Descriptor(mediaType: MediaType.ociConfig, digest: Digest.of(configBytes), size: Int64(configBytes.count))
        let layerDescriptors = layers.map { Descriptor(mediaType: ociType($0.blobMediaType), digest: $0.blob, size: $0.blobSize) }
        return JSONCoding.encode(Manifest(mediaType: MediaType.ociManifest, config: configDescriptor, layers: layerDescriptors))
    }
}

/// Docker layer media types translated to their OCI equivalents.
package func ociType(_ mediaType: String) -> String {
    switch mediaType {
    case MediaType.dockerLayerGzip: return MediaType.ociLayerGzip
    case MediaType.dockerLayer: return MediaType.ociLayer
    case MediaType.dockerConfig: return MediaType.ociConfig
    case MediaType.dockerManifest: return MediaType.ociManifest
    case MediaType.dockerManifestList: return MediaType.ociIndex
    default: return mediaType
    }
}
