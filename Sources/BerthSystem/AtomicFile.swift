// Crash-safe record writes: temp file in the same directory, fsync, rename, fsync
// the directory. A reader sees the old version or the new one, never a torn one.
import Glibc
import CBerth

package enum AtomicFile {
    /// `durable: false` skips the fsyncs: still atomic (a reader never sees a torn
    /// file, and ext4 flushes data replaced by rename), for records rewritten on
    /// every container start where an fsync would cost more than the start itself.
    package static func write(_ bytes: [UInt8], to path: String, mode: UInt32 = 0o644, durable: Bool = true) throws {
        let dir = FileSystem.dirname(of: path)
        let temp = "\(dir)/.tmp-\(getpid())-\(RandomID.hex(8))-\(FileSystem.basename(of: path))"
        do {
            let fd = try FileDescriptor.open(temp, O_WRONLY | O_CREAT | O_EXCL, mode: mode)
            try fd.write(bytes, path: temp)
            try check("fchmod", temp) { fchmod(fd.raw, mode) }
            if durable { try fd.sync(path: temp) }
            fd.close()
            try FileSystem.rename(temp, path)
        } catch {
            unlink(temp)
            throw error
        }
        if durable { syncDirectory(dir) }
    }

    package static func write(_ text: String, to path: String, mode: UInt32 = 0o644, durable: Bool = true) throws {
        try write(Array(text.utf8), to: path, mode: mode, durable: durable)
    }

    /// Makes a rename in `dir` durable; failures are harmless (the data is fsynced).
    package static func syncDirectory(_ dir: String) {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}

package enum RandomID {
    /// `count` random bytes as lowercase hex, from getrandom(2).
    package static func hex(_ count: Int) -> String {
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { berth_random_bytes($0.baseAddress, count) }
        return bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}

extension String {
    package func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
