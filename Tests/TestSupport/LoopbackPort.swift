// A TCP socket bound to a port the kernel picks on 127.0.0.1: a port a test can
// hand to berth as free (closed at once), or hold to see berth refuse it.
import Glibc

public struct LoopbackPort {
    public let fd: Int32
    public let port: Int

    /// Binds (and, with `listening`, listens on) 127.0.0.1:0.
    public init(listening: Bool = false) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = fd
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        if listening { _ = listen(fd, 1) }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    public func close() { Glibc.close(fd) }
}

/// A TCP port nobody listens on now (bound to port 0 on 127.0.0.1, then closed).
public func freePort() -> Int {
    let held = LoopbackPort()
    defer { held.close() }
    return held.port
}
