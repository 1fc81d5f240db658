// flock(2)-based locks: held by an open fd, released by the kernel when the
// process dies, so a crashed command never leaves a stale lock behind.
import Glibc

package final class FileLock: @unchecked Sendable {
    private let fd: FileDescriptor
    package let path: String

    private init(fd: FileDescriptor, path: String) {
        self.fd = fd
        self.path = path
    }

    /// Blocks until the exclusive lock on `path` (created if missing) is held.
    package static func exclusive(_ path: String) throws -> FileLock {
        let fd = try FileDescriptor.open(path, O_RDWR | O_CREAT, mode: 0o600)
        try check("flock", path) { flock(fd.raw, LOCK_EX) }
        return FileLock(fd: fd, path: path)
    }

    /// Takes the exclusive lock only if nobody holds it; nil when held elsewhere.
    package static func tryExclusive(_ path: String) throws -> FileLock? {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, O_RDWR)
        } catch let error as SystemError where error.errno == ENOENT {
            return nil
        }
        if flock(fd.raw, LOCK_EX | LOCK_NB) != 0 {
            if Glibc.errno == EWOULDBLOCK { return nil }
            throw SystemError("flock", path)
        }
        return FileLock(fd: fd, path: path)
    }

    package func unlock() {
        flock(fd.raw, LOCK_UN)
        fd.close()
    }
}
