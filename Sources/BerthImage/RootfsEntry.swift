// What MergedRootfs reports about one entry of a container's or image's tree:
// the lstat of the layer that provides it, named by its path inside the root.
import Glibc

package struct RootfsEntry: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        case regular, directory, symlink, characterDevice, blockDevice, fifo, socket
    }

    /// The path inside the root, absolute and free of symlinks, `.` and `..`.
    package let path: String
    package let kind: Kind
    /// Permission bits with set-id and sticky bits (no type bits).
    package let permissions: UInt32
    package let uid: UInt32
    package let gid: UInt32
    package let size: Int64
    package let modifiedSeconds: Int64
    package let modifiedNanoseconds: Int64
    /// The device number of a character or block device.
    package let device: UInt64
    package let inode: UInt64
    package let linkCount: UInt64
    /// Which directory of the stack holds it: 0 is the top (a container's upper dir).
    package let layer: Int

    package var name: String { path == "/" ? "/" : String(path[path.index(after: path.lastIndex(of: "/")!)...]) }

    init(path: String, status st: stat, layer: Int) {
        self.path = path
        kind = Self.kind(of: st.st_mode)
        permissions = st.st_mode & 0o7777
        uid = st.st_uid
        gid = st.st_gid
        size = Int64(st.st_size)
        modifiedSeconds = Int64(st.st_mtim.tv_sec)
        modifiedNanoseconds = Int64(st.st_mtim.tv_nsec)
        device = UInt64(st.st_rdev)
        inode = UInt64(st.st_ino)
        linkCount = UInt64(st.st_nlink)
        self.layer = layer
    }

    static func kind(of mode: mode_t) -> Kind {
        switch mode & S_IFMT {
        case S_IFDIR: .directory
        case S_IFLNK: .symlink
        case S_IFCHR: .characterDevice
        case S_IFBLK: .blockDevice
        case S_IFIFO: .fifo
        case S_IFSOCK: .socket
        default: .regular
        }
    }

    /// What a refusal to read it says: "is a symlink", "is a fifo", ...
    var kindPhrase: String {
        switch kind {
        case .regular: "is a regular file"
        case .directory: "is a directory"
        case .symlink: "is a symbolic link"
        case .characterDevice: "is a character device"
        case .blockDevice: "is a block device"
        case .fifo: "is a fifo"
        case .socket: "is a socket"
        }
    }
}
