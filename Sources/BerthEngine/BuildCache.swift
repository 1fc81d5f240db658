// The build cache: `ROOT/build-cache/steps/<key>` holds the ID of the intermediate
// image a step produced, keyed by everything that decides its result (its parent
// image, the instruction after substitution, the args and env it sees, the content
// of what it copies, its RUN mounts). Shared by every build of the store; a record
// whose image is gone (pruned) is a miss.
import BerthImage
import BerthSystem

/// The inputs of one step's cache key, hashed in a fixed order.
struct BuildCacheKey {
    private var parts: [String] = []

    init(parent: String?, instruction: String) {
        parts = ["parent " + (parent ?? "scratch"), "instruction " + instruction]
    }

    /// Adds a named input (`arg X=1`, `copy sha256:…`, `mount type=cache,…`).
    mutating func add(_ label: String, _ value: String) {
        parts.append(label + " " + value)
    }

    /// Length-prefixed, so no two lists of parts give the same text.
    var digest: Digest {
        Digest.of(parts.map { "\($0.utf8.count):\($0)" }.joined(separator: "\n"))
    }
}

struct BuildCache {
    let store: ImageStore
    var directory: String { store.root + "/build-cache/steps" }

    /// The cached image for `key`, when its record and the image are both there.
    func lookup(_ key: Digest) -> String? {
        guard let text = try? FileSystem.readText(directory + "/" + key.hex) else { return nil }
        let id = text.trimmedSpaces.trimmingNewlines
        guard id.count == 64, FileSystem.exists(store.imagePath(id)) else { return nil }
        return id
    }

    func record(_ key: Digest, image id: String) throws {
        try FileSystem.makeDirectories(directory, mode: 0o700)
        try AtomicFile.write(id + "\n", to: directory + "/" + key.hex, mode: 0o600, durable: false)
    }

    /// Drops records whose image no longer exists (after a prune). Call under the store lock.
    func sweep() throws -> Int {
        guard FileSystem.isDirectory(directory) else { return 0 }
        var removed = 0
        for name in try FileSystem.list(directory) where !name.hasPrefix(".") {
            let id = (try? FileSystem.readText(directory + "/" + name))?.trimmingNewlines ?? ""
            if id.count != 64 || !FileSystem.exists(store.imagePath(id)) {
                try FileSystem.unlinkIfPresent(directory + "/" + name)
                removed += 1
            }
        }
        return removed
    }
}

extension String {
    var trimmingNewlines: String {
        var text = Substring(self)
        while text.last == "\n" || text.last == "\r" { text = text.dropLast() }
        return String(text)
    }
}
