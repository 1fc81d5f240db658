// A log of one-line records shared by every berth process (the events log): each
// record is appended with one write(2) on an O_APPEND descriptor, so the lines of
// concurrent writers never interleave, and the file is kept under a size limit by
// rewriting it with its newer half, as podman's file event logger does at
// events_logfile_max_size.
import Glibc

package struct LineLog: Sendable {
    package let path: String
    /// Bytes past which the log is cut to its newer half; 0 keeps everything.
    package let maxSize: Int64

    package init(path: String, maxSize: Int64) {
        self.path = path
        self.maxSize = maxSize
    }

    /// Appends `line` (which ends in a newline). Writers hold a shared flock on the
    /// file while they write and the rotation an exclusive one, so no line is written
    /// to a file the rotation already copied: a writer that finds the path renamed
    /// to a new file under it opens that one instead.
    package func append(_ line: [UInt8]) throws {
        let fd = try openLocked()
        defer { Glibc.close(fd) }
        var offset = 0
        try line.withUnsafeBytes { bytes in
            while offset < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SystemError("write", path)
                }
                offset += n
            }
        }
        guard maxSize > 0 else { return }
        var st = stat()
        if fstat(fd, &st) == 0 && Int64(st.st_size) > maxSize {
            flock(fd, LOCK_UN)
            try rotate()
        }
    }

    /// The log opened for appending (created, and its directory, when missing),
    /// holding a shared lock on the file the path names now.
    private func openLocked() throws -> Int32 {
        for _ in 0..<8 {
            var fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            if fd < 0 && errno == ENOENT {
                try FileSystem.makeDirectories(FileSystem.dirname(of: path), mode: 0o700)
                fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            }
            if fd < 0 { throw SystemError("open", path) }
            while flock(fd, LOCK_SH) != 0 {
                if errno != EINTR { let error = SystemError("flock", path); Glibc.close(fd); throw error }
            }
            if isCurrent(fd) { return fd }
            Glibc.close(fd)
        }
        throw SystemError("open", path)
    }

    /// Whether `fd` is still the file at `path` (a rotation renames a new one over it).
    private func isCurrent(_ fd: Int32) -> Bool {
        var open = stat(), named = stat()
        guard fstat(fd, &open) == 0, stat(path, &named) == 0 else { return false }
        return open.st_ino == named.st_ino && open.st_dev == named.st_dev
    }

    /// Keeps the newer half of the log (from the first whole line past the middle):
    /// written to a temporary file and renamed over the log under the exclusive lock.
    private func rotate() throws {
        let fd = try FileDescriptor.open(path, O_RDONLY)
        try check("flock", path) { flock(fd.raw, LOCK_EX) }
        var st = stat()
        guard isCurrent(fd.raw), fstat(fd.raw, &st) == 0, Int64(st.st_size) > maxSize else { return }
        let bytes = try fd.readAll(path: path)
        var start = bytes.count / 2
        while start < bytes.count && bytes[start] != 0x0A { start += 1 }
        let temporary = path + ".rotate"
        let out = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
        try out.write(Array(bytes[min(start + 1, bytes.count)...]), path: temporary)
        out.close()
        try FileSystem.rename(temporary, path)
    }
}

/// Reads a `LineLog` from the start and then as it grows (`events` streaming),
/// following it across rotations without repeating a line.
package final class LineLogReader {
    private let path: String
    private var fd: FileDescriptor?
    private var offset: Int64 = 0
    private var partial: [UInt8] = []
    /// The last line returned: a rotated file is read from just after it.
    private var lastLine: [UInt8]?

    package init(path: String) { self.path = path }

    /// The whole lines added since the last call (all of them on the first).
    package func readLines() throws -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        if fd == nil { try open() }
        try drain(into: &lines)
        if let current = fd, !Self.isFile(current.raw, at: path) {
            // Rotated meanwhile: the new file starts with lines already read.
            let seen = lines.last.map(Array.init) ?? lastLine
            try open()
            var rotated: [ArraySlice<UInt8>] = []
            try drain(into: &rotated)
            if let seen, let index = rotated.lastIndex(where: { $0.elementsEqual(seen) }) {
                rotated.removeFirst(index + 1)
            }
            lines += rotated
        }
        if let last = lines.last { lastLine = Array(last) }
        return lines
    }

    private func open() throws {
        (fd, offset, partial) = (nil, 0, [])
        do {
            fd = try FileDescriptor.open(path, O_RDONLY)
        } catch let error as SystemError where error.errno == ENOENT {
            fd = nil
        }
    }

    private func drain(into lines: inout [ArraySlice<UInt8>]) throws {
        guard let fd else { return }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try fd.read(into: $0, at: offset, path: path) }
            if n == 0 { break }
            offset += Int64(n)
            partial += chunk[0..<n]
        }
        guard let end = partial.lastIndex(of: 0x0A) else { return }
        let complete = Array(partial[...end])
        partial.removeFirst(end + 1)
        lines += complete.split(separator: 0x0A, omittingEmptySubsequences: true)
    }

    private static func isFile(_ fd: Int32, at path: String) -> Bool {
        var open = stat(), named = stat()
        guard fstat(fd, &open) == 0, stat(path, &named) == 0 else { return false }
        return open.st_ino == named.st_ino && open.st_dev == named.st_dev
    }
}
