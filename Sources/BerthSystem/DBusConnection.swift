// A minimal D-Bus client over a unix stream socket: SASL EXTERNAL authentication
// (the uid as hex-encoded decimal text), BEGIN, Hello when the peer is a bus, then
// method calls whose replies are matched by serial, and signals kept for whoever
// waits for them. Enough to drive systemd's manager (SystemdScope.swift); every
// read has a deadline, so a peer that stops answering fails the call instead of
// hanging a container's start.
import Glibc

package final class DBusConnection {
    private let socket: FileDescriptor
    private let address: String
    private var nextSerial: UInt32 = 1
    private var buffer: [UInt8] = []
    /// Signals that arrived while a reply was awaited.
    private var pendingSignals: [DBusMessage] = []
    /// The name the bus gave this connection (nil on a peer-to-peer connection).
    package private(set) var uniqueName: String?
    /// How long a reply may take, in seconds.
    package var timeout: Double

    /// Connects to the socket at `path` and authenticates as this process's uid;
    /// `isBus`: the peer is a message bus (dbus-daemon), so Hello is sent, rather
    /// than a peer such as systemd's private socket.
    package init(path: String, isBus: Bool, timeout: Double = 10) throws {
        self.address = path
        self.timeout = timeout
        let raw = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if raw < 0 { throw SystemError("create a socket for", path) }
        socket = FileDescriptor(raw: raw)
        try UnixSocketAddress.with(path, operation: "connect to") { address, length in
            try check("connect to", path) { connect(raw, address, length) }
        }
        try authenticate()
        if isBus {
            let reply = try call(.call("org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus", member: "Hello"))
            uniqueName = reply.body.first?.text
        }
    }

    /// The uid the peer sees: it checks the claim against the socket's credentials,
    /// which the kernel gives in the peer's user namespace (the host's), so inside the
    /// rootless user namespace (where getuid() is 0: `build`'s path) the claim is the
    /// mapped, outer uid.
    static var peerUID: UInt32 {
        let uid = getuid()
        for mapping in UserNamespace.currentUIDMap() where uid >= mapping.containerID && uid - mapping.containerID < mapping.size {
            return mapping.hostID + (uid - mapping.containerID)
        }
        return uid
    }

    /// The SASL exchange: a nul byte, AUTH EXTERNAL with the uid, OK, BEGIN.
    private func authenticate() throws {
        let uid = Array(String(DBusConnection.peerUID).utf8).map { String($0, radix: 16) }.joined()
        try socket.write([0] + Array("AUTH EXTERNAL \(uid)\r\n".utf8), path: address)
        let line = try readLine()
        guard line.hasPrefix("OK ") else {
            throw SystemError("authenticate to the D-Bus peer at", "\(address) (it answered \"\(line)\")", errno: EACCES)
        }
        try socket.write(Array("BEGIN\r\n".utf8), path: address)
    }

    /// Sends `message` and returns its reply; an error reply throws, naming the call.
    @discardableResult
    package func call(_ message: DBusMessage) throws -> DBusMessage {
        let serial = try send(message)
        let deadline = Stopwatch.seconds() + timeout
        while true {
            let received = try receive(until: deadline, waitingFor: "the reply to \(message.member ?? "a call")")
            if received.replySerial == serial {
                if received.kind == .error {
                    throw SystemError("D-Bus call \(message.interface ?? "").\(message.member ?? "") failed",
                                      "(\(received.errorDescription))", errno: DBusConnection.errno(for: received.errorName))
                }
                return received
            }
            if received.kind == .signal { pendingSignals.append(received) }
        }
    }

    /// Sends `message` with the next serial; the serial.
    @discardableResult
    package func send(_ message: DBusMessage) throws -> UInt32 {
        var numbered = message
        numbered.serial = nextSerial
        nextSerial += 1
        try socket.write(numbered.encoded(), path: address)
        return numbered.serial
    }

    /// The first signal (already received or arriving within `timeout` seconds)
    /// for which `matches` holds; others are dropped.
    package func waitForSignal(timeout seconds: Double, _ what: String, matching matches: (DBusMessage) -> Bool) throws -> DBusMessage {
        if let index = pendingSignals.firstIndex(where: matches) { return pendingSignals.remove(at: index) }
        pendingSignals.removeAll()
        let deadline = Stopwatch.seconds() + seconds
        while true {
            let received = try receive(until: deadline, waitingFor: what)
            if received.kind == .signal && matches(received) { return received }
        }
    }

    /// The next message of any kind, within `timeout` seconds (a peer serving calls).
    package func nextMessage(timeout seconds: Double) throws -> DBusMessage {
        try receive(until: Stopwatch.seconds() + seconds, waitingFor: "a message")
    }

    /// The next whole message.
    private func receive(until deadline: Double, waitingFor what: String) throws -> DBusMessage {
        while true {
            if buffer.count >= 16 {
                guard let length = DBusMessage.length(ofPrefix: Array(buffer.prefix(16))), length <= 1 << 27 else {
                    throw DBusDecoder.malformed("message from \(address)")
                }
                if buffer.count >= length {
                    let message = try DBusMessage.decode(Array(buffer.prefix(length)))
                    buffer.removeFirst(length)
                    return message
                }
            }
            try fill(until: deadline, waitingFor: what)
        }
    }

    private func readLine() throws -> String {
        let deadline = Stopwatch.seconds() + timeout
        while true {
            if let end = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeFirst(end + 1)
                return line.hasSuffix("\r") ? String(line.dropLast()) : line
            }
            try fill(until: deadline, waitingFor: "the authentication answer")
        }
    }

    /// Reads what has arrived, waiting at most until `deadline`.
    private func fill(until deadline: Double, waitingFor what: String) throws {
        let remaining = deadline - Stopwatch.seconds()
        var poller = pollfd(fd: socket.raw, events: Int16(POLLIN), revents: 0)
        let ready = try check("wait for \(what) from", address) { poll(&poller, 1, Int32(max(0, remaining * 1000))) }
        if ready == 0 { throw SystemError("wait for \(what) from", address, errno: ETIMEDOUT) }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = try chunk.withUnsafeMutableBytes { try socket.read(into: $0, path: address) }
        if count == 0 { throw SystemError("read \(what) from", address + " (the peer closed the connection)", errno: ECONNRESET) }
        buffer.append(contentsOf: chunk[..<count])
    }

    /// The errno that best says what a D-Bus error name means.
    static func errno(for name: String?) -> Int32 {
        switch name {
        case "org.freedesktop.DBus.Error.AccessDenied", "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired": return EACCES
        case "org.freedesktop.systemd1.UnitExists": return EEXIST
        case "org.freedesktop.systemd1.NoSuchUnit", "org.freedesktop.DBus.Error.ServiceUnknown": return ENOENT
        case "org.freedesktop.DBus.Error.InvalidArgs", "org.freedesktop.DBus.Error.PropertyReadOnly": return EINVAL
        default: return EPROTO
        }
    }
}
