// A private scratch directory under root/tmp for one writer: blobs and layers are
// built there and renamed into place under the store lock. The writer holds a flock
// on <area>.lock while it lives, so a later command can tell an abandoned area
// (its writer died: kill -9, power loss) from a live one and sweep only the former.
import BerthSystem
import Glibc

package final class IngestArea: @unchecked Sendable {
    package let path: String
    private let lock: FileLock

    package init(store: ImageStore) throws {
        try store.prepare()
        let name = "ingest-\(RandomID.hex(8))"
        path = store.tmpDir + "/" + name
        lock = try ImageError.wrap { () throws in
            let lock = try FileLock.exclusive(store.tmpDir + "/" + name + ".lock")
            try FileSystem.makeDirectories(store.tmpDir + "/" + name, mode: 0o700)
            return lock
        }
    }

    /// A fresh path inside the area.
    package func newPath(_ label: String) -> String { path + "/" + label + "-" + RandomID.hex(6) }

    /// Removes the area; safe to call more than once.
    package func discard() {
        try? FileSystem.removeTree(path)
        try? FileSystem.unlinkIfPresent(lock.path)
        lock.unlock()
    }

    deinit { discard() }

    /// Removes areas whose writer is gone (their lock is free).
    static func sweepAbandoned(in tmpDir: String) {
        for name in (try? FileSystem.list(tmpDir)) ?? [] where name.hasSuffix(".lock") {
            let area = tmpDir + "/" + String(name.dropLast(5))
            guard let lock = try? FileLock.tryExclusive(tmpDir + "/" + name) else { continue }
            try? FileSystem.removeTree(area)
            try? FileSystem.unlinkIfPresent(tmpDir + "/" + name)
            lock.unlock()
        }
    }
}
