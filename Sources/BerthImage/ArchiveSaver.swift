// Writes images from the store as docker-archive (uncompressed layers named by
// diff ID, as podman and docker write them), oci-archive or an OCI layout
// directory (blobs copied as stored, so digests survive a round trip).
package import BerthSystem
import Glibc

package enum ArchiveFormat: String, CaseIterable, Sendable {
    case dockerArchive = "docker-archive"
    case ociArchive = "oci-archive"
    case ociDir = "oci-dir"
}

/// An image to save and the names to record for it in the archive.
package struct SaveItem {
    package var image: ImageRecord
    package var names: [String]

    package init(image: ImageRecord, names: [String]) {
        self.image = image
        self.names = names
    }
}

package struct ArchiveSaver {
    let store: ImageStore

    package init(store: ImageStore) { self.store = store }

    /// Writes to a temp name beside `output` and renames at the end, so a failed
    /// save never leaves a half-written archive under the user's name.
    package func save(_ items: [SaveItem], format: ArchiveFormat, to output: String) throws {
        let dir = FileSystem.dirname(of: FileSystem.absolute(output))
        let temp = "\(dir)/.\(FileSystem.basename(of: output)).berth-\(RandomID.hex(4))"
        do {
            switch format {
            case .dockerArchive:
                try withTarFile(temp) { (tar) throws in try writeDockerArchive(items, tar) }
            case .ociArchive:
                try withTarFile(temp) { (tar) throws in try writeOCILayout(items, into: TarSink(tar: tar)) }
            case .ociDir:
                try ImageError.wrap { () throws in try FileSystem.makeDirectories(temp + "/blobs/sha256") }
                try writeOCILayout(items, into: DirectorySink(root: temp))
            }
            if format == .ociDir, FileSystem.isDirectory(output) {
                try ImageError.wrap { () throws in try FileSystem.removeTree(output) }
            }
            try ImageError.wrap { () throws in try FileSystem.rename(temp, output) }
        } catch {
            try? FileSystem.removeTree(temp)
            throw error
        }
    }

    /// Streams a tar format to an open descriptor, such as a pipe: nothing to rename,
    /// and a reader sees a truncated archive if berth fails part-way, as with podman.
    package func save(_ items: [SaveItem], format: ArchiveFormat, streamingTo fd: FileDescriptor, name: String) throws {
        let tar = TarWriter(fd: fd, path: name)
        switch format {
        case .dockerArchive: try writeDockerArchive(items, tar)
        case .ociArchive: try writeOCILayout(items, into: TarSink(tar: tar))
        case .ociDir: throw ImageError.invalidArgument("an oci-dir cannot be written to \(name): use --output DIR")
        }
        try tar.finish()
    }

    private func withTarFile(_ path: String, _ body: (TarWriter) throws -> Void) throws {
        let fd = try ImageError.wrap { () throws in try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o644) }
        let tar = TarWriter(fd: fd, path: path)
        try body(tar)
        try tar.finish()
        try ImageError.wrap { () throws in try fd.sync(path: path) }
    }

    private struct DockerManifestEntry: Encodable {
        var Config: String
        var RepoTags: [String]?
        var Layers: [String]
    }

    private func writeDockerArchive(_ items: [SaveItem], _ tar: TarWriter) throws {
        var written = Set<String>()
        var entries: [DockerManifestEntry] = []
        for item in items {
            let configName = item.image.id + ".json"
            if written.insert(configName).inserted { try tar.file(configName, store.configBytes(of: item.image)) }
            var layerNames: [String] = []
            for chainID in item.image.layers {
                let layer = try store.layer(chainID)
                let name = layer.diffID.hex + ".tar"
                layerNames.append(name)
                guard written.insert(name).inserted else { continue }
                let blob = try FileStream(path: store.blobPath(layer.blob))
                try tar.file(name, size: layer.size, from: DecompressingStream(blob, location: "layer \(layer.blob)"))
            }
            entries.append(DockerManifestEntry(Config: configName, RepoTags: item.names.isEmpty ? nil : item.names, Layers: layerNames))
        }
        try tar.file("manifest.json", JSONCoding.encode(entries))
    }

    private func writeOCILayout(_ items: [SaveItem], into sink: any LayoutSink) throws {
        try sink.file("oci-layout", Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
        var written = Set<Digest>()
        var descriptors: [Descriptor] = []
        for item in items {
            var manifest = try store.manifest(of: item.image)
            let config = try store.configBytes(of: item.image)
            // A pull that found a layer unpacked already did not fetch the registry's
            // blob for it: describe the layers by the blobs the store has.
            let complete = manifest.layers.allSatisfy { store.hasBlob($0.digest) }
            if !complete {
                manifest.layers = try item.image.layers.map { chainID in
                    let layer = try store.layer(chainID)
                    return Descriptor(mediaType: layer.blobMediaType, digest: layer.blob, size: layer.blobSize)
                }
            }
            var oci = manifest
            oci.mediaType = MediaType.ociManifest
            oci.config.mediaType = ociType(manifest.config.mediaType)
            oci.layers = manifest.layers.map { var l = $0; l.mediaType = ociType(l.mediaType); return l }
            // Keep the stored bytes (and so the digest) when they are OCI already.
            let isOCI = complete && item.image.manifestMediaType == MediaType.ociManifest && manifest.mediaType != MediaType.dockerManifest
            let manifestBytes = isOCI ? try store.readBlob(item.image.manifestDigest) : JSONCoding.encode(oci)
            let manifestDigest = Digest.of(manifestBytes)
            for layer in manifest.layers where written.insert(layer.digest).inserted {
                try sink.blob(layer.digest, size: layer.size, from: FileStream(path: store.blobPath(layer.digest)))
            }
            if written.insert(manifest.config.digest).inserted { try sink.blob(manifest.config.digest, config) }
            if written.insert(manifestDigest).inserted { try sink.blob(manifestDigest, manifestBytes) }
            let names = item.names.isEmpty ? [nil] : item.names.map { Optional($0) }
            for name in names {
                descriptors.append(Descriptor(mediaType: MediaType.ociManifest, digest: manifestDigest, size: Int64(manifestBytes.count),
                                              annotations: name.map { ["org.opencontainers.image.ref.name": $0] }))
            }
        }
        try sink.file("index.json", JSONCoding.encode(ImageIndex(manifests: descriptors)))
    }
}

