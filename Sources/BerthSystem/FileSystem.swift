// Path-level file operations used across berth: existence, reading, directory
// listing, recursive creation and fd-relative recursive removal.
import CBerth
import Glibc

package enum FileSystem {
    package static func exists(_ path: String) -> Bool {
        var st = Glibc.stat()
        return lstat(path, &st) == 0
    }

    package static func isDirectory(_ path: String) -> Bool {
        var st = Glibc.stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// True for a character or block device (not followed when a symlink).
    package static func isDevice(_ path: String) -> Bool {
        var st = Glibc.stat()
        guard lstat(path, &st) == 0 else { return false }
        let type = st.st_mode & S_IFMT
        return type == S_IFCHR || type == S_IFBLK
    }

    /// The modification time of `path` (followed), in seconds since the epoch.
    package static func modificationTime(_ path: String) -> Int? {
        var st = Glibc.stat()
        guard stat(path, &st) == 0 else { return nil }
        return st.st_mtim.tv_sec
    }

    /// Makes `target` a second name of the file at `source`.
    package static func hardLink(_ source: String, to target: String) throws {
        try check("link to \(target)", source) { link(source, target) }
    }

    package static func size(_ path: String) throws -> Int64 {
        var st = Glibc.stat()
        try check("stat", path) { stat(path, &st) }
        return Int64(st.st_size)
    }

    package static func readFile(_ path: String) throws -> [UInt8] {
        let fd = try FileDescriptor.open(path, O_RDONLY)
        return try fd.readAll(path: path)
    }

    /// Reads a file expected to be small; one longer than `limit` bytes fails with
    /// EFBIG instead of filling memory.
    package static func readFile(_ path: String, limit: Int) throws -> [UInt8] {
        let fd = try FileDescriptor.open(path, O_RDONLY)
        return try fd.readAll(path: path, limit: limit)
    }

    package static func readText(_ path: String) throws -> String {
        String(decoding: try readFile(path), as: UTF8.self)
    }

    /// Creates `path` and any missing parents.
    package static func makeDirectories(_ path: String, mode: UInt32 = 0o755) throws {
        if isDirectory(path) { return }
        let parent = dirname(of: path)
        if parent != path && !parent.isEmpty { try makeDirectories(parent, mode: mode) }
        if mkdir(path, mode) != 0 && Glibc.errno != EEXIST {
            throw SystemError("mkdir", path)
        }
    }

    /// `makeDirectories`, then `path` itself given exactly `mode`, whatever the umask:
    /// for a directory a container sees (its root, say), where berth's umask must not
    /// decide who may search it.
    package static func makeDirectories(_ path: String, exactMode mode: UInt32) throws {
        try makeDirectories(path, mode: mode)
        if chmod(path, mode_t(mode)) != 0 { throw SystemError("chmod", path) }
    }

    /// The target of the symlink at `path`.
    package static func readLink(_ path: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = try check("readlink", path) { Int32(readlink(path, &buffer, Int(PATH_MAX))) }
        return String(decoding: buffer[0..<Int(n)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The filesystem type (statfs f_type, e.g. 0x63677270 for cgroup2) at `path`,
    /// nil when it cannot be read.
    package static func filesystemType(_ path: String) -> Int? {
        let type = berth_filesystem_type(path)
        return type < 0 ? nil : type
    }

    /// Names in a directory, without "." and ".."; empty when it does not exist.
    package static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else {
            if Glibc.errno == ENOENT { return [] }
            throw SystemError("opendir", path)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes a file or a whole tree without following symlinks; missing is fine.
    package static func removeTree(_ path: String) throws {
        var st = Glibc.stat()
        if lstat(path, &st) != 0 {
            if Glibc.errno == ENOENT { return }
            throw SystemError("stat", path)
        }
        if (st.st_mode & S_IFMT) != S_IFDIR {
            try check("unlink", path) { unlink(path) }
            return
        }
        let dirfd = try check("open", path) { open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        try removeContents(of: dirfd, path: path)
        close(dirfd)
        try check("rmdir", path) { rmdir(path) }
    }

    /// Removes everything inside the directory `dirfd` (which it closes not).
    private static func removeContents(of dirfd: Int32, path: String) throws {
        let dupfd = dup(dirfd)
        guard dupfd >= 0, let dir = fdopendir(dupfd) else { throw SystemError("fdopendir", path) }
        defer { closedir(dir) }
        var names: [(String, Bool)] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            names.append((name, entry.pointee.d_type == DT_DIR))
        }
        for (name, isDir) in names {
            let child = path + "/" + name
            if isDir {
                // A directory we own but may not search or change (overlay's work/work
                // is 000, an image's may be 0555) is made accessible so its entries can
                // go; only then: a chmod is a journalled inode update, and removal is on
                // the run --rm path.
                var fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if fd < 0 && Glibc.errno == EACCES {
                    fchmodat(dirfd, name, 0o700, 0)
                    fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                }
                if fd < 0 { throw SystemError("open", child) }
                var st = Glibc.stat()
                if fstat(fd, &st) != 0 || st.st_mode & 0o700 != 0o700 { fchmod(fd, 0o700) }
                do { try removeContents(of: fd, path: child) } catch { close(fd); throw error }
                close(fd)
                try check("rmdir", child) { unlinkat(dirfd, name, AT_REMOVEDIR) }
            } else {
                try check("unlink", child) { unlinkat(dirfd, name, 0) }
            }
        }
    }

    package static func rename(_ from: String, _ to: String) throws {
        try check("rename", from + " to " + to) { Glibc.rename(from, to) }
    }

    /// Creates the symlink `path` pointing at `target`; an existing `path` is an
    /// error (`SystemError.isAlreadyExisting`), which makes it an atomic claim.
    package static func symlink(_ target: String, at path: String) throws {
        try check("symlink", path) { Glibc.symlink(target, path) }
    }

    package static func unlinkIfPresent(_ path: String) throws {
        if unlink(path) != 0 && Glibc.errno != ENOENT { throw SystemError("unlink", path) }
    }

    package static func dirname(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    package static func basename(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// Makes a relative path absolute against the working directory.
    package static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return path == "." ? cwd : cwd + "/" + path
    }
}
