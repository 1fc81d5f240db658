// The on-disk, content-addressed store (design.md §3): blobs by digest, unpacked
// layers by chain ID, image records by ID. Writers hold store.lock briefly while
// publishing; immutable content is read without it.
import BerthSystem
import Glibc
import Synchronization

package final class ImageStore: @unchecked Sendable {
    package let root: String
    /// Whether layers are unpacked inside a user namespace (rootless): opaque
    /// directories then use the user.* xattr namespace that overlay's `userxattr` reads.
    package let isRootless: Bool

    package init(root: String, isRootless: Bool) {
        self.root = root
        self.isRootless = isRootless
    }

    package var blobsDir: String { root + "/blobs/sha256" }
    package var layersDir: String { root + "/layers" }
    package var imagesDir: String { root + "/images" }
    package var containersDir: String { root + "/containers" }
    package var tmpDir: String { root + "/tmp" }
    package var lockPath: String { root + "/store.lock" }
    /// Beside a layer kept uncompressed: the digest of its gzip blob, made by a push.
    package static let gzipBlobNote = "gzip-blob"

    /// The gzip blob a push made for this uncompressed layer, if it noted one.
    package func gzipBlob(ofLayer chainID: String) -> Digest? {
        guard let text = try? FileSystem.readText(layerDir(chainID) + "/" + Self.gzipBlobNote) else { return nil }
        return Digest(parsing: String(text.prefix(71)))
    }

    package func noteGzipBlob(_ digest: Digest, ofLayer chainID: String) throws {
        try AtomicFile.write(digest.description, to: layerDir(chainID) + "/" + Self.gzipBlobNote, mode: 0o600)
    }

    package func blobPath(_ digest: Digest) -> String { blobsDir + "/" + digest.hex }
    package func layerDir(_ chainID: String) -> String { layersDir + "/" + chainID }
    package func layerDiffDir(_ chainID: String) -> String { layerDir(chainID) + "/diff" }
    package func imagePath(_ id: String) -> String { imagesDir + "/" + id + ".json" }

    package func hasBlob(_ digest: Digest) -> Bool { FileSystem.exists(blobPath(digest)) }
    package func hasLayer(_ chainID: String) -> Bool { FileSystem.exists(layerDir(chainID) + "/layer.json") }

    /// Creates the directory skeleton; cheap when it exists.
    package func prepare() throws {
        try ImageError.wrap { () throws in
            for dir in [blobsDir, layersDir, imagesDir, containersDir, tmpDir] {
                try FileSystem.makeDirectories(dir, mode: 0o700)
            }
        }
    }

    /// Runs `body` holding the store's exclusive lock, after sweeping what crashed
    /// writers left behind.
    package func withLock<T>(_ body: () throws -> T) throws -> T {
        try prepare()
        let lock = try ImageError.wrap { () throws in try FileLock.exclusive(lockPath) }
        defer { lock.unlock() }
        IngestArea.sweepAbandoned(in: tmpDir)
        return try body()
    }

    /// Locks of the scratch directories this process made, held until it exits
    /// or hands a directory back: a dead writer's directories are swept.
    private static let scratchLocks = Mutex<[String: FileLock]>([:])

    /// A fresh, empty directory under ROOT/tmp (so on the store's filesystem: it can
    /// be renamed into layers/) for a layer being made. It lives while this process
    /// does; when the process dies a later command sweeps it, as an ingest area.
    package func scratchDirectory(purpose: String) throws -> String {
        try prepare()
        let label = purpose.filter { $0.isLetter || $0.isNumber || $0 == "-" }.prefix(32)
        let name = "scratch-\(label.isEmpty ? "layer" : String(label))-\(RandomID.hex(8))"
        let path = tmpDir + "/" + name
        try ImageError.wrap { () throws in
            let lock = try FileLock.exclusive(path + ".lock")
            try FileSystem.makeDirectories(path, mode: 0o755)
            Self.scratchLocks.withLock { $0[path] = lock }
        }
        return path
    }

    /// Removes a scratch directory (whatever is left of it) and drops its lock.
    package func releaseScratchDirectory(_ path: String) {
        try? FileSystem.removeTree(path)
        let lock = Self.scratchLocks.withLock { $0.removeValue(forKey: path) }
        if let lock {
            try? FileSystem.unlinkIfPresent(lock.path)
            lock.unlock()
        }
    }

    package func readBlob(_ digest: Digest, limit: Int = 64 << 20) throws -> [UInt8] {
        let bytes = try ImageError.wrap { () throws in try FileSystem.readFile(blobPath(digest)) }
        guard bytes.count <= limit else { throw ImageError.invalidDocument(reason: "blob too large", location: digest.description) }
        return bytes
    }

    // MARK: records

    package func images() throws -> [ImageRecord] {
        let names = try ImageError.wrap { () throws in try FileSystem.list(imagesDir) }
        var records: [ImageRecord] = []
        for name in names where name.hasSuffix(".json") && !name.hasPrefix(".") {
            // An image removed between listing and reading is simply gone.
            guard let bytes = try? FileSystem.readFile(imagesDir + "/" + name) else { continue }
            records.append(try JSONCoding.decode(ImageRecord.self, from: bytes, location: imagesDir + "/" + name))
        }
        return records.sorted { $0.stored > $1.stored }
    }

    package func image(id: String) throws -> ImageRecord? {
        guard let bytes = try? FileSystem.readFile(imagePath(id)) else { return nil }
        return try JSONCoding.decode(ImageRecord.self, from: bytes, location: imagePath(id))
    }

    package func writeImage(_ record: ImageRecord) throws {
        try ImageError.wrap { () throws in
            try AtomicFile.write(JSONCoding.encode(record), to: imagePath(record.id), mode: 0o600)
        }
    }

    package func layer(_ chainID: String) throws -> LayerRecord {
        let path = layerDir(chainID) + "/layer.json"
        let bytes = try ImageError.wrap { () throws in try FileSystem.readFile(path) }
        return try JSONCoding.decode(LayerRecord.self, from: bytes, location: path)
    }

    package func manifest(of image: ImageRecord) throws -> Manifest {
        try JSONCoding.decode(Manifest.self, from: readBlob(image.manifestDigest), location: "manifest \(image.manifestDigest)")
    }

    package func configBytes(of image: ImageRecord) throws -> [UInt8] {
        try readBlob(image.configDigest)
    }

    package func config(of image: ImageRecord) throws -> ImageConfig {
        try JSONCoding.decode(ImageConfig.self, from: configBytes(of: image), location: "config \(image.configDigest)")
    }

    /// The containers (ID, name) created from each image, by image ID.
    package func imagesUsedByContainers() -> [String: [(id: String, name: String)]] {
        var used: [String: [(id: String, name: String)]] = [:]
        for id in (try? FileSystem.list(containersDir)) ?? [] {
            guard let bytes = try? FileSystem.readFile(containersDir + "/" + id + "/config.json"),
                  let record = try? JSONCoding.decode(ContainerImageLink.self, from: bytes, location: id) else { continue }
            used[record.imageID, default: []].append((id, record.name ?? String(id.prefix(12))))
        }
        return used
    }
}

/// The part of a container record the image store reads: which image it uses.
package struct ContainerImageLink: Codable, Sendable {
    package var imageID: String
    package var name: String?
}
