// Whether a host port can be bound, and a free one when none is given: what a
// published port checks before its container starts (berth holds no socket on a
// published port, so a host process bound to it would otherwise win silently).
import Glibc

package enum PortProbe {
    /// Binds and releases `port` on `address` ("" for every address). nil when it
    /// is free; else the errno (EADDRINUSE: taken; EADDRNOTAVAIL: no such address here).
    package static func bindError(protocol name: String, address: String, port: UInt16) -> Int32? {
        let family = address.contains(":") ? AF_INET6 : AF_INET
        let fd = socket(family, socketType(name) | Int32(SOCK_CLOEXEC.rawValue), socketProtocol(name))
        // No SCTP in this kernel: nothing can hold the port either.
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let result = withSocketAddress(address, port: port, family: family) { bind(fd, $0, $1) }
        return result == 0 ? nil : errno
    }

    /// A port the kernel would give a socket now (its ephemeral range), bound and released.
    package static func freePort(protocol name: String, address: String) throws -> UInt16 {
        let family = address.contains(":") ? AF_INET6 : AF_INET
        let fd = try check("socket", name) { socket(family, socketType(name) | Int32(SOCK_CLOEXEC.rawValue), socketProtocol(name)) }
        defer { close(fd) }
        try check("bind", "\(name) port 0 on \(address.isEmpty ? "0.0.0.0" : address)") {
            withSocketAddress(address, port: 0, family: family) { bind(fd, $0, $1) }
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        try check("getsockname", name) {
            withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        }
        // sin_port and sin6_port sit at the same offset, in network order.
        let port = withUnsafeBytes(of: &storage) { $0.load(fromByteOffset: 2, as: UInt16.self) }
        return UInt16(bigEndian: port)
    }

    private static func socketType(_ name: String) -> Int32 {
        name == "udp" ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue)
    }

    private static func socketProtocol(_ name: String) -> Int32 {
        name == "sctp" ? Int32(IPPROTO_SCTP) : 0
    }

    private static func withSocketAddress(_ address: String, port: UInt16, family: Int32,
                                          _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        if family == AF_INET6 {
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            addr.sin6_port = port.bigEndian
            if !address.isEmpty && inet_pton(AF_INET6, address, &addr.sin6_addr) != 1 { errno = EINVAL; return -1 }
            return withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        if !address.isEmpty && inet_pton(AF_INET, address, &addr.sin_addr) != 1 { errno = EINVAL; return -1 }
        return withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    }
}
