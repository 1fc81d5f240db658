// Writes files into a fresh layer directory (the future top layer) of an image
// whose current files are a MergedRootfs: build's COPY and ADD. A destination
// is resolved in the image's merged view (symlinks followed inside the image's
// root, `..` stopping there: `/dest -> /` means the image's `/`, never the
// host's), then created in the layer directory one component at a time with
// openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) on the parent's fd, so nothing
// written can leave the layer directory whatever the paths say. Parents that
// exist only in the layers below get their mode, owner and mtime, as overlay's
// copy-up would show them; new parents are 0755 root:root, as docker makes them.
package import BerthSystem
import CBerth
import Glibc

package struct RootfsWriteOptions: Sendable {
    /// False where only one id is mapped (rootless without subuids, or unit tests
    /// as an ordinary user): owners are then left as they fall.
    package var canChown: Bool
    /// Only real root creates device nodes.
    package var canCreateDevices: Bool
    /// Every written mtime (files, directories, new parents) when set: `--timestamp`.
    package var timestamp: Int64?
    /// The overlay opaque mark a directory gets when it replaces a whiteout or a
    /// non-directory this layer held (cp into a stopped container's upper dir):
    /// without it the lower layers' old contents would show through again.
    package var opaqueXattr = UnpackOptions.currentOpaqueXattr

    package init(canChown: Bool, canCreateDevices: Bool, timestamp: Int64? = nil) {
        self.canChown = canChown
        self.canCreateDevices = canCreateDevices
        self.timestamp = timestamp
    }

    /// What this process can do: chown unless single-id mapped, devices as initial root.
    package static func current(timestamp: Int64? = nil) -> RootfsWriteOptions {
        let unpack = UnpackOptions.current()
        return RootfsWriteOptions(canChown: unpack.canChown, canCreateDevices: unpack.canCreateDevices, timestamp: timestamp)
    }
}

