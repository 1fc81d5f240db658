// The sha256 of files a build hashed before, keyed by what stat says about them
// (device, inode, size, mtime and ctime in nanoseconds, mode), as BuildKit's
// content-hash cache does: a rebuild with nothing changed hashes no file again.
// Persisted under ROOT/build-cache/ with an atomic rename; a damaged or foreign
// file is ignored (the cache is only ever a shortcut, never the truth).
package import BerthImage
import BerthSystem
import Glibc
import Synchronization

package final class ContextDigestCache: Sendable {
    static let fileName = "context-digests"
    static let header = "berth-context-digests 1"
    /// Beyond this many entries only those used since loading are kept.
    static let entryLimit = 200_000

    private struct State {
        var entries: [String: String] = [:]
        var used: Set<String> = []
        var isDirty = false
        var filesHashed = 0
    }

    /// nil: in memory only (tests, `--no-cache` still hashes).
    package let path: String?
    private let state: Mutex<State>

    /// Loads the cache in `directory` (ROOT/build-cache), made when missing.
    package init(directory: String?) {
        guard let directory else {
            path = nil
            state = Mutex(State())
            return
        }
        let path = directory + "/" + Self.fileName
        self.path = path
        state = Mutex(State(entries: Self.load(path)))
    }

    /// Entries of a well-formed cache file; empty for a missing or damaged one.
    private static func load(_ path: String) -> [String: String] {
        guard let bytes = try? FileSystem.readFile(path, limit: 64 << 20) else { return [:] }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        guard lines.first == Substring(header) else { return [:] }
        var entries: [String: String] = [:]
        for line in lines.dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count == 2, Digest.isHex64(String(fields[1])) else { return [:] }
            entries[String(fields[0])] = String(fields[1])
        }
        return entries
    }

    /// How many files had their content read through this cache (tests, timing).
    package var filesHashed: Int { state.withLock { $0.filesHashed } }

    static func key(_ st: stat) -> String {
        "\(st.st_dev):\(st.st_ino):\(st.st_size):\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec):\(st.st_ctim.tv_sec).\(st.st_ctim.tv_nsec):\(st.st_mode)"
    }

    /// The sha256 of the regular file `item`'s content: from the cache when its
    /// stat is unchanged, else read and remembered.
    package func digest(of item: MergedRootfs.Item) throws -> Digest {
        let key = Self.key(item.status)
        let cached: String? = state.withLock { state in
            guard let hex = state.entries[key] else { return nil }
            state.used.insert(key)
            return hex
        }
        if let cached { return Digest(hex: cached) }
        let fd = try item.openForReading()
        let hasher = SHA256Hasher()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = try ImageError.wrap { try buffer.withUnsafeMutableBytes { (raw) throws in try fd.read(into: raw, path: item.path) } }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        let digest = hasher.finish()
        // A file that changed while it was read keeps no entry: its new stat
        // will be read again next time.
        if let after = try? fd.status(), Self.key(after) == key {
            state.withLock { state in
                state.entries[key] = digest.hex
                state.used.insert(key)
                state.isDirty = true
                state.filesHashed += 1
            }
        } else {
            state.withLock { $0.filesHashed += 1 }
        }
        return digest
    }

    /// Writes the cache back when it learned something (atomic, not fsynced:
    /// losing it costs only rehashing).
    package func save() throws {
        guard let path else { return }
        let text: String? = state.withLock { state in
            guard state.isDirty else { return nil }
            state.isDirty = false
            var keep = state.entries
            if keep.count > Self.entryLimit { keep = keep.filter { state.used.contains($0.key) } }
            var lines = [Self.header]
            lines.reserveCapacity(keep.count + 1)
            for (key, hex) in keep { lines.append(key + " " + hex) }
            return lines.joined(separator: "\n") + "\n"
        }
        guard let text else { return }
        try FileSystem.makeDirectories(FileSystem.dirname(of: path), mode: 0o700)
        try AtomicFile.write(text, to: path, mode: 0o600, durable: false)
    }
}
