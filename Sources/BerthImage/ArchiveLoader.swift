// Reads the images of a docker-archive, an oci-archive or an OCI layout directory
// into PendingImages for the ImageWriter. Nothing here writes to the store.
import BerthSystem
import Glibc

package enum ArchiveLoader {
    /// Manifests, configs and indexes are small; anything bigger is refused.
    static let documentLimit = 4 << 20

    package static func images(in contents: any ArchiveContents) throws -> [PendingImage] {
        if contents.contains("manifest.json") { return try dockerArchive(contents) }
        if contents.contains("index.json") { return try ociLayout(contents) }
        throw ImageError.invalidArchive(
            reason: "payload does not match any of the supported image formats (docker-archive: no manifest.json; oci-archive or oci-dir: no index.json)",
            location: contents.location)
    }

    /// Opens `path`: a directory is an OCI layout, a file a tar (compressed tars are
    /// decompressed to `scratch` first, since the index needs random access).
    package static func open(_ path: String, scratch: () throws -> String) throws -> any ArchiveContents {
        if FileSystem.isDirectory(path) { return DirectoryContents(directory: path) }
        let head = try FileStream(path: path, offset: 0, length: min(8, (try? FileSystem.size(path)) ?? 0)).readAll(limit: 8, what: path)
        if head.isEmpty { throw ImageError.invalidArchive(reason: "empty file", location: path) }
        if let format = Compression.detect(head), format != .none {
            let plain = try scratch()
            let out = try ImageError.wrap { () throws in try FileDescriptor.open(plain, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600) }
            let stream = try DecompressingStream(try FileStream(path: path), location: path)
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let n = try chunk.withUnsafeMutableBytes { (buf) throws in try stream.read(into: buf) }
                if n == 0 { break }
                try ImageError.wrap { () throws in try out.write(Array(chunk[0..<n]), path: plain) }
            }
            return try TarIndex(path: plain)
        }
        return try TarIndex(path: path)
    }

    // MARK: docker-archive

    private struct DockerManifestEntry: Decodable {
        var Config: String
        var RepoTags: [String]?
        var Layers: [String]
    }

    private static func dockerArchive(_ contents: any ArchiveContents) throws -> [PendingImage] {
        let where_ = "\(contents.location): manifest.json"
        let entries = try JSONCoding.decode([DockerManifestEntry].self, from: contents.read("manifest.json", limit: documentLimit), location: where_)
        guard !entries.isEmpty else { throw ImageError.invalidArchive(reason: "manifest.json lists no images", location: contents.location) }
        var images: [PendingImage] = []
        for entry in entries {
            let config = try contents.read(entry.Config, limit: documentLimit)
            var layers: [LayerSource] = []
            for name in entry.Layers {
                // Docker 25+ writes layers as OCI blobs: their name is their digest.
                let digest = name.hasPrefix("blobs/sha256/") ? Digest(parsing: "sha256:" + String(name.dropFirst(13))) : nil
                layers.append(LayerSource(expectedDigest: digest, mediaType: nil, location: "\(contents.location): \(name)",
                                          open: try contents.opener(name)))
            }
            var names: [ImageReference] = []
            for tag in entry.RepoTags ?? [] { names.append(try ImageReference.parse(tag)) }
            var image = PendingImage(manifestBytes: nil, configBytes: config, layers: layers, names: names,
                                     location: contents.location)
            image.archiveRefs = entry.RepoTags ?? []
            images.append(image)
        }
        return images
    }

    // MARK: OCI layout

    private static func blobName(_ digest: Digest) -> String { "blobs/sha256/" + digest.hex }

    private static func ociLayout(_ contents: any ArchiveContents) throws -> [PendingImage] {
        let index = try JSONCoding.decode(ImageIndex.self, from: contents.read("index.json", limit: documentLimit),
                                          location: "\(contents.location): index.json")
        var images: [PendingImage] = []
        for descriptor in index.manifests {
            let name = descriptor.annotations?["io.containerd.image.name"] ?? descriptor.annotations?["org.opencontainers.image.ref.name"]
            let manifestDescriptor = try selectManifest(descriptor, contents)
            let bytes = try verifiedBlob(manifestDescriptor, contents)
            let manifest = try JSONCoding.decode(Manifest.self, from: bytes, location: "\(contents.location): manifest \(manifestDescriptor.digest)")
            let config = try verifiedBlob(manifest.config, contents)
            var layers: [LayerSource] = []
            for layer in manifest.layers {
                guard MediaType.isLayer(layer.mediaType) else {
                    throw ImageError.invalidDocument(reason: "unsupported layer media type \(layer.mediaType)", location: contents.location)
                }
                layers.append(LayerSource(expectedDigest: layer.digest, mediaType: layer.mediaType,
                                          location: "\(contents.location): layer \(layer.digest)",
                                          open: try contents.opener(blobName(layer.digest))))
            }
            var names: [ImageReference] = []
            // A bare tag ("latest") names no repository; such images load unnamed.
            if let name, name.contains("/") || name.contains(":"), let reference = try? ImageReference.parse(name) {
                names.append(reference)
            }
            var image = PendingImage(manifestBytes: bytes, configBytes: config, layers: layers, names: names,
                                     location: contents.location)
            image.archiveRefs = name.map { [$0] } ?? []
            images.append(image)
        }
        guard !images.isEmpty else { throw ImageError.invalidArchive(reason: "index.json lists no images", location: contents.location) }
        return images
    }

    /// Picks this machine's platform from a nested index.
    private static func selectManifest(_ descriptor: Descriptor, _ contents: any ArchiveContents) throws -> Descriptor {
        switch descriptor.mediaType {
        case MediaType.ociManifest, MediaType.dockerManifest:
            return descriptor
        case MediaType.ociIndex, MediaType.dockerManifestList:
            let index = try JSONCoding.decode(ImageIndex.self, from: verifiedBlob(descriptor, contents),
                                              location: "\(contents.location): index \(descriptor.digest)")
            let arch = HostPlatform.architecture
            guard let match = index.manifests.first(where: { $0.platform?.architecture == arch && $0.platform?.os == "linux" }) else {
                throw ImageError.invalidArchive(reason: "no image for linux/\(arch) in index \(descriptor.digest)", location: contents.location)
            }
            return try selectManifest(match, contents)
        case MediaType.dockerSchema1, MediaType.dockerSchema1Signed:
            throw ImageError.invalidDocument(reason: "Docker schema 1 manifests are not supported", location: contents.location)
        default:
            throw ImageError.invalidDocument(reason: "unsupported manifest media type \"\(descriptor.mediaType)\"", location: contents.location)
        }
    }

    private static func verifiedBlob(_ descriptor: Descriptor, _ contents: any ArchiveContents) throws -> [UInt8] {
        let bytes = try contents.read(blobName(descriptor.digest), limit: documentLimit)
        let actual = Digest.of(bytes)
        guard actual == descriptor.digest else {
            throw ImageError.digestMismatch(what: "\(contents.location): \(blobName(descriptor.digest))", expected: descriptor.digest.description, actual: actual.description)
        }
        return bytes
    }
}

package enum HostPlatform {
    /// The OCI architecture name of this machine.
    package static var architecture: String {
        var info = utsname()
        uname(&info)
        let machine = withUnsafePointer(to: info.machine) { $0.withMemoryRebound(to: CChar.self, capacity: 65) { String(cString: $0) } }
        switch machine {
        case "x86_64": return "amd64"
        case "aarch64": return "arm64"
        case "armv7l": return "arm"
        case "i686", "i386": return "386"
        default: return machine
        }
    }
}
