// Unpacks one layer's tar stream into a directory. Every path is resolved by the
// kernel beneath the layer directory (openat2 RESOLVE_BENEATH), never by string
// checks, so `..`, absolute names, planted symlinks and outside hardlink targets
// fail with EXDEV however the tar is crafted (design.md §3). Whiteouts become
// overlay whiteouts: 0/0 character devices and the overlay.opaque xattr.
package import BerthSystem
import CBerth
import Glibc

package struct UnpackOptions: Sendable {
    /// `trusted.overlay.opaque` as real root; `user.overlay.opaque` in a user
    /// namespace, where overlay is mounted with `userxattr`.
    package var opaqueXattr: String
    /// False in a single-id user namespace, where only one owner exists.
    package var canChown: Bool
    /// Only real root may create device nodes; rootless layers refuse them.
    package var canCreateDevices: Bool
    /// Whiteouts delete what they name, and opaque markers empty their directory,
    /// instead of becoming overlay's marks: layers squashed into one (LayerSquash).
    package var appliesWhiteouts = false

    package init(opaqueXattr: String, canChown: Bool, canCreateDevices: Bool) {
        self.opaqueXattr = opaqueXattr
        self.canChown = canChown
        self.canCreateDevices = canCreateDevices
    }

    package static func current() -> UnpackOptions {
        let initial = isInitialRoot
        return UnpackOptions(
            opaqueXattr: opaqueXattr(initialRoot: initial),
            canChown: !UserNamespace.isSingleIDMapped,
            canCreateDevices: initial)
    }

    /// The opaque xattr this process writes, and MergedRootfs reads, by default.
    package static var currentOpaqueXattr: String { opaqueXattr(initialRoot: isInitialRoot) }

    private static var isInitialRoot: Bool { geteuid() == 0 && UserNamespace.isInitial }

    private static func opaqueXattr(initialRoot: Bool) -> String {
        initialRoot ? "trusted.overlay.opaque" : "user.overlay.opaque"
    }
}

