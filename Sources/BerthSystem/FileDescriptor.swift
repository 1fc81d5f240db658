// An owned file descriptor that closes itself, plus the reads and writes berth needs.
package import Glibc
import CBerth

package final class FileDescriptor: @unchecked Sendable {
    package let raw: Int32
    private var isOpen = true

    package init(raw: Int32) { self.raw = raw }

    deinit { if isOpen { Glibc.close(raw) } }

    package func close() {
        if isOpen { Glibc.close(raw); isOpen = false }
    }

    /// Whether `fd` is an open descriptor of this process (fcntl F_GETFD).
    package static func isOpen(_ fd: Int32) -> Bool { fcntl(fd, F_GETFD) >= 0 }

    /// Opens `path` with O_CLOEXEC always added.
    package static func open(_ path: String, _ flags: Int32, mode: UInt32 = 0o644) throws -> FileDescriptor {
        let fd = try check("open", path) { Glibc.open(path, flags | O_CLOEXEC, mode) }
        return FileDescriptor(raw: fd)
    }

    /// `open` for the run path, where an owning object would be one more
    /// allocation: a bare descriptor (O_CLOEXEC added) the caller closes with
    /// `close(unowned:)`.
    package static func openUnowned(_ path: String, _ flags: Int32) throws -> Int32 {
        try check("open", path) { Glibc.open(path, flags | O_CLOEXEC, 0) }
    }

    /// Closes a bare descriptor of `openUnowned` or one handed over by C (a pidfd);
    /// -1 is ignored.
    package static func close(unowned fd: Int32) {
        if fd >= 0 { Glibc.close(fd) }
    }

    /// A close-on-exec pipe: what is written to `write` is read from `read`.
    package static func pipe(_ purpose: String) throws -> (read: FileDescriptor, write: FileDescriptor) {
        var fds: [Int32] = [-1, -1]
        try check("pipe2", purpose) { berth_pipe_cloexec(&fds) }
        return (FileDescriptor(raw: fds[0]), FileDescriptor(raw: fds[1]))
    }

    /// Lets a program this process execs keep the descriptor (clears close-on-exec).
    package func setInheritable() throws {
        try Self.setInheritable(unowned: raw)
    }

    /// The same for a bare descriptor (a pidfd handed over by C).
    package static func setInheritable(unowned fd: Int32) throws {
        try check("fcntl F_SETFD", "fd \(fd)") { fcntl(fd, F_SETFD, 0) }
    }

    /// A CLOEXEC copy of one of this process's descriptors (standard output for
    /// `save` into a pipe), owned and closed independently of the original.
    package static func duplicate(_ fd: Int32) throws -> FileDescriptor {
        FileDescriptor(raw: try check("fcntl(F_DUPFD_CLOEXEC)", "fd \(fd)") { Glibc.fcntl(fd, F_DUPFD_CLOEXEC, 3) })
    }

    /// Makes `target` (a standard stream) another name for this file (dup2: the
    /// copy has no CLOEXEC, so the stream stays what children inherit).
    package func duplicate(onto target: Int32) throws {
        _ = try check("dup2", "fd \(target)") { Glibc.dup2(raw, target) }
    }

    /// Opens `name` relative to this directory fd.
    package func openAt(_ name: String, _ flags: Int32, mode: UInt32 = 0o644) throws -> FileDescriptor {
        let fd = try check("open", name) { Glibc.openat(raw, name, flags | O_CLOEXEC, mode) }
        return FileDescriptor(raw: fd)
    }

    /// Reads up to `count` bytes into `buffer`; 0 means end of file.
    package func read(into buffer: UnsafeMutableRawBufferPointer, path: String = "") throws -> Int {
        while true {
            let n = Glibc.read(raw, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            let saved = Glibc.errno
            if saved == EINTR { continue }
            throw SystemError("read", path, errno: saved)
        }
    }

    /// Reads up to `buffer.count` bytes at `offset` without moving the file offset; 0 at end of file.
    package func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String = "") throws -> Int {
        while true {
            let n = Glibc.pread(raw, buffer.baseAddress, buffer.count, off_t(offset))
            if n >= 0 { return n }
            let saved = Glibc.errno
            if saved == EINTR { continue }
            throw SystemError("read", path, errno: saved)
        }
    }

    /// Writes all of `buffer`, looping over short writes.
    package func write(_ buffer: UnsafeRawBufferPointer, path: String = "") throws {
        var offset = 0
        while offset < buffer.count {
            let n = Glibc.write(raw, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                let saved = Glibc.errno
                if saved == EINTR { continue }
                throw SystemError("write", path, errno: saved)
            }
            offset += n
        }
    }

    package func write(_ bytes: [UInt8], path: String = "") throws {
        try bytes.withUnsafeBytes { (buf) throws in try write(buf, path: path) }
    }

    /// Reads to the end of the file; past `limit` bytes it fails with EFBIG.
    package func readAll(path: String = "", limit: Int = .max) throws -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = try chunk.withUnsafeMutableBytes { (buf) throws in try read(into: buf, path: path) }
            if n == 0 { return result }
            result.append(contentsOf: chunk[0..<n])
            if result.count > limit { throw SystemError("read", path, errno: EFBIG) }
        }
    }

    package func sync(path: String = "") throws {
        try check("fsync", path) { fsync(raw) }
    }

    package func status(path: String = "") throws -> stat {
        var st = Glibc.stat()
        try check("stat", path) { fstat(raw, &st) }
        return st
    }
}
