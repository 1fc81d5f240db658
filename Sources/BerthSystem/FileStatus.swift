// stat(2) of a path, symlinks followed (--device reads a host node's type and numbers).
package import Glibc

extension FileSystem {
    package static func status(_ path: String) throws -> stat {
        var st = Glibc.stat()
        _ = try check("stat", path) { stat(path, &st) }
        return st
    }
}
