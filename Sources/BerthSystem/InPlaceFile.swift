// Rewriting a file that is bind-mounted into running containers: the same inode
// must keep the new content (a rename would leave the mount on the old file), so
// the bytes are written over the old ones and the rest cut off, under an flock on
// the file itself so two berth processes never interleave their writes.
import Glibc

package enum InPlaceFile {
    /// Replaces the content of `path` (created with `mode` if missing) keeping its inode.
    package static func replace(_ path: String, with bytes: [UInt8], mode: UInt32 = 0o644) throws {
        let fd = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_CLOEXEC, mode: mode)
        defer { fd.close() }
        try check("flock", path) { flock(fd.raw, LOCK_EX) }
        // Writing first and cutting after keeps the window in which a reader sees a
        // short file to the tail of a longer old one (never an empty file).
        try fd.write(bytes, path: path)
        try check("ftruncate", path) { ftruncate(fd.raw, off_t(bytes.count)) }
    }
}
