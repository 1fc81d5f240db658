// Entries of a MergedRootfs held open for copying them out (build's COPY from
// the context or another image): the inode resolved is the inode read, its data
// reopened through /proc/self/fd from the O_PATH fd the lookup made, so nothing
// renamed meanwhile can swap it and nothing outside the root is ever reached.
package import BerthSystem
import CBerth
package import Glibc

extension MergedRootfs {
    /// One resolved entry with its O_PATH fd. Holding an item keeps its fds (and
    /// its parents' nodes) open: keep them for the current path only.
    package struct Item {
        let node: Node
        let rootfs: MergedRootfs

        package var entry: RootfsEntry { node.entry }
        package var path: String { node.path }
        /// The full lstat (device and ctime, for stat-keyed digest caches).
        package var status: stat { node.status }

        /// The regular file's data, opened for reading. Anything else is refused
        /// before it is opened: a fifo cannot block and a device is never opened.
        package func openForReading() throws -> FileDescriptor {
            guard entry.kind == .regular else { throw rootfs.refuse(path, "\(entry.kindPhrase), not a regular file") }
            let raw = Glibc.open("/proc/self/fd/\(node.fd.raw)", O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
            guard raw >= 0 else { throw rootfs.failure(path, "opened", errno: errno) }
            return FileDescriptor(raw: raw)
        }

        /// The symlink's target as stored.
        package func linkTarget() throws -> String {
            guard node.isSymlink else { throw rootfs.refuse(path, "\(entry.kindPhrase), not a symbolic link") }
            return try rootfs.readLinkTarget(node)
        }

        /// The extended attributes of a regular file or directory, overlay's own
        /// (`trusted.overlay.*`, `user.overlay.*`) left out: they describe the
        /// layer, not the file. Unreadable ones are skipped.
        package func extendedAttributes() -> [(name: String, value: [UInt8])] {
            guard entry.kind == .regular || entry.kind == .directory else { return [] }
            var names = [CChar](repeating: 0, count: 4096)
            let length = berth_flistxattr(node.fd.raw, &names, names.count)
            guard length > 0 else { return [] }
            var result: [(name: String, value: [UInt8])] = []
            for raw in names[0..<length].split(separator: 0) {
                let name = String(decoding: raw.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if name.hasPrefix("trusted.overlay.") || name.hasPrefix("user.overlay.") { continue }
                var value = [UInt8](repeating: 0, count: 65536)
                let n = value.withUnsafeMutableBytes { berth_fgetxattr(node.fd.raw, name, $0.baseAddress, $0.count) }
                if n >= 0 { result.append((name, Array(value[0..<n]))) }
            }
            return result
        }
    }

    /// The item at `path` (a final symlink followed only with `followFinal`);
    /// nil when nothing is there.
    package func item(_ path: String, followFinal: Bool) throws -> Item? {
        try node(path, followFinal: followFinal).map { Item(node: $0, rootfs: self) }
    }

    /// The entries of the directory `item`, sorted by name, each opened in turn:
    /// `body` sees one child at a time.
    package func forEachChild(of item: Item, _ body: (Item) throws -> Void) throws {
        guard item.node.isDirectory else { throw refuse(item.path, "\(item.entry.kindPhrase), not a directory") }
        try forEachChild(of: item.node) { try body(Item(node: $0, rootfs: self)) }
    }

    /// The canonical path `path` names in the merged view, symlinks followed
    /// inside the root (the final one only with `followFinal`), `..` stopping
    /// at the root. Components that do not exist are kept as written, for
    /// creating them. nil when an existing component is not a directory (as
    /// ENOTDIR would be inside the container).
    package func canonicalPath(_ path: String, followFinal: Bool) throws -> String? {
        var pending = Self.components(path)
        pending.reverse()
        var current = root
        var missing: [String] = [] // names below `current` that do not exist
        var followed = 0
        while let name = pending.popLast() {
            if name == "." { continue }
            if !missing.isEmpty {
                if name == ".." { missing.removeLast() } else { missing.append(name) }
                continue
            }
            guard current.isDirectory else { return nil }
            if name == ".." {
                current = current.parent ?? root
                continue
            }
            guard let next = try child(name, of: current) else {
                missing.append(name)
                continue
            }
            if next.isSymlink && (followFinal || !pending.isEmpty) {
                followed += 1
                if followed > Self.symlinkLimit {
                    throw refuse(path, "cannot be resolved: more than \(Self.symlinkLimit) symbolic links")
                }
                let target = try readLinkTarget(next)
                if target.hasPrefix("/") { current = root }
                pending.append(contentsOf: Self.components(target).reversed())
                continue
            }
            current = next
        }
        if missing.isEmpty { return current.path }
        return (current.path == "/" ? "" : current.path) + "/" + missing.joined(separator: "/")
    }
}
