// Making and stamping entries by name inside an open directory (the *at calls):
// `cp` writes a container's tree on the host one name at a time below a
// directory fd it made itself, so no name it writes is ever resolved through
// a symlink (a copied one included).
package import Glibc

extension FileDescriptor {
    /// Makes the directory `name` here unless a directory is already there, and
    /// opens it (never through a symlink).
    package func makeDirectory(_ name: String, mode: UInt32, path: String) throws -> FileDescriptor {
        if Glibc.mkdirat(raw, name, mode) != 0 {
            let saved = Glibc.errno
            guard saved == EEXIST else { throw SystemError("mkdir", path, errno: saved) }
        }
        return try openAt(name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
    }

    /// Creates the regular file `name`, replacing any non-directory there.
    package func createFile(_ name: String, mode: UInt32, path: String) throws -> FileDescriptor {
        try removeNonDirectory(name, path: path)
        return try openAt(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: mode)
    }

    /// Creates the symlink `name` → `target`, replacing any non-directory there.
    package func makeSymlink(_ name: String, to target: String, path: String) throws {
        try removeNonDirectory(name, path: path)
        _ = try check("symlink", path) { Glibc.symlinkat(target, raw, name) }
    }

    /// Unlinks `name` when it is anything but a directory.
    package func removeNonDirectory(_ name: String, path: String) throws {
        var st = stat()
        guard Glibc.fstatat(raw, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return }
        if st.st_mode & S_IFMT == S_IFDIR { throw SystemError("replace", path, errno: EISDIR) }
        _ = try check("unlink", path) { Glibc.unlinkat(raw, name, 0) }
    }

    /// Sets this file's permission bits (set-id and sticky included: open's mode
    /// passes through the umask).
    package func setPermissions(_ mode: UInt32, path: String) throws {
        _ = try check("chmod", path) { Glibc.fchmod(raw, mode) }
    }

    /// Sets this file's access and modification time.
    package func setModificationTime(seconds: Int64, nanoseconds: Int64, path: String) throws {
        var times = Self.times(seconds, nanoseconds)
        _ = try check("futimens", path) { Glibc.futimens(raw, &times) }
    }

    /// Sets the access and modification time of `name` here, a symlink itself
    /// rather than its target.
    package func setModificationTime(of name: String, seconds: Int64, nanoseconds: Int64, path: String) throws {
        var times = Self.times(seconds, nanoseconds)
        _ = try check("utimensat", path) { Glibc.utimensat(raw, name, &times, AT_SYMLINK_NOFOLLOW) }
    }

    private static func times(_ seconds: Int64, _ nanoseconds: Int64) -> [timespec] {
        let time = timespec(tv_sec: Int(seconds), tv_nsec: Int(nanoseconds))
        return [time, time]
    }
}

extension FileDescriptor {
    /// The lstat of `name` here (a symlink itself, not its target).
    package func entryStatus(_ name: String, path: String) throws -> stat {
        var st = stat()
        _ = try check("stat", path) { Glibc.fstatat(raw, name, &st, AT_SYMLINK_NOFOLLOW) }
        return st
    }

    /// The file type bits (S_IFDIR, S_IFREG…) of `name` here, never followed; nil when missing.
    package func entryKind(_ name: String, path: String) throws -> mode_t? {
        var st = stat()
        if Glibc.fstatat(raw, name, &st, AT_SYMLINK_NOFOLLOW) != 0 {
            let saved = Glibc.errno
            if saved == ENOENT { return nil }
            throw SystemError("stat", path, errno: saved)
        }
        return st.st_mode & S_IFMT
    }

    /// The target of the symlink `name` here, as stored.
    package func linkTarget(_ name: String, path: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = Glibc.readlinkat(raw, name, &buffer, buffer.count - 1)
        guard n >= 0 else { throw SystemError("readlink", path, errno: Glibc.errno) }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