package final class LayerUnpacker {
    private let root: FileDescriptor
    private let location: String
    private let options: UnpackOptions
    private var directoryTimes: [(path: String, seconds: Int64, nanoseconds: Int64)] = []
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)

    /// `directory` must exist and be empty; `location` names the layer in errors.
    package init(directory: String, location: String, options: UnpackOptions) throws {
        root = try ImageError.wrap { () throws in
            try FileDescriptor.open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        }
        self.location = location
        self.options = options
    }

    /// Unpacks beneath an already open directory (ADD's destination inside a
    /// layer being written, opened by RootfsWriter).
    package init(directory: FileDescriptor, location: String, options: UnpackOptions) {
        root = directory
        self.location = location
        self.options = options
    }

    package func unpack(_ reader: TarReader) throws {
        while let entry = try reader.next() {
            try apply(entry, reader: reader)
        }
        // Children change their directory's mtime, so directories get theirs last,
        // deepest first.
        for item in directoryTimes.reversed() {
            guard let fd = try? open(item.path, flags: BERTH_O_PATH | O_DIRECTORY) else { continue }
            var times = [timespec(tv_sec: Int(item.seconds), tv_nsec: Int(item.nanoseconds)),
                         timespec(tv_sec: Int(item.seconds), tv_nsec: Int(item.nanoseconds))]
            _ = "/proc/self/fd/\(fd.raw)".withCString { utimensat(AT_FDCWD, $0, &times, 0) }
        }
    }

    private func refuse(_ path: String, _ reason: String) -> ImageError {
        .unsafeEntry(path: path, reason: reason, location: location)
    }

    /// Splits a tar path into clean components, refusing absolute and `..` paths.
    private func components(of path: String) throws -> [String] {
        if path.hasPrefix("/") { throw refuse(path, "absolute path") }
        let parts = path.split(separator: "/").map(String.init).filter { $0 != "." }
        if parts.contains("..") { throw refuse(path, "path escapes the layer directory (..)") }
        return parts
    }

    /// Opens `relative` beneath the layer root; an escape through a symlink is EXDEV.
    private func open(_ relative: String, flags: Int32, forEntry entry: String? = nil) throws -> FileDescriptor {
        let path = relative.isEmpty ? "." : relative
        let resolve = BERTH_RESOLVE_BENEATH | BERTH_RESOLVE_NO_MAGICLINKS
        let fd = berth_openat2(root.raw, path, flags | O_CLOEXEC, 0, resolve)
        if fd < 0 {
            let saved = errno
            if saved == EXDEV || saved == ELOOP {
                throw refuse(entry ?? relative, "path leads outside the layer directory through a symlink")
            }
            throw ImageError.system(SystemError("open", "\(location)/\(path)", errno: saved))
        }
        return FileDescriptor(raw: fd)
    }

    /// The parent directory of an entry, created (0755, root) when the tar omits it.
    private func parent(of parts: [String], entry: String) throws -> FileDescriptor {
        let dirParts = parts.dropLast()
        do {
            return try open(dirParts.joined(separator: "/"), flags: BERTH_O_PATH | O_DIRECTORY, forEntry: entry)
        } catch ImageError.system(let error) where error.errno == ENOENT {
            var current = try open("", flags: BERTH_O_PATH | O_DIRECTORY, forEntry: entry)
            var walked: [String] = []
            for part in dirParts {
                walked.append(part)
                if mkdirat(current.raw, part, 0o755) != 0 && errno != EEXIST {
                    throw ImageError.system(SystemError("mkdir", "\(location)/\(walked.joined(separator: "/"))"))
                }
                current = try open(walked.joined(separator: "/"), flags: BERTH_O_PATH | O_DIRECTORY, forEntry: entry)
            }
            return current
        }
    }

    private func apply(_ entry: TarEntry, reader: TarReader) throws {
        let parts = try components(of: entry.path)
        guard let name = parts.last else { return } // the layer root itself
        let dir = try parent(of: parts, entry: entry.path)
        let relative = parts.joined(separator: "/")

        if options.appliesWhiteouts && name.hasPrefix(".wh.") {
            try applyWhiteout(name, in: dir, parts: parts, entry: entry)
            return
        }
        if name == ".wh..wh..opq" {
            let target = try open(parts.dropLast().joined(separator: "/"), flags: O_RDONLY | O_DIRECTORY, forEntry: entry.path)
            try setXattr(target, options.opaqueXattr, Array("y".utf8), path: relative, required: true)
            return
        }
        if name.hasPrefix(".wh.") {
            let hidden = String(name.dropFirst(4))
            guard !hidden.isEmpty, hidden != ".", hidden != ".." else { throw refuse(entry.path, "invalid whiteout name") }
            try removeExisting(hidden, in: dir, path: relative)
            try sys("mknod whiteout", relative) { berth_mknodat(dir.raw, hidden, S_IFCHR, 0, 0) }
            return
        }

        if entry.kind == .directory, isDirectory(name, in: dir) {
            let fd = try openChild(name, in: dir, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW, path: relative)
            try setMetadata(fd, entry, path: relative)
            directoryTimes.append((relative, entry.mtime, entry.mtimeNanoseconds))
            return
        }
        try removeExisting(name, in: dir, path: relative)

        switch entry.kind {
        case .regular:
            let fd = try openChild(name, in: dir, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600, path: relative)
            try copyData(from: reader, to: fd, path: relative)
            try setMetadata(fd, entry, path: relative)
            try setTimes(fd, entry)
        case .directory:
            try sys("mkdir", relative) { mkdirat(dir.raw, name, 0o700) }
            let fd = try openChild(name, in: dir, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW, path: relative)
            try setMetadata(fd, entry, path: relative)
            directoryTimes.append((relative, entry.mtime, entry.mtimeNanoseconds))
        case .symlink:
            try sys("symlink", relative) { symlinkat(entry.linkTarget, dir.raw, name) }
            try chownLink(name, in: dir, entry, path: relative)
            var times = timesOf(entry)
            utimensat(dir.raw, name, &times, AT_SYMLINK_NOFOLLOW)
        case .hardlink:
            let targetParts = try components(of: entry.linkTarget)
            guard let targetName = targetParts.last else { throw refuse(entry.path, "hardlink to the layer root") }
            let targetDir: FileDescriptor
            do {
                targetDir = try open(targetParts.dropLast().joined(separator: "/"), flags: BERTH_O_PATH | O_DIRECTORY, forEntry: entry.path)
            } catch ImageError.system(let error) where error.errno == ENOENT {
                throw refuse(entry.path, "hardlink target \"\(entry.linkTarget)\" does not exist in the layer")
            }
            if linkat(targetDir.raw, targetName, dir.raw, name, 0) != 0 {
                if errno == ENOENT { throw refuse(entry.path, "hardlink target \"\(entry.linkTarget)\" does not exist in the layer") }
                throw ImageError.system(SystemError("link", "\(location)/\(relative) to \(entry.linkTarget)"))
            }
            // The link's header owns the shared inode last, as docker's and
            // containers/storage's unpackers apply it (chown, then chmod unless
            // the inode is a symlink, whose mode means nothing and which
            // fchmodat would follow).
            try chownLink(name, in: dir, entry, path: relative)
            var linked = stat()
            if fstatat(dir.raw, name, &linked, AT_SYMLINK_NOFOLLOW) == 0, (linked.st_mode & S_IFMT) != S_IFLNK {
                try sys("chmod", relative) { fchmodat(dir.raw, name, mode_t(entry.mode & 0o7777), 0) }
            }
        case .characterDevice, .blockDevice:
            guard options.canCreateDevices else {
                throw refuse(entry.path, "device nodes can only be created by root (rootless storage cannot hold them)")
            }
            let type = entry.kind == .characterDevice ? S_IFCHR : S_IFBLK
            try sys("mknod", relative) { berth_mknodat(dir.raw, name, type | entry.mode, entry.devMajor, entry.devMinor) }
            try chownLink(name, in: dir, entry, path: relative)
            // mknod applies the umask; the layer's mode is the tar's.
            try sys("chmod", relative) { fchmodat(dir.raw, name, mode_t(entry.mode & 0o7777), 0) }
        case .fifo:
            try sys("mkfifo", relative) { mknodat(dir.raw, name, S_IFIFO | entry.mode, 0) }
            let fd = try openChild(name, in: dir, flags: BERTH_O_PATH | O_NOFOLLOW, path: relative)
            try chownLink(name, in: dir, entry, path: relative)
            try sys("chmod", relative) { fchmodat(dir.raw, name, mode_t(entry.mode & 0o7777), 0) }
            _ = fd
        }
    }

    /// Squashing: the whiteout's name goes, or the opaque directory's contents
    /// from the layers below.
    private func applyWhiteout(_ name: String, in dir: FileDescriptor, parts: [String], entry: TarEntry) throws {
        let relative = parts.joined(separator: "/")
        if name == ".wh..wh..opq" {
            let target = try open(parts.dropLast().joined(separator: "/"), flags: O_RDONLY | O_DIRECTORY, forEntry: entry.path)
            for child in (try? FileSystem.list("/proc/self/fd/\(target.raw)")) ?? [] {
                try removeExisting(child, in: target, path: relative + "/" + child)
            }
            return
        }
        let hidden = String(name.dropFirst(4))
        guard !hidden.isEmpty, hidden != ".", hidden != ".." else { throw refuse(entry.path, "invalid whiteout name") }
        try removeExisting(hidden, in: dir, path: relative)
    }

    // MARK: helpers

    private func sys(_ operation: String, _ path: String, _ call: () -> Int32) throws {
        if call() != 0 { throw ImageError.system(SystemError(operation, "\(location)/\(path)")) }
    }

    private func isDirectory(_ name: String, in dir: FileDescriptor) -> Bool {
        var st = stat()
        return fstatat(dir.raw, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    private func openChild(_ name: String, in dir: FileDescriptor, flags: Int32, mode: mode_t = 0, path: String) throws -> FileDescriptor {
        let fd = openat(dir.raw, name, flags | O_CLOEXEC, mode)
        if fd < 0 {
            if errno == ELOOP { throw refuse(path, "path leads outside the layer directory through a symlink") }
            throw ImageError.system(SystemError("open", "\(location)/\(path)"))
        }
        return FileDescriptor(raw: fd)
    }

    /// A later entry replaces an earlier one of the same name.
    private func removeExisting(_ name: String, in dir: FileDescriptor, path: String) throws {
        var st = stat()
        guard fstatat(dir.raw, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            let full = "/proc/self/fd/\(dir.raw)/\(name)"
            try ImageError.wrap { () throws in try FileSystem.removeTree(full) }
        } else {
            try sys("unlink", path) { unlinkat(dir.raw, name, 0) }
        }
    }

    private func copyData(from reader: TarReader, to fd: FileDescriptor, path: String) throws {
        while true {
            let n = try buffer.withUnsafeMutableBytes { (buf) throws in try reader.readData(into: buf) }
            if n == 0 { return }
            try buffer.withUnsafeBytes { (buf) throws in
                try ImageError.wrap { () throws in
                    try fd.write(UnsafeRawBufferPointer(rebasing: buf[0..<n]), path: "\(location)/\(path)")
                }
            }
        }
    }

    /// Owner, then mode (chown clears set-id bits), then xattrs.
    private func setMetadata(_ fd: FileDescriptor, _ entry: TarEntry, path: String) throws {
        if options.canChown {
            if fchown(fd.raw, entry.uid, entry.gid) != 0 {
                throw ownershipError(entry, path: path)
            }
        }
        try sys("chmod", path) { fchmod(fd.raw, mode_t(entry.mode & 0o7777)) }
        for (name, value) in entry.xattrs {
            try setXattr(fd, name, value, path: path, required: false)
        }
    }

    private func chownLink(_ name: String, in dir: FileDescriptor, _ entry: TarEntry, path: String) throws {
        guard options.canChown else { return }
        if fchownat(dir.raw, name, entry.uid, entry.gid, AT_SYMLINK_NOFOLLOW) != 0 {
            throw ownershipError(entry, path: path)
        }
    }

    private func ownershipError(_ entry: TarEntry, path: String) -> ImageError {
        if errno == EINVAL {
            return .unsafeEntry(path: path, reason: "owner \(entry.uid):\(entry.gid) is outside the ids mapped into the user namespace (add larger ranges to /etc/subuid and /etc/subgid)", location: location)
        }
        return .system(SystemError("chown", "\(location)/\(path)"))
    }

    /// Sets an xattr; optional ones the filesystem or namespace refuses are skipped
    /// (rootless cannot set trusted.* or security.*), as podman does.
    private func setXattr(_ fd: FileDescriptor, _ name: String, _ value: [UInt8], path: String, required: Bool) throws {
        let rc = value.withUnsafeBytes { berth_fsetxattr(fd.raw, name, $0.baseAddress, value.count) }
        if rc == 0 { return }
        let saved = errno
        if !required && (saved == EPERM || saved == ENOTSUP || saved == EOPNOTSUPP || saved == EACCES) { return }
        throw ImageError.system(SystemError("setxattr \(name) on", "\(location)/\(path)", errno: saved))
    }

    private func timesOf(_ entry: TarEntry) -> [timespec] {
        let t = timespec(tv_sec: Int(entry.mtime), tv_nsec: Int(entry.mtimeNanoseconds))
        return [t, t]
    }

    private func setTimes(_ fd: FileDescriptor, _ entry: TarEntry) throws {
        var times = timesOf(entry)
        futimens(fd.raw, &times)
    }
}