package final class RootfsWriter {
    /// The metadata a written entry gets.
    package struct Metadata: Sendable {
        package var permissions: UInt32
        package var uid: UInt32
        package var gid: UInt32
        package var modifiedSeconds: Int64
        package var modifiedNanoseconds: Int64
        package var xattrs: [(name: String, value: [UInt8])]

        package init(permissions: UInt32, uid: UInt32 = 0, gid: UInt32 = 0, modifiedSeconds: Int64,
                     modifiedNanoseconds: Int64 = 0, xattrs: [(name: String, value: [UInt8])] = []) {
            self.permissions = permissions
            self.uid = uid
            self.gid = gid
            self.modifiedSeconds = modifiedSeconds
            self.modifiedNanoseconds = modifiedNanoseconds
            self.xattrs = xattrs
        }
    }

    /// What is written at a path.
    package enum Content {
        case directory
        /// A regular file's data: an fd the source side opened safely, or a stream.
        case file(FileDescriptor)
        case stream(any ByteStream)
        case symlink(target: String)
        /// Another name for a file this writer wrote before (its canonical path).
        case hardlink(to: String)
        case fifo
        case device(isCharacter: Bool, rdev: UInt64)
    }

    package let image: MergedRootfs
    let location: String
    package let options: RootfsWriteOptions
    let root: FileDescriptor
    /// Directories whose mtimes are set last (children change them), deepest last.
    var directoryTimes: [(path: String, seconds: Int64, nanoseconds: Int64)] = []
    /// The owner of directories this writer creates that the image lacks (new
    /// parents, a directory source's new destination): `--chown`'s, as podman
    /// and BuildKit make them, root otherwise.
    package var newDirectoryOwner: (uid: UInt32, gid: UInt32) = (0, 0)
    /// The last parent directory opened: consecutive files usually share one.
    var cachedParent: (path: String, fd: FileDescriptor)?

    /// `layerDirectory` must exist (normally empty); `location` names the layer
    /// in errors ("COPY layer").
    package init(layerDirectory: String, image: MergedRootfs, location: String, options: RootfsWriteOptions) throws {
        root = try ImageError.wrap { () throws in
            try FileDescriptor.open(layerDirectory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        }
        self.image = image
        self.location = location
        self.options = options
    }

    // MARK: - Resolution in the image

    /// The canonical path `path` names in the image (`.` and `..` removed, then
    /// symlinks followed inside its root; the final one only with `followFinal`). Where the image has a
    /// non-directory in the way, the path as written (cleaned) is used: this layer
    /// then replaces it, and the layer side stays beneath its directory anyway.
    package func resolve(_ path: String, followFinal: Bool) throws -> String {
        // Cleaned first, as docker cleans a destination before resolving it in the
        // image: `/lib/../etc` is /etc even where /lib is a symlink.
        let cleaned = Self.clean(path)
        return try image.canonicalPath(cleaned, followFinal: followFinal) ?? cleaned
    }

    /// `path` made absolute with `.` and `..` removed lexically (`..` stops at `/`).
    package static func clean(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// What the image (below this layer) has at the canonical `path`; nil when nothing.
    package func imageEntry(_ path: String) throws -> RootfsEntry? {
        try image.linkStatus(path)
    }

    // MARK: - Directories in the layer

    func refuse(_ path: String, _ problem: String) -> ImageError {
        .rootfsEntry(path: path, location: location, problem: problem)
    }

    func failure(_ path: String, _ operation: String, errno saved: Int32) -> ImageError {
        refuse(path, "cannot be \(operation): \(String(cString: strerror(saved)))")
    }

    static func components(_ path: String) -> [String] {
        path.split(separator: "/").map(String.init)
    }

    /// Opens the directory at canonical `path` in the layer, creating each
    /// missing component: with the image's metadata for a directory the image
    /// has there, 0755 root:root otherwise.
    package func directory(_ path: String) throws -> FileDescriptor {
        if let cachedParent, cachedParent.path == path { return cachedParent.fd }
        var current = try reopen(root, path: "/")
        var walked = ""
        for name in Self.components(path) {
            walked += "/" + name
            current = try childDirectory(name, in: current, path: walked)
        }
        cachedParent = (path, current)
        return current
    }

    private func reopen(_ fd: FileDescriptor, path: String) throws -> FileDescriptor {
        let raw = berth_openat2(fd.raw, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, BERTH_RESOLVE_BENEATH)
        guard raw >= 0 else { throw failure(path, "opened", errno: errno) }
        return FileDescriptor(raw: raw)
    }

    /// The directory `name` in `parent`, made when missing. A symlink or other
    /// non-directory this layer already holds there is refused: the kernel
    /// refuses to follow it (RESOLVE_NO_SYMLINKS).
    private func childDirectory(_ name: String, in parent: FileDescriptor, path: String) throws -> FileDescriptor {
        // A whiteout there (a container's upper dir: the directory was deleted)
        // becomes a new, opaque directory, as overlay itself would make it.
        var replacesWhiteout = false
        do {
            if let fd = try openBeneath(parent, name, O_RDONLY | O_DIRECTORY, path: path) { return fd }
        } catch where isWhiteout(name, in: parent) {
            guard unlinkat(parent.raw, name, 0) == 0 else { throw failure(path, "replaced", errno: errno) }
            replacesWhiteout = true
        }
        let metadata = try parentMetadata(path)
        if mkdirat(parent.raw, name, 0o700) != 0 && errno != EEXIST {
            throw failure(path, "created", errno: errno)
        }
        guard let fd = try openBeneath(parent, name, O_RDONLY | O_DIRECTORY, path: path) else {
            throw failure(path, "created", errno: ENOENT)
        }
        if replacesWhiteout { try markOpaque(fd, path: path) }
        try apply(metadata, to: fd, path: path)
        directoryTimes.append((path, metadata.modifiedSeconds, metadata.modifiedNanoseconds))
        return fd
    }

    /// openat2 beneath `parent`, never following a symlink; nil when missing.
    func openBeneath(_ parent: FileDescriptor, _ name: String, _ flags: Int32, path: String) throws -> FileDescriptor? {
        let resolve = BERTH_RESOLVE_BENEATH | BERTH_RESOLVE_NO_SYMLINKS | BERTH_RESOLVE_NO_MAGICLINKS
        let raw = berth_openat2(parent.raw, name, flags | O_NOFOLLOW | O_CLOEXEC, 0, resolve)
        if raw >= 0 { return FileDescriptor(raw: raw) }
        let saved = errno
        if saved == ENOENT { return nil }
        if saved == ELOOP || saved == EXDEV || saved == ENOTDIR {
            throw refuse(path, "cannot be written: a non-directory written by this layer is in the way")
        }
        throw failure(path, "opened", errno: saved)
    }

    /// A parent the layer creates: the image's directory metadata (overlay's
    /// copy-up), or 0755 owned by `newDirectoryOwner` for a new one.
    private func parentMetadata(_ path: String) throws -> Metadata {
        if let lower = try image.linkStatus(path), lower.kind == .directory {
            return Metadata(permissions: lower.permissions, uid: lower.uid, gid: lower.gid,
                            modifiedSeconds: options.timestamp ?? lower.modifiedSeconds,
                            modifiedNanoseconds: options.timestamp == nil ? lower.modifiedNanoseconds : 0)
        }
        let now = Self.now()
        return Metadata(permissions: 0o755, uid: newDirectoryOwner.uid, gid: newDirectoryOwner.gid,
                        modifiedSeconds: options.timestamp ?? now.seconds,
                        modifiedNanoseconds: options.timestamp == nil ? now.nanoseconds : 0)
    }

    package static func now() -> (seconds: Int64, nanoseconds: Int64) {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return (Int64(ts.tv_sec), Int64(ts.tv_nsec))
    }

    /// The directory at canonical `path` in the layer, never created; nil when
    /// it is not (or no longer) a directory there.
    func existingDirectory(_ path: String) throws -> FileDescriptor? {
        let relative = path == "/" ? "." : String(path.dropFirst())
        let resolve = BERTH_RESOLVE_BENEATH | BERTH_RESOLVE_NO_SYMLINKS | BERTH_RESOLVE_NO_MAGICLINKS
        let raw = berth_openat2(root.raw, relative, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, resolve)
        if raw >= 0 { return FileDescriptor(raw: raw) }
        let saved = errno
        if [ENOENT, ENOTDIR, ELOOP, EXDEV].contains(saved) { return nil }
        throw failure(path, "opened", errno: saved)
    }

    /// Sets directory mtimes, deepest first. Call once, after the last write.
    package func finish() throws {
        cachedParent = nil
        let ordered = directoryTimes.enumerated().sorted {
            let (a, b) = ($0.element.path.count, $1.element.path.count)
            return a != b ? a > b : $0.offset > $1.offset
        }
        var done = Set<String>()
        for (_, item) in ordered where done.insert(item.path).inserted {
            // A later write of the same COPY may have replaced it by a file.
            guard let fd = try existingDirectory(item.path) else { continue }
            var times = [timespec(tv_sec: Int(item.seconds), tv_nsec: Int(item.nanoseconds)),
                         timespec(tv_sec: Int(item.seconds), tv_nsec: Int(item.nanoseconds))]
            guard futimens(fd.raw, &times) == 0 else { throw failure(item.path, "given its times", errno: errno) }
        }
        directoryTimes = []
    }
}
