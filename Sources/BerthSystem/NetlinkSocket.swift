// A NETLINK_ROUTE socket in the host's network namespace or a container's: sends
// one request at a time and reads its acknowledgement (or its replies), turning a
// kernel error into a SystemError naming the operation and the object.
import CBerth
import Glibc

package final class NetlinkSocket {
    private let fd: FileDescriptor
    private var sequence: UInt32 = 0

    private init(fd: Int32) { self.fd = FileDescriptor(raw: fd) }

    /// A socket in this process's network namespace.
    package static func host() throws -> NetlinkSocket {
        let fd = try check("socket", "netlink route") { socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), NETLINK_ROUTE) }
        return NetlinkSocket(fd: fd)
    }

    /// A socket in the network namespace of process `pid` (/proc/PID/ns/net).
    package static func inNetworkNamespace(of pid: Int32) throws -> NetlinkSocket {
        let path = "/proc/\(pid)/ns/net"
        let namespace = try FileDescriptor.open(path, O_RDONLY)
        let fd = try check("netlink socket in", path) { berth_netlink_socket_in(namespace.raw) }
        return NetlinkSocket(fd: fd)
    }

    /// Sends `message` with NLM_F_ACK and waits for its acknowledgement.
    func perform(_ message: NetlinkMessage, _ operation: String, _ object: String) throws {
        _ = try exchange(message, flags: NLM_F_ACK, operation, object)
    }

    /// Sends a get request and returns each reply's payload (after the nlmsghdr).
    func query(_ message: NetlinkMessage, _ operation: String, _ object: String) throws -> [ArraySlice<UInt8>] {
        try exchange(message, flags: 0, operation, object)
    }

    private func exchange(_ message: NetlinkMessage, flags: Int32, _ operation: String, _ object: String) throws -> [ArraySlice<UInt8>] {
        sequence &+= 1
        var bytes = message.finished(sequence: sequence)
        if flags != 0 {
            let current = UInt16(bytes[6]) | UInt16(bytes[7]) << 8
            let combined = current | UInt16(flags)
            bytes[6] = UInt8(combined & 0xFF)
            bytes[7] = UInt8(combined >> 8)
        }
        var kernel = sockaddr_nl()
        kernel.nl_family = sa_family_t(AF_NETLINK)
        let sent = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &kernel) { address in
                address.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd.raw, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
                }
            }
        }
        if sent < 0 { throw SystemError(operation, object) }
        return try receive(operation, object)
    }

    /// Reads until the ack, the error or NLMSG_DONE of the current sequence number.
    private func receive(_ operation: String, _ object: String) throws -> [ArraySlice<UInt8>] {
        var replies: [ArraySlice<UInt8>] = []
        var buffer = [UInt8](repeating: 0, count: 32768)
        let headerSize = MemoryLayout<nlmsghdr>.size
        while true {
            let count = try buffer.withUnsafeMutableBytes { raw in
                try check("recv", "netlink \(operation)") { Int32(truncatingIfNeeded: recv(fd.raw, raw.baseAddress, raw.count, 0)) }
            }
            var offset = 0
            var multipart = false
            while offset + headerSize <= Int(count) {
                let header = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: nlmsghdr.self) }
                let length = Int(header.nlmsg_len)
                guard length >= headerSize, offset + length <= Int(count) else { break }
                let payload = buffer[(offset + headerSize)..<(offset + length)]
                if header.nlmsg_seq == sequence {
                    switch Int32(header.nlmsg_type) {
                    case NLMSG_ERROR:
                        let code = payload.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
                        if code != 0 { throw SystemError(operation, object, errno: -code) }
                        return replies
                    case NLMSG_DONE:
                        return replies
                    default:
                        replies.append(payload)
                        if Int32(header.nlmsg_flags) & NLM_F_MULTI != 0 { multipart = true }
                    }
                }
                offset += (length + 3) & ~3
            }
            // A single (not multipart) reply to a get is the whole answer.
            if !replies.isEmpty && !multipart { return replies }
        }
    }
}