/// Where an OCI layout's files go: a tar stream or a directory.
private protocol LayoutSink {
    func file(_ name: String, _ bytes: [UInt8]) throws
    func blob(_ digest: Digest, size: Int64, from stream: any ByteStream) throws
}

extension LayoutSink {
    func blob(_ digest: Digest, _ bytes: [UInt8]) throws {
        try file("blobs/sha256/" + digest.hex, bytes)
    }
}

private final class TarSink: LayoutSink {
    let tar: TarWriter
    private var madeDirectories = false

    init(tar: TarWriter) { self.tar = tar }

    private func directories() throws {
        guard !madeDirectories else { return }
        madeDirectories = true
        try tar.directory("blobs")
        try tar.directory("blobs/sha256")
    }

    func file(_ name: String, _ bytes: [UInt8]) throws {
        if name.hasPrefix("blobs/") { try directories() }
        try tar.file(name, bytes)
    }

    func blob(_ digest: Digest, size: Int64, from stream: any ByteStream) throws {
        try directories()
        try tar.file("blobs/sha256/" + digest.hex, size: size, from: stream)
    }
}

private struct DirectorySink: LayoutSink {
    let root: String

    func file(_ name: String, _ bytes: [UInt8]) throws {
        try ImageError.wrap { () throws in try AtomicFile.write(bytes, to: root + "/" + name) }
    }

    func blob(_ digest: Digest, size: Int64, from stream: any ByteStream) throws {
        let path = root + "/blobs/sha256/" + digest.hex
        let fd = try ImageError.wrap { () throws in try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = try chunk.withUnsafeMutableBytes { (buf) throws in try stream.read(into: buf) }
            if n == 0 { break }
            try ImageError.wrap { () throws in
                try chunk.withUnsafeBytes { (buf) throws in try fd.write(UnsafeRawBufferPointer(rebasing: buf[0..<n]), path: path) }
            }
        }
    }
}
