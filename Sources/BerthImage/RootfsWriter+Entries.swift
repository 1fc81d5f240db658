// The entries RootfsWriter writes: regular files (data copied in the kernel
// with copy_file_range where it can), directories, symlinks (target verbatim),
// hardlinks within one write, fifos and devices, then owner, mode, xattrs and
// mtime. Everything is created relative to its parent's fd in the layer.
package import BerthSystem
import CBerth
import Glibc

extension RootfsWriter {
    /// Writes `content` at the canonical `path` (its parent created as needed).
    /// What this layer already holds there is replaced, except that a directory
    /// written onto a directory keeps its contents and takes the new metadata.
    package func write(_ content: Content, at path: String, metadata given: Metadata) throws {
        var metadata = given
        if let timestamp = options.timestamp {
            metadata.modifiedSeconds = timestamp
            metadata.modifiedNanoseconds = 0
        }
        let parts = Self.components(path)
        guard let name = parts.last else {
            // The root itself: only a directory can be written there.
            guard case .directory = content else { throw refuse("/", "cannot be replaced by a non-directory") }
            let fd = try directory("/")
            try apply(metadata, to: fd, path: "/")
            directoryTimes.append(("/", metadata.modifiedSeconds, metadata.modifiedNanoseconds))
            return
        }
        let parentPath = "/" + parts.dropLast().joined(separator: "/")
        let parent = try directory(parentPath)
        if case .directory = content, isDirectory(name, in: parent) {
            guard let fd = try openBeneath(parent, name, O_RDONLY | O_DIRECTORY, path: path) else {
                throw failure(path, "opened", errno: ENOENT)
            }
            try apply(metadata, to: fd, path: path)
            directoryTimes.append((path, metadata.modifiedSeconds, metadata.modifiedNanoseconds))
            return
        }
        let replaced = try removeExisting(name, in: parent, path: path)
        switch content {
        case .directory:
            guard mkdirat(parent.raw, name, 0o700) == 0 else { throw failure(path, "created", errno: errno) }
            guard let fd = try openBeneath(parent, name, O_RDONLY | O_DIRECTORY, path: path) else {
                throw failure(path, "created", errno: ENOENT)
            }
            // It replaces a whiteout or a non-directory that hid a lower layer's
            // directory: opaque, or the old contents would reappear.
            if replaced { try markOpaque(fd, path: path) }
            try apply(metadata, to: fd, path: path)
            directoryTimes.append((path, metadata.modifiedSeconds, metadata.modifiedNanoseconds))
        case .file(let source):
            let fd = try createFile(name, in: parent, path: path)
            try copyData(from: source, to: fd, path: path)
            try apply(metadata, to: fd, path: path)
            try setTimes(fd, metadata, path: path)
        case .stream(let stream):
            let fd = try createFile(name, in: parent, path: path)
            try copyData(from: stream, to: fd, path: path)
            try apply(metadata, to: fd, path: path)
            try setTimes(fd, metadata, path: path)
        case .symlink(let target):
            guard symlinkat(target, parent.raw, name) == 0 else { throw failure(path, "created", errno: errno) }
            try applyWithoutFollowing(name, in: parent, metadata, path: path)
        case .hardlink(let target):
            let targetParts = Self.components(target)
            guard let targetName = targetParts.last else { throw refuse(path, "cannot be a hardlink to /") }
            let targetParent = try directory("/" + targetParts.dropLast().joined(separator: "/"))
            guard linkat(targetParent.raw, targetName, parent.raw, name, 0) == 0 else {
                throw failure(path, "linked to \(target)", errno: errno)
            }
        case .fifo:
            guard mknodat(parent.raw, name, S_IFIFO | mode_t(metadata.permissions & 0o777), 0) == 0 else {
                throw failure(path, "created", errno: errno)
            }
            try applyWithoutFollowing(name, in: parent, metadata, path: path)
            try setNodeMode(name, in: parent, metadata, path: path)
        case .device(let isCharacter, let rdev):
            guard options.canCreateDevices else {
                throw refuse(path, "is a device node: only root can create device nodes")
            }
            var major: UInt32 = 0
            var minor: UInt32 = 0
            berth_dev_split(rdev, &major, &minor)
            let type = isCharacter ? S_IFCHR : S_IFBLK
            guard berth_mknodat(parent.raw, name, type | mode_t(metadata.permissions & 0o777), major, minor) == 0 else {
                throw failure(path, "created", errno: errno)
            }
            try applyWithoutFollowing(name, in: parent, metadata, path: path)
            try setNodeMode(name, in: parent, metadata, path: path)
        }
    }

