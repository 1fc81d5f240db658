// A connected TCP socket: getaddrinfo, a connect bounded by a timeout (non-blocking
// connect + poll), TCP_NODELAY, and send/receive timeouts so a silent peer cannot hang a pull.
import BerthSystem
import Glibc

final class TCPSocket: Transport, @unchecked Sendable {
    let fd: FileDescriptor
    let address: String
    private let timeoutSeconds: Int

    private init(fd: FileDescriptor, address: String, timeoutSeconds: Int) {
        self.fd = fd
        self.address = address
        self.timeoutSeconds = timeoutSeconds
    }

    /// Tries every address `host` resolves to, in order, until one accepts.
    static func connect(host: String, port: Int, timeoutSeconds: Int) throws -> TCPSocket {
        let address = URLParts(scheme: .http, host: host, port: port).address
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        // No AI_ADDRCONFIG: it hides loopback addresses on a host with only lo configured,
        // and every returned address is tried in turn anyway.
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            let reason = status == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(status))
            throw RegistryError.resolveFailed(host: host, reason: reason)
        }
        defer { freeaddrinfo(list) }
        var lastError = RegistryError.resolveFailed(host: host, reason: "no usable address")
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            do {
                let fd = try connectOne(info.pointee, address: address, timeoutSeconds: timeoutSeconds)
                return TCPSocket(fd: fd, address: address, timeoutSeconds: timeoutSeconds)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    private static func connectOne(_ info: addrinfo, address: String, timeoutSeconds: Int) throws(RegistryError) -> FileDescriptor {
        let raw = socket(info.ai_family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue), 0)
        guard raw >= 0 else { throw .connectFailed(SystemError("connect to", address, errno: errno)) }
        let fd = FileDescriptor(raw: raw)
        if Glibc.connect(raw, info.ai_addr, info.ai_addrlen) != 0 {
            let saved = errno
            guard saved == EINPROGRESS || saved == EINTR else { throw .connectFailed(SystemError("connect to", address, errno: saved)) }
            var pfd = pollfd(fd: raw, events: Int16(POLLOUT), revents: 0)
            var ready: Int32
            repeat { ready = poll(&pfd, 1, Int32(timeoutSeconds * 1000)) } while ready < 0 && errno == EINTR
            if ready == 0 { throw .connectTimedOut(address: address, seconds: timeoutSeconds) }
            if ready < 0 { throw .connectFailed(SystemError("connect to", address, errno: errno)) }
            var soError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(raw, SOL_SOCKET, SO_ERROR, &soError, &length)
            if soError != 0 { throw .connectFailed(SystemError("connect to", address, errno: soError)) }
        }
        // Back to blocking: reads and writes wait in the kernel, bounded by SO_RCVTIMEO/SO_SNDTIMEO.
        _ = fcntl(raw, F_SETFL, fcntl(raw, F_GETFL) & ~O_NONBLOCK)
        var one: Int32 = 1
        setsockopt(raw, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(raw, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(raw, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = recv(fd.raw, buffer.baseAddress, buffer.count, 0)
            if n >= 0 { return n }
            let saved = errno
            if saved == EINTR { continue }
            throw ioError(saved, "reading from")
        }
    }

    func write(_ buffer: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < buffer.count {
            // MSG_NOSIGNAL: a peer that went away is an error to report, not a SIGPIPE.
            let n = send(fd.raw, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
            if n < 0 {
                let saved = errno
                if saved == EINTR { continue }
                throw ioError(saved, "writing to")
            }
            offset += n
        }
    }

    func hasPendingInput() -> Bool {
        var pfd = pollfd(fd: fd.raw, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, 0) != 0
    }

    func close() { fd.close() }

    /// A timeout surfaces as EAGAIN from a blocking socket with SO_RCVTIMEO set.
    func ioError(_ saved: Int32, _ operation: String) -> RegistryError {
        if saved == EAGAIN || saved == EWOULDBLOCK { return .timedOut(address: address, seconds: timeoutSeconds) }
        return .ioFailed(SystemError(operation, address, errno: saved))
    }
}
