// One tar entry's metadata, after PAX and GNU long-name records are applied.
package struct TarEntry: Sendable {
    package enum Kind: Sendable, Equatable {
        case regular, hardlink, symlink, characterDevice, blockDevice, directory, fifo
    }

    package var path: String
    package var kind: Kind
    package var linkTarget: String = ""
    package var mode: UInt32 = 0o644
    package var uid: UInt32 = 0
    package var gid: UInt32 = 0
    package var size: Int64 = 0
    package var mtime: Int64 = 0
    package var mtimeNanoseconds: Int64 = 0
    package var devMajor: UInt32 = 0
    package var devMinor: UInt32 = 0
    package var xattrs: [(name: String, value: [UInt8])] = []

    package init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }
}
