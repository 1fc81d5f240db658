// Images made here rather than received: `commit` and each build step. The new
// layers are directories in overlay-upper form already on the store's
// filesystem; each is tarred once (its diff ID, and the uncompressed blob
// `save` and `push` use), then renamed into layers/ with no unpack. As with a
// pull, everything is staged in a private ingest area and published with renames
// under the store lock, so a failure or a kill leaves no half layer visible, and
// a concurrent rmi cannot collect a base layer between the check and the record.
import BerthSystem
import FoundationEssentials
import Glibc

/// Which manifest and media types a local image is written with.
package enum ImageFormat: String, Sendable, CaseIterable {
    case oci
    case docker

    var manifestType: String { self == .oci ? MediaType.ociManifest : MediaType.dockerManifest }
    var configType: String { self == .oci ? MediaType.ociConfig : MediaType.dockerConfig }

    /// A layer blob's media type in this format.
    func layerType(_ stored: String) -> String {
        let oci = ociType(stored)
        guard self == .docker else { return oci }
        switch oci {
        case MediaType.ociLayer: return MediaType.dockerLayer
        case MediaType.ociLayerGzip: return MediaType.dockerLayerGzip
        default: return stored // zstd has no Docker type: keep what the store has
        }
    }
}

package struct LocalImage {
    /// Chain IDs, bottom first, present in the store.
    package var baseLayers: [String]
    /// Overlay-upper directories, bottom first, on the store's filesystem
    /// (scratchDirectory); consumed (renamed in) unless `copiesLayerDirectories`.
    package var newLayerDirectories: [String]
    /// --timestamp: every mtime in the new layers is this.
    package var timestamp: Int64?
    /// Diff IDs of ALL layers (base + new) → the config JSON.
    package var makeConfig: ([Digest]) throws -> [UInt8]
    package var names: [ImageReference]
    package var format: ImageFormat
    /// The manifest's annotations (build's --annotation); nil: none.
    package var annotations: [String: String]?
    /// A build step's image: hidden from `images` without -a (podman).
    package var isIntermediate: Bool
    package var location: String
    /// Copy the new layer directories instead of taking them: a container's
    /// upper dir stays the container's (`commit` of a running container).
    package var copiesLayerDirectories = false

    package init(baseLayers: [String], newLayerDirectories: [String], timestamp: Int64? = nil,
                 makeConfig: @escaping ([Digest]) throws -> [UInt8], names: [ImageReference] = [],
                 format: ImageFormat = .oci, isIntermediate: Bool = false, location: String) {
        self.baseLayers = baseLayers
        self.newLayerDirectories = newLayerDirectories
        self.timestamp = timestamp
        self.makeConfig = makeConfig
        self.names = names
        self.format = format
        self.isIntermediate = isIntermediate
        self.location = location
    }
}

extension ImageWriter {
    private struct LocalLayer {
        var record: LayerRecord
        /// area/layer-X holding diff/ (and layer.json once the chain ID is known).
        var stagedDir: String
        var stagedBlob: String
    }

    package func writeLocal(_ image: LocalImage) throws -> ImageRecord {
        let area = try IngestArea(store: store)
        defer { area.discard() }
        let base = try image.baseLayers.map { chainID in
            guard store.hasLayer(chainID) else {
                throw ImageError.invalidArgument("\(image.location): layer \(chainID) of the base image is not in the store")
            }
            return try store.layer(chainID)
        }
        var staged: [LocalLayer] = []
        for (index, directory) in image.newLayerDirectories.enumerated() {
            staged.append(try stageLocal(directory, index: index, image: image, area: area))
        }
        let diffIDs = base.map(\.diffID) + staged.map(\.record.diffID)
        let chains = chainIDs(of: diffIDs).map(\.hex)
        for index in staged.indices {
            let position = base.count + index
            staged[index].record.chainID = chains[position]
            staged[index].record.parent = position > 0 ? chains[position - 1] : nil
        }
        let configBytes = try image.makeConfig(diffIDs)
        let config = try JSONCoding.decode(ImageConfig.self, from: configBytes, location: "\(image.location): image config")
        guard config.rootfs.diff_ids == diffIDs else {
            throw ImageError.invalidDocument(reason: "config does not list the image's layers", location: image.location)
        }
        let layerRecords = base + staged.map(\.record)
        let manifest = Manifest(
            mediaType: image.format.manifestType,
            config: Descriptor(mediaType: image.format.configType, digest: Digest.of(configBytes), size: Int64(configBytes.count)),
            layers: layerRecords.map { Descriptor(mediaType: image.format.layerType($0.blobMediaType), digest: $0.blob, size: $0.blobSize) })
        var annotated = manifest
        annotated.annotations = image.annotations.flatMap { $0.isEmpty ? nil : $0 }
        let manifestBytes = JSONCoding.encode(annotated)
        return try publishLocal(image, configBytes: configBytes, created: config.created, manifestBytes: manifestBytes,
                                layers: layerRecords, staged: staged)
    }

