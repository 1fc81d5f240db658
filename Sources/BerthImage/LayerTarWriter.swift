// Turns a directory in overlay-upper form (a container's upper dir, a build
// step's new layer) into a layer tar, hashing it as it is written (the diff ID).
// Overlay's marks become the tar's: a 0/0 character device is a `.wh.NAME`
// whiteout, an opaque directory gets a `.wh..wh..opq` entry. The output is
// deterministic: entries in name order, directories before their contents, no
// user names, and with a timestamp every time the same.
//
// The directory may belong to a live container, which can swap any name for a
// symlink at any moment: everything is opened relative to its parent's fd with
// O_NOFOLLOW, and what is read is what the fd just opened shows (fstat), never a
// path resolved again later.
package import BerthSystem
import CBerth
import Glibc

package struct LayerTarSummary: Sendable {
    /// sha256 of the uncompressed tar: the layer's diff ID.
    package var diffID: Digest
    package var size: Int64
}

package final class LayerTarWriter {
    private let directory: String
    private let location: String
    private let timestamp: Int64?
    private var output: HashingOutput!
    /// The first path written of each multiply linked inode: later ones become links.
    private var linkTargets: [InodeKey: String] = [:]
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)

    struct InodeKey: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    /// The xattrs overlay itself keeps on an upper dir's entries: never layer content.
    static let opaqueXattrs = ["trusted.overlay.opaque", "user.overlay.opaque"]

    /// `timestamp`: when given, every entry's mtime (and the PAX headers' times) is
    /// this, for reproducible layers; otherwise each file's own mtime, to the ns.
    package init(directory: String, location: String, timestamp: Int64? = nil) {
        self.directory = directory
        self.location = location
        self.timestamp = timestamp
    }

    /// Writes the whole tar (with its end blocks) to `fd`.
    package func write(to fd: FileDescriptor, path: String) throws -> LayerTarSummary {
        output = HashingOutput(fd: fd, path: path)
        linkTargets = [:]
        let root = try ImageError.wrap { () throws in
            try FileDescriptor.open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        }
        try writeContents(of: root, prefix: "")
        try output.append([UInt8](repeating: 0, count: 1024))
        try output.flush()
        return LayerTarSummary(diffID: output.finish(), size: output.count)
    }

    private func failure(_ operation: String, _ relative: String, errno saved: Int32 = errno) -> ImageError {
        .system(SystemError(operation, "\(location): \(relative.isEmpty ? "/" : relative)", errno: saved))
    }

    /// Every entry of the directory `dir` (named `prefix` in the tar), sorted.
    private func writeContents(of dir: FileDescriptor, prefix: String) throws {
        let names: [String]
        do {
            names = try FileSystem.list("/proc/self/fd/\(dir.raw)")
        } catch let error as SystemError {
            throw failure("list", prefix, errno: error.errno)
        }
        // Byte order, as Go's filepath.Walk and GNU tar --sort=name list them.
        for name in names.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            try writeEntry(name, in: dir, path: prefix + name)
        }
    }

    private func writeEntry(_ name: String, in dir: FileDescriptor, path: String) throws {
        var st = stat()
        guard fstatat(dir.raw, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return } // removed meanwhile by a running container
            throw failure("stat", path)
        }
        var entry = TarEntry(path: path, kind: .regular)
        fill(&entry, from: st)
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            guard let (child, now) = try openEntry(name, in: dir, flags: O_RDONLY | O_DIRECTORY, path: path) else { return }
            fill(&entry, from: now)
            entry.kind = .directory
            entry.path = path + "/"
            let xattrs = try readXattrs(child, path: path)
            entry.xattrs = xattrs.content
            try writeHeader(entry)
            if xattrs.isOpaque {
                // podman's marker: an empty regular file with the directory's owner
                // and mode, dated the epoch (or the timestamp).
                var marker = entry
                marker.mtime = timestamp ?? 0
                marker.mtimeNanoseconds = 0
                marker.path = path + "/.wh..wh..opq"
                marker.kind = .regular
                marker.mode = entry.mode & 0o777
                marker.size = 0
                marker.xattrs = []
                try writeHeader(marker)
            }
            try writeContents(of: child, prefix: path + "/")
        case S_IFREG:
            if st.st_nlink > 1, let first = linkTargets[InodeKey(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))] {
                entry.kind = .hardlink
                entry.linkTarget = first
                entry.size = 0
                try writeHeader(entry)
                return
            }
            guard let (file, now) = try openEntry(name, in: dir, flags: O_RDONLY | O_NONBLOCK | O_NOCTTY, path: path) else { return }
            guard (now.st_mode & S_IFMT) == S_IFREG else { return } // swapped meanwhile: not what was listed
            fill(&entry, from: now)
            if now.st_nlink > 1 { linkTargets[InodeKey(device: UInt64(now.st_dev), inode: UInt64(now.st_ino))] = path }
            entry.xattrs = try readXattrs(file, path: path).content
            try writeHeader(entry)
            try copyData(file, size: entry.size, path: path)
        case S_IFLNK:
            entry.kind = .symlink
            entry.linkTarget = try readLink(name, in: dir, path: path)
            entry.size = 0
            try writeHeader(entry)
        case S_IFCHR where st.st_rdev == 0:
            // An overlay whiteout: podman writes it as an empty regular file, mode 0.
            let slash = path.lastIndex(of: "/")
            entry.path = slash.map { String(path[...$0]) + ".wh." + name } ?? ".wh." + name
            entry.kind = .regular
            entry.mode = 0
            entry.size = 0
            try writeHeader(entry)
        case S_IFCHR, S_IFBLK:
            entry.kind = (st.st_mode & S_IFMT) == S_IFCHR ? .characterDevice : .blockDevice
            let device = UInt64(st.st_rdev)
            entry.devMajor = UInt32(truncatingIfNeeded: ((device >> 8) & 0xfff) | ((device >> 32) & ~0xfff))
            entry.devMinor = UInt32(truncatingIfNeeded: (device & 0xff) | ((device >> 12) & ~0xff))
            entry.size = 0
            try writeHeader(entry)
        case S_IFIFO:
            entry.kind = .fifo
            entry.size = 0
            try writeHeader(entry)
        default:
            return // sockets have no tar form; podman leaves them out too
        }
    }

    /// Opens `name` in `dir` without following it, with what the fd itself shows;
    /// nil when a running container removed or replaced it meanwhile.
    private func openEntry(_ name: String, in dir: FileDescriptor, flags: Int32, path: String) throws -> (FileDescriptor, stat)? {
        let raw = openat(dir.raw, name, flags | O_NOFOLLOW | O_CLOEXEC)
        guard raw >= 0 else {
            if errno == ENOENT || errno == ELOOP || errno == ENOTDIR { return nil }
            throw failure("open", path)
        }
        let fd = FileDescriptor(raw: raw)
        var now = stat()
        guard fstat(raw, &now) == 0 else { throw failure("stat", path) }
        return (fd, now)
    }

    private func fill(_ entry: inout TarEntry, from st: stat) {
        entry.mode = UInt32(st.st_mode) & 0o7777
        entry.uid = st.st_uid
        entry.gid = st.st_gid
        entry.size = Int64(st.st_size)
        if let timestamp {
            entry.mtime = timestamp
            entry.mtimeNanoseconds = 0
        } else {
            entry.mtime = Int64(st.st_mtim.tv_sec)
            entry.mtimeNanoseconds = Int64(st.st_mtim.tv_nsec)
        }
    }

    private func writeHeader(_ entry: TarEntry) throws {
        try output.append(TarEntryEncoder.headers(for: entry, exactMtime: timestamp == nil))
    }

    /// Exactly `size` bytes of the open file: a file a running container grows
    /// or truncates meanwhile is cut or padded with zeros to what the header said.
    private func copyData(_ file: FileDescriptor, size: Int64, path: String) throws {
        var left = size
        while left > 0 {
            let want = Int(min(Int64(buffer.count), left))
            let n = try buffer.withUnsafeMutableBytes { (buf) throws -> Int in
                do {
                    return try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buf[0..<want]), path: path)
                } catch let error as SystemError {
                    throw failure("read", path, errno: error.errno)
                }
            }
            if n == 0 { break }
            try buffer.withUnsafeBytes { try output.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            left -= Int64(n)
        }
        if left > 0 { try output.append([UInt8](repeating: 0, count: Int(left))) }
        try output.append([UInt8](repeating: 0, count: TarEntryEncoder.padding(size)))
    }

    private func readLink(_ name: String, in dir: FileDescriptor, path: String) throws -> String {
        var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlinkat(dir.raw, name, &target, target.count)
        guard n >= 0 else { throw failure("readlink", path) }
        return String(decoding: target[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The xattrs a layer carries (file capabilities and user.* ones; never
    /// overlay's own), and whether overlay marked the directory opaque.
    private func readXattrs(_ fd: FileDescriptor, path: String) throws -> (content: [(name: String, value: [UInt8])], isOpaque: Bool) {
        var list = [CChar](repeating: 0, count: 4096)
        var n = berth_flistxattr(fd.raw, &list, list.count)
        if n < 0 && errno == ERANGE {
            let size = berth_flistxattr(fd.raw, nil, 0)
            if size > 0 {
                list = [CChar](repeating: 0, count: size + 1)
                n = berth_flistxattr(fd.raw, &list, list.count)
            }
        }
        if n < 0 {
            if errno == ENOTSUP || errno == EOPNOTSUPP { return ([], false) }
            throw failure("listxattr", path)
        }
        var result: [(name: String, value: [UInt8])] = []
        var isOpaque = false
        let names = list[0..<n].split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        for name in names.sorted() {
            if Self.opaqueXattrs.contains(name) {
                isOpaque = isOpaque || readXattr(fd, name) == Array("y".utf8)
                continue
            }
            let kept = name == "security.capability" || (name.hasPrefix("user.") && !name.hasPrefix("user.overlay."))
            guard kept, let value = readXattr(fd, name) else { continue }
            result.append((name, value))
        }
        return (result, isOpaque)
    }

    private func readXattr(_ fd: FileDescriptor, _ name: String) -> [UInt8]? {
        var value = [UInt8](repeating: 0, count: 65536)
        let n = value.withUnsafeMutableBytes { berth_fgetxattr(fd.raw, name, $0.baseAddress, $0.count) }
        return n < 0 ? nil : Array(value[0..<n])
    }
}

/// Buffers the tar on its way to a file, hashing and counting what it writes.
final class HashingOutput {
    private let fd: FileDescriptor
    private let path: String
    private let hasher = SHA256Hasher()
    private var pending: [UInt8] = []
    private(set) var count: Int64 = 0
    private static let chunk = 1 << 20

    init(fd: FileDescriptor, path: String) {
        self.fd = fd
        self.path = path
        pending.reserveCapacity(Self.chunk)
    }

    func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try append($0) }
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        pending.append(contentsOf: bytes)
        if pending.count >= Self.chunk { try flush() }
    }

    func flush() throws {
        guard !pending.isEmpty else { return }
        try pending.withUnsafeBytes { (buffer) throws in
            hasher.update(buffer)
            try ImageError.wrap { () throws in try fd.write(buffer, path: path) }
        }
        count += Int64(pending.count)
        pending.removeAll(keepingCapacity: true)
    }

    func finish() -> Digest { hasher.finish() }
}
