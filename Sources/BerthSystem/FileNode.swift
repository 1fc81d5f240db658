// One file-system node by path, never following a final symlink: its kind and
// size, removal of an empty directory, owner and mode changes. A build step uses
// them on a stopped container's upper dir and on its cache directories.
import Glibc

package enum FileNode {
    package enum Kind: Sendable, Equatable { case directory, regular, symlink, other }

    /// The node at `path` (lstat), nil when there is none.
    package static func status(_ path: String) -> (kind: Kind, size: Int64)? {
        var st = Glibc.stat()
        guard lstat(path, &st) == 0 else { return nil }
        let kind: Kind
        switch st.st_mode & S_IFMT {
        case S_IFDIR: kind = .directory
        case S_IFREG: kind = .regular
        case S_IFLNK: kind = .symlink
        default: kind = .other
        }
        return (kind, Int64(st.st_size))
    }

    /// The node's owner (lstat), nil when there is none.
    package static func owner(_ path: String) -> (uid: UInt32, gid: UInt32)? {
        var st = Glibc.stat()
        guard lstat(path, &st) == 0 else { return nil }
        return (st.st_uid, st.st_gid)
    }

    /// Removes `path` when it is an empty directory; false when it is not (or is gone).
    @discardableResult
    package static func removeEmptyDirectory(_ path: String) -> Bool { rmdir(path) == 0 }

    package static func changeOwner(_ path: String, uid: UInt32, gid: UInt32) throws {
        try check("chown", path) { lchown(path, uid, gid) }
    }

    package static func changeMode(_ path: String, _ mode: UInt32) throws {
        try check("chmod", path) { chmod(path, mode_t(mode)) }
    }
}
