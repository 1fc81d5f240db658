// systemd's readiness protocol (sd_notify(3)): one datagram of newline-separated
// KEY=VALUE assignments to the unix socket $NOTIFY_SOCKET names, a path or, with a
// leading "@", a name in the abstract namespace.
import Glibc

package enum NotifySocket {
    /// The variable systemd sets for a Type=notify service.
    package static let variable = "NOTIFY_SOCKET"

    /// The socket this process was given, if any.
    package static var address: String? { Environment.get(variable).flatMap { $0.isEmpty ? nil : $0 } }

    /// Drops $NOTIFY_SOCKET for this process and everything it starts from now on.
    package static func removeFromEnvironment() { unsetenv(variable) }

    /// Sends `message` ("MAINPID=42\nREADY=1") to `address`.
    package static func send(_ message: String, to address: String) throws {
        var name = Array(address.utf8)
        guard let first = name.first else { throw SystemError("send a notification to", "an empty \(variable)", errno: EINVAL) }
        // Abstract: a leading NUL and no terminating one (the length says where it ends).
        let isAbstract = first == UInt8(ascii: "@")
        if isAbstract { name[0] = 0 }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        guard name.count < MemoryLayout.size(ofValue: socketAddress.sun_path) else {
            throw SystemError("send a notification to", address, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { raw in
            for (i, byte) in name.enumerated() { raw[i] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + name.count + (isAbstract ? 0 : 1))
        let raw = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if raw < 0 { throw SystemError("create a datagram socket for", address) }
        let socket = FileDescriptor(raw: raw)
        let bytes = Array(message.utf8)
        try check("send a notification to", address) {
            withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Int32(clamping: sendto(socket.raw, bytes, bytes.count, Int32(MSG_NOSIGNAL), $0, length))
                }
            }
        }
    }
}
