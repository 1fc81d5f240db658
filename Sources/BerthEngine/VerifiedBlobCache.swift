// Blobs a pull downloaded and verified whose image did not make it into the store
// (another layer failed, or the pull was killed): a hard link to the staged file
// in ROOT/cache/blobs, so the next pull reads them from disk instead of the
// network. Kept apart from blobs/, which holds only what published images use;
// garbage collection (rmi, image prune) empties it.
import BerthImage
import BerthSystem

struct VerifiedBlobCache {
    let store: ImageStore

    var directory: String { store.root + "/cache/blobs" }

    func path(_ digest: Digest) -> String { directory + "/" + digest.hex }

    /// The cached file when its content still has `digest` (hashing costs far less
    /// than the download it saves); a damaged entry is removed, so it cannot fail
    /// every later pull.
    func verifiedPath(_ digest: Digest) -> String? {
        let file = path(digest)
        guard FileSystem.exists(file), let stream = try? FileStream(path: file) else { return nil }
        let hashed = TeeHashStream(stream)
        guard (try? hashed.drain()) != nil, hashed.finish() == digest else {
            _ = try? FileSystem.unlinkIfPresent(file)
            return nil
        }
        return file
    }

    /// Links the verified staged file in; a failure only costs a download later.
    func keep(_ stagedPath: String, as digest: Digest) {
        _ = try? FileSystem.makeDirectories(directory, mode: 0o700)
        try? FileSystem.hardLink(stagedPath, to: path(digest))
    }

    /// Forgets blobs that are in blobs/ now.
    func forget(_ digests: [Digest]) {
        for digest in digests { _ = try? FileSystem.unlinkIfPresent(path(digest)) }
    }

    func removeAll() {
        _ = try? FileSystem.removeTree(directory)
    }
}
