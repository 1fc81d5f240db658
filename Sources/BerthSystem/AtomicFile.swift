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

    /// A file that does not exist yet, in a directory no other process reads until a later
    /// atomic write publishes it (a new container's userdata, written before its
    /// config.json): created and written in place. That is one inode and no rename, so one
    /// journal update where the atomic write makes three (temp inode, rename, and the
    /// temp's unlink on removal). A crash leaves at worst an empty file in a directory
    /// nothing reads. Where the file exists after all (a retried create), it is replaced
    /// atomically instead.
    package static func writeUnpublished(_ bytes: [UInt8], to path: String, mode: UInt32 = 0o644) throws {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: mode)
        } catch let error as SystemError where error.errno == EEXIST {
            return try write(bytes, to: path, mode: mode, durable: false)
        }
        do {
            try fd.write(bytes, path: path)
            // The umask may have narrowed the mode (a container's /etc/hosts must stay readable).
            var st = stat()
            if fstat(fd.raw, &st) != 0 || st.st_mode & 0o7777 != mode {
                try check("fchmod", path) { fchmod(fd.raw, mode) }
            }
        } catch {
            fd.close()
            unlink(path)
            throw error
        }
        fd.close()
    }

    package static func writeUnpublished(_ text: String, to path: String, mode: UInt32 = 0o644) throws {
        try writeUnpublished(Array(text.utf8), to: path, mode: mode)
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