    func isDirectory(_ name: String, in dir: FileDescriptor) -> Bool {
        var st = stat()
        return fstatat(dir.raw, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Removes what this layer holds at `name` (written earlier by the same COPY,
    /// or a container's upper dir); true when it was a non-directory (a whiteout
    /// included), which a directory written there must hide for good.
    @discardableResult
    private func removeExisting(_ name: String, in dir: FileDescriptor, path: String) throws -> Bool {
        var st = stat()
        guard fstatat(dir.raw, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return false }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            cachedParent = nil
            try ImageError.wrap { () throws in try FileSystem.removeTree("/proc/self/fd/\(dir.raw)/\(name)") }
            return false
        }
        guard unlinkat(dir.raw, name, 0) == 0 else { throw failure(path, "replaced", errno: errno) }
        return true
    }

    /// Whether `name` in `dir` is an overlay whiteout (a 0/0 character device).
    func isWhiteout(_ name: String, in dir: FileDescriptor) -> Bool {
        var st = stat()
        return fstatat(dir.raw, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == S_IFCHR && st.st_rdev == 0
    }

    /// Marks a directory this writer just made opaque to the layers below.
    func markOpaque(_ fd: FileDescriptor, path: String) throws {
        let value: [UInt8] = Array("y".utf8)
        let rc = value.withUnsafeBytes { berth_fsetxattr(fd.raw, options.opaqueXattr, $0.baseAddress, value.count) }
        guard rc == 0 else { throw failure(path, "marked opaque (\(options.opaqueXattr))", errno: errno) }
    }

    private func createFile(_ name: String, in parent: FileDescriptor, path: String) throws -> FileDescriptor {
        let raw = openat(parent.raw, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard raw >= 0 else { throw failure(path, "created", errno: errno) }
        return FileDescriptor(raw: raw)
    }

    /// Copies all of `source` in the kernel (copy_file_range: a reflink or an
    /// in-kernel copy), falling back to read and write across filesystems that
    /// refuse it.
    private func copyData(from source: FileDescriptor, to target: FileDescriptor, path: String) throws {
        while true {
            let n = berth_copy_file_range(source.raw, target.raw, 1 << 30)
            if n > 0 { continue }
            if n == 0 { return }
            let saved = errno
            if saved == EINTR { continue }
            if saved == EXDEV || saved == EINVAL || saved == ENOSYS || saved == EOPNOTSUPP || saved == EBADF {
                break
            }
            throw failure(path, "written", errno: saved)
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n: Int
            do {
                n = try buffer.withUnsafeMutableBytes { (raw) throws in try source.read(into: raw) }
            } catch let error as SystemError {
                throw failure(path, "read from its source", errno: error.errno)
            }
            if n == 0 { return }
            try write(buffer, count: n, to: target, path: path)
        }
    }

    private func copyData(from stream: any ByteStream, to target: FileDescriptor, path: String) throws {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = try buffer.withUnsafeMutableBytes { (raw) throws in try stream.read(into: raw) }
            if n == 0 { return }
            try write(buffer, count: n, to: target, path: path)
        }
    }

    private func write(_ buffer: [UInt8], count: Int, to target: FileDescriptor, path: String) throws {
        do {
            try buffer.withUnsafeBytes { (raw) throws in
                try target.write(UnsafeRawBufferPointer(rebasing: raw[0..<count]), path: path)
            }
        } catch let error as SystemError {
            throw failure(path, "written", errno: error.errno)
        }
    }

    /// Owner, then mode (chown clears set-id bits), then xattrs.
    func apply(_ metadata: Metadata, to fd: FileDescriptor, path: String) throws {
        if options.canChown && fchown(fd.raw, metadata.uid, metadata.gid) != 0 {
            throw ownerFailure(metadata, path: path)
        }
        guard fchmod(fd.raw, mode_t(metadata.permissions & 0o7777)) == 0 else {
            throw failure(path, "given mode \(String(metadata.permissions, radix: 8))", errno: errno)
        }
        for (name, value) in metadata.xattrs {
            let rc = value.withUnsafeBytes { berth_fsetxattr(fd.raw, name, $0.baseAddress, value.count) }
            // As the unpacker: what the filesystem or namespace refuses is skipped
            // (rootless cannot set trusted.* or security.*).
            if rc != 0 && ![EPERM, ENOTSUP, EOPNOTSUPP, EACCES].contains(errno) {
                throw failure(path, "given xattr \(name)", errno: errno)
            }
        }
    }

    private func ownerFailure(_ metadata: Metadata, path: String) -> ImageError {
        if errno == EINVAL {
            return refuse(path, "cannot be owned by \(metadata.uid):\(metadata.gid): the id is not mapped into the user namespace (add larger ranges to /etc/subuid and /etc/subgid)")
        }
        return failure(path, "owned by \(metadata.uid):\(metadata.gid)", errno: errno)
    }

    /// Owner and mtime of a symlink, fifo or device: never opened, never followed.
    private func applyWithoutFollowing(_ name: String, in parent: FileDescriptor, _ metadata: Metadata, path: String) throws {
        if options.canChown && fchownat(parent.raw, name, metadata.uid, metadata.gid, AT_SYMLINK_NOFOLLOW) != 0 {
            throw ownerFailure(metadata, path: path)
        }
        var times = timesOf(metadata)
        guard utimensat(parent.raw, name, &times, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw failure(path, "given its times", errno: errno)
        }
    }

    /// mknod applies the umask, and chown clears set-id bits: the mode is set
    /// after both. The node was just made by this writer, so nothing is followed.
    private func setNodeMode(_ name: String, in parent: FileDescriptor, _ metadata: Metadata, path: String) throws {
        guard fchmodat(parent.raw, name, mode_t(metadata.permissions & 0o7777), 0) == 0 else {
            throw failure(path, "given mode \(String(metadata.permissions, radix: 8))", errno: errno)
        }
    }

    private func timesOf(_ metadata: Metadata) -> [timespec] {
        let t = timespec(tv_sec: Int(metadata.modifiedSeconds), tv_nsec: Int(metadata.modifiedNanoseconds))
        return [t, t]
    }

    private func setTimes(_ fd: FileDescriptor, _ metadata: Metadata, path: String) throws {
        var times = timesOf(metadata)
        guard futimens(fd.raw, &times) == 0 else { throw failure(path, "given its times", errno: errno) }
    }

    /// The layer directory holding canonical `path`'s parent, for unpacking an
    /// archive into it (ADD): created like any parent.
    package func directoryDescriptor(_ path: String) throws -> FileDescriptor {
        cachedParent = nil
        return try directory(path)
    }

    /// Whether this layer already holds a directory at canonical `path`.
    package func holdsDirectory(_ path: String) -> Bool {
        let relative = path == "/" ? "." : String(path.dropFirst())
        let resolve = BERTH_RESOLVE_BENEATH | BERTH_RESOLVE_NO_SYMLINKS | BERTH_RESOLVE_NO_MAGICLINKS
        let raw = berth_openat2(root.raw, relative, BERTH_O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, resolve)
        if raw < 0 { return false }
        Glibc.close(raw)
        return true
    }

    /// Removes what this layer holds at canonical `path` (a download that failed
    /// its checksum).
    package func remove(_ path: String) throws {
        let parts = Self.components(path)
        guard let name = parts.last else { return }
        let parent = try directory("/" + parts.dropLast().joined(separator: "/"))
        try removeExisting(name, in: parent, path: path)
    }
}