    /// Tars one new layer into the area (blob and diff ID) and moves or copies its
    /// directory there.
    private func stageLocal(_ directory: String, index: Int, image: LocalImage, area: IngestArea) throws -> LocalLayer {
        let location = "\(image.location): new layer \(index + 1)"
        let blobPath = area.newPath("blob")
        let blob = try ImageError.wrap { () throws in try FileDescriptor.open(blobPath, O_RDWR | O_CREAT | O_EXCL, mode: 0o600) }
        let summary = try LayerTarWriter(directory: directory, location: location, timestamp: image.timestamp)
            .write(to: blob, path: blobPath)
        try ImageError.wrap { () throws in try blob.sync(path: blobPath) }
        let stagedDir = area.newPath("layer")
        try ImageError.wrap { () throws in try FileSystem.makeDirectories(stagedDir, mode: 0o700) }
        // With a timestamp the files on disk must show the times the tar has: the
        // layer is unpacked from its own tar then, as it is for a copy.
        if image.copiesLayerDirectories || image.timestamp != nil {
            try ImageError.wrap { () throws in try FileSystem.makeDirectories(stagedDir + "/diff", exactMode: 0o755) }
            let unpacker = try LayerUnpacker(directory: stagedDir + "/diff", location: location, options: UnpackOptions.current())
            try unpacker.unpack(TarReader(FileStream(path: blobPath), location: location))
            if !image.copiesLayerDirectories { store.releaseScratchDirectory(directory) }
        } else {
            try ImageError.wrap { () throws in try FileSystem.rename(directory, stagedDir + "/diff") }
            store.releaseScratchDirectory(directory)
        }
        let record = LayerRecord(chainID: "", diffID: summary.diffID, parent: nil, size: summary.size,
                                 blob: summary.diffID, blobMediaType: MediaType.ociLayer, blobSize: summary.size)
        return LocalLayer(record: record, stagedDir: stagedDir, stagedBlob: blobPath)
    }

    private func publishLocal(_ image: LocalImage, configBytes: [UInt8], created: String?, manifestBytes: [UInt8],
                              layers: [LayerRecord], staged: [LocalLayer]) throws -> ImageRecord {
        try store.withLock { () throws -> ImageRecord in
            for chainID in image.baseLayers where !store.hasLayer(chainID) {
                throw ImageError.conflict("\(image.location): layer \(chainID) of the base image was removed meanwhile; try again")
            }
            try ImageError.wrap { () throws in
                for layer in staged where !store.hasLayer(layer.record.chainID) {
                    if !store.hasBlob(layer.record.blob) {
                        try FileSystem.rename(layer.stagedBlob, store.blobPath(layer.record.blob))
                    }
                    try AtomicFile.write(JSONCoding.encode(layer.record), to: layer.stagedDir + "/layer.json", mode: 0o600)
                    try? FileSystem.removeTree(store.layerDir(layer.record.chainID)) // an incomplete leftover
                    try FileSystem.rename(layer.stagedDir, store.layerDir(layer.record.chainID))
                }
                // A layer the store had already: its staged copy goes with the area.
                try writeBlobIfMissing(configBytes)
                try writeBlobIfMissing(manifestBytes)
                AtomicFile.syncDirectory(store.blobsDir)
                AtomicFile.syncDirectory(store.layersDir)
            }
            let id = Digest.of(configBytes).hex
            let names = image.names.map(\.description)
            try ImageNames.take(names, for: id, in: store)
            var record: ImageRecord
            if let existing = try store.image(id: id) {
                // The same config again (a cached step, the same commit): one image,
                // visible when either of them is.
                record = existing
                if existing.isIntermediate == true && !image.isIntermediate { record.isIntermediate = nil }
            } else {
                record = ImageRecord(
                    id: id, names: [], manifestDigest: Digest.of(manifestBytes), manifestMediaType: image.format.manifestType,
                    configDigest: Digest(hex: id), layers: layers.map(\.chainID),
                    size: layers.reduce(Int64(configBytes.count + manifestBytes.count)) { $0 + $1.size },
                    created: created, stored: Date().timeIntervalSince1970)
                record.isIntermediate = image.isIntermediate ? true : nil
            }
            for name in names where !record.names.contains(name) { record.names.append(name) }
            try store.writeImage(record)
            return record
        }
    }
}
