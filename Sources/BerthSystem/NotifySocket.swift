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
        guard !address.isEmpty else { throw SystemError("send a notification to", "an empty \(variable)", errno: EINVAL) }
        let raw = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if raw < 0 { throw SystemError("create a datagram socket for", address) }
        let socket = FileDescriptor(raw: raw)
        let bytes = Array(message.utf8)
        try UnixSocketAddress.with(address, operation: "send a notification to") { socketAddress, length in
            try check("send a notification to", address) {
                Int32(clamping: sendto(socket.raw, bytes, bytes.count, Int32(MSG_NOSIGNAL), socketAddress, length))
            }
        }
    }
}
