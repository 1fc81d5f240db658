// TLS over a connected socket: SNI, hostname (or IP) verification, handshake, and
// reads/writes whose failures name the peer and OpenSSL's reason.
import BerthSystem
import CBerthSSL
import Glibc

final class TLSStream: Transport, @unchecked Sendable {
    private let ssl: OpaquePointer
    private let socket: TCPSocket
    private let context: TLSContext
    private let timeoutSeconds: Int
    /// The name the certificate must match; the socket may lead to a proxy instead.
    let address: String

    init(over socket: TCPSocket, host: String, port: Int, context: TLSContext, timeoutSeconds: Int) throws {
        address = URLParts(scheme: .https, host: host, port: port).address
        self.socket = socket
        self.context = context
        self.timeoutSeconds = timeoutSeconds
        ERR_clear_error()
        guard let ssl = SSL_new(context.context) else {
            throw RegistryError.tlsSetupFailed(reason: TLSContext.drainErrors())
        }
        self.ssl = ssl
        SSL_set_fd(ssl, socket.fd.raw)
        let isIPLiteral = host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
        // RFC 6066 §3: SNI carries DNS names only, never IP literals.
        if !isIPLiteral { _ = berth_ssl_set_sni(ssl, host) }
        if context.options.verify {
            let accepted = isIPLiteral ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) : SSL_set1_host(ssl, host)
            if accepted != 1 { throw RegistryError.tlsSetupFailed(reason: "cannot verify \(host): \(TLSContext.drainErrors())") }
        }
        let result = SSL_connect(ssl)
        if result != 1 {
            throw failure(result, operation: "handshake")
        }
    }

    deinit { SSL_free(ssl) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        ERR_clear_error()
        let n = SSL_read(ssl, buffer.baseAddress, Int32(min(buffer.count, Int(Int32.max))))
        if n > 0 { return Int(n) }
        let code = SSL_get_error(ssl, n)
        if code == SSL_ERROR_ZERO_RETURN || (code == SSL_ERROR_SYSCALL && errno == 0) { return 0 }
        throw failure(n, operation: "read from")
    }

    func write(_ buffer: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < buffer.count {
            let chunk = Int32(min(buffer.count - offset, 1 << 20))
            ERR_clear_error()
            // OpenSSL writes with write(2): keep a vanished peer from raising SIGPIPE.
            let n = withSIGPIPEBlocked { SSL_write(ssl, buffer.baseAddress! + offset, chunk) }
            if n <= 0 { throw failure(n, operation: "write to") }
            offset += Int(n)
        }
    }

    func hasPendingInput() -> Bool { SSL_pending(ssl) > 0 || socket.hasPendingInput() }

    func close() {
        socket.close()
    }

    private func failure(_ result: Int32, operation: String) -> RegistryError {
        let saved = errno
        let code = SSL_get_error(ssl, result)
        if code == SSL_ERROR_SYSCALL || code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE {
            if saved == EAGAIN || saved == EWOULDBLOCK { return .timedOut(address: address, seconds: timeoutSeconds) }
            if ERR_peek_error() == 0 {
                if saved == 0 { return .connectionClosed(address: address, during: "TLS \(operation == "handshake" ? "handshake" : "transfer")") }
                return .ioFailed(SystemError("TLS \(operation)", address, errno: saved))
            }
        }
        var reason = TLSContext.drainErrors()
        let verdict = SSL_get_verify_result(ssl)
        if verdict != X509_V_OK, let text = X509_verify_cert_error_string(verdict) {
            reason += " (\(String(cString: text)))"
        }
        if operation == "handshake" { return .tlsHandshakeFailed(address: address, reason: reason) }
        return .tlsFailed(address: address, operation: operation, reason: reason)
    }
}

/// Runs `body` with SIGPIPE blocked on this thread, discarding one raised meanwhile.
private func withSIGPIPEBlocked<T>(_ body: () -> T) -> T {
    var pipeOnly = sigset_t()
    var previous = sigset_t()
    sigemptyset(&pipeOnly)
    sigaddset(&pipeOnly, SIGPIPE)
    pthread_sigmask(SIG_BLOCK, &pipeOnly, &previous)
    let result = body()
    var pending = sigset_t()
    sigpending(&pending)
    if sigismember(&pending, SIGPIPE) == 1 {
        var zero = timespec(tv_sec: 0, tv_nsec: 0)
        _ = sigtimedwait(&pipeOnly, nil, &zero)
    }
    pthread_sigmask(SIG_SETMASK, &previous, nil)
    return result
}
