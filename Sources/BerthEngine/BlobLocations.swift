// Which registry repositories are known to hold a blob, so a push to another
// repository of the same registry can ask for a cross-repository mount instead of
// uploading (podman keeps the same knowledge in its blob-info cache). A hint only:
// losing the file costs an upload, never correctness.
import BerthImage
import BerthSystem
import FoundationEssentials

struct BlobLocations {
    /// Enough for many images; the oldest entries go first.
    static let limit = 4096
    let store: ImageStore

    private var path: String { store.root + "/cache/blob-locations.json" }

    private struct Entry: Codable {
        var digest: Digest
        var repositories: [String]
    }

    /// Notes that `repository` ("registry/path") holds `digests`.
    func remember(_ digests: [Digest], at repository: String) {
        _ = try? FileSystem.makeDirectories(store.root + "/cache", mode: 0o700)
        guard let lock = try? FileLock.exclusive(path + ".lock") else { return }
        defer { lock.unlock() }
        var entries = load()
        for digest in digests {
            var entry = entries.first(where: { $0.digest == digest }) ?? Entry(digest: digest, repositories: [])
            entries.removeAll { $0.digest == digest }
            entry.repositories.removeAll { $0 == repository }
            entry.repositories.insert(repository, at: 0)
            entry.repositories = Array(entry.repositories.prefix(8))
            entries.append(entry)
        }
        if entries.count > Self.limit { entries.removeFirst(entries.count - Self.limit) }
        try? AtomicFile.write(JSONCoding.encode(entries), to: path, mode: 0o600, durable: false)
    }

    /// Repositories ("registry/path") known to hold `digest`, most recent first.
    func repositories(holding digest: Digest) -> [String] {
        load().first(where: { $0.digest == digest })?.repositories ?? []
    }

    private func load() -> [Entry] {
        guard let bytes = try? FileSystem.readFile(path) else { return [] }
        return (try? JSONCoding.decode([Entry].self, from: bytes, location: path)) ?? []
    }
}
