// A unix socket's address (sockaddr_un) from a path, or, with a leading "@", a name
// in the abstract namespace: the one place that fills sun_path (D-Bus's connect,
// systemd's notify socket).
import Glibc

enum UnixSocketAddress {
    /// Calls `body` with the address of `path` and its length; `operation` names
    /// what fails when the path does not fit ("connect to").
    @discardableResult
    static func with<T>(_ path: String, operation: String,
                        _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T) throws -> T {
        var name = Array(path.utf8)
        // Abstract: a leading NUL and no terminating one (the length says where it ends).
        let isAbstract = name.first == UInt8(ascii: "@")
        if isAbstract { name[0] = 0 }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        guard name.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SystemError(operation, path, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in name.enumerated() { raw[i] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + name.count + (isAbstract ? 0 : 1))
        return try withUnsafePointer(to: &address) {
            try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, length) }
        }
    }
}
