// Reading single entries of a MergedRootfs: stat and lstat, symlink targets,
// and regular files opened or read whole under a size cap.
package import BerthSystem
import Glibc

extension MergedRootfs {
    /// The entry at `path` with a final symlink followed (stat); nil when nothing is there.
    package func status(_ path: String) throws -> RootfsEntry? {
        try node(path, followFinal: true)?.entry
    }

    /// The entry at `path` itself, a symlink not followed (lstat); nil when nothing is there.
    package func linkStatus(_ path: String) throws -> RootfsEntry? {
        try node(path, followFinal: false)?.entry
    }

    /// The target of the symlink at `path`, as stored; nil when nothing is there.
    package func readLink(_ path: String) throws -> String? {
        guard let node = try node(path, followFinal: false) else { return nil }
        guard node.isSymlink else { throw refuse(path, "\(node.entry.kindPhrase), not a symbolic link") }
        return try readLinkTarget(node)
    }

    /// Opens the regular file at `path` (symlinks followed inside the root) for
    /// reading; nil when nothing is there. Anything but a regular file is refused
    /// before it is opened, so a fifo cannot block and a device is never touched;
    /// `limit` refuses a larger file.
    package func openFile(_ path: String, limit: Int64? = nil) throws -> (fd: FileDescriptor, entry: RootfsEntry)? {
        guard let node = try node(path, followFinal: true) else { return nil }
        let entry = node.entry
        guard entry.kind == .regular else { throw refuse(path, "\(entry.kindPhrase), not a regular file") }
        if let limit, entry.size > limit { throw refuse(path, "is larger than \(Self.sizeText(limit))") }
        // Reopening our own O_PATH fd through /proc opens exactly the inode just
        // checked: nothing the container renames meanwhile can swap it.
        let raw = Glibc.open("/proc/self/fd/\(node.fd.raw)", O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard raw >= 0 else { throw failure(path, "opened", errno: errno) }
        return (FileDescriptor(raw: raw), entry)
    }

    /// The whole regular file at `path`, at most `limit` bytes; nil when nothing is there.
    package func readFile(_ path: String, limit: Int) throws -> [UInt8]? {
        guard let fd = try openFile(path, limit: Int64(limit))?.fd else { return nil }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n: Int
            do {
                n = try chunk.withUnsafeMutableBytes { (buffer) throws in try fd.read(into: buffer) }
            } catch let error as SystemError {
                throw failure(path, "read", errno: error.errno)
            }
            if n == 0 { return bytes }
            // It may have grown since it was measured.
            if bytes.count + n > limit { throw refuse(path, "is larger than \(Self.sizeText(Int64(limit)))") }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }

    /// "4 MiB", "64 KiB" or "100 bytes", for size limits in messages.
    static func sizeText(_ bytes: Int64) -> String {
        if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}
