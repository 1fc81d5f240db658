// Real registries for the integration tests: Debian's docker-registry
// (distribution 2.8.2) on a loopback port, plain, TLS, htpasswd or token auth,
// with its JSON log read back so tests can count what a client sent.
import Foundation
import Glibc

/// A docker-registry on 127.0.0.1 with its storage in a fresh temporary
/// directory, and in token modes a token server beside it. Create one per test
/// and `stop()` it at the end: deinit stops it too, but Swift may free the
/// registry right after its last use, while the test still talks to it.
///
///     let registry = try TestRegistry(.basicAuth(user: "u", password: "p", tls: true))
///     defer { registry.stop() }
///     sb.berth("push", "--cert-dir", registry.certDirectory, "\(registry.address)/img:1")
public final class TestRegistry: @unchecked Sendable {
    public enum Auth: Sendable, Equatable {
        case none
        /// htpasswd (bcrypt) checked by the registry itself.
        case basic(user: String, password: String)
        /// Bearer tokens from a token server beside the registry: anonymous
        /// clients get pull access only, `user` every action it asks for.
        case token(user: String, password: String)
    }

    public struct Mode: Sendable, Equatable {
        public var auth: Auth
        /// HTTPS (registry and token server) with a certificate for 127.0.0.1
        /// and localhost, signed by a CA made for this registry.
        public var isTLS: Bool
        /// Mutual TLS: the registry accepts only clients with a certificate from its
        /// CA; `certDirectory` then also holds `client.cert` and `client.key`.
        public var requiresClientCertificate: Bool

        public init(auth: Auth = .none, isTLS: Bool = false, requiresClientCertificate: Bool = false) {
            self.auth = auth
            self.isTLS = isTLS || requiresClientCertificate
            self.requiresClientCertificate = requiresClientCertificate
        }

        public static let plain = Mode()
        public static let tls = Mode(isTLS: true)
        public static let mutualTLS = Mode(isTLS: true, requiresClientCertificate: true)

        public static func basicAuth(user: String, password: String, tls: Bool = false) -> Mode {
            Mode(auth: .basic(user: user, password: password), isTLS: tls)
        }

        public static func token(user: String, password: String, tls: Bool = false) -> Mode {
            Mode(auth: .token(user: user, password: password), isTLS: tls)
        }
    }

    /// The `service` the registry names in its Bearer challenge (and the tokens' `aud`).
    public static let tokenService = "berth-test-registry"
    /// The realm of the Basic challenge in `.basic` modes.
    public static let basicRealm = "berth-test"

    public let mode: Mode
    public let port: Int
    /// "127.0.0.1:PORT", the registry part of an image reference.
    public let address: String
    /// "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT".
    public let url: String
    /// The temporary directory holding everything below.
    public let directory: String
    /// The registry's filesystem storage root.
    public let storageDirectory: String
    /// A directory for podman-style `--cert-dir`: holds `ca.crt` in TLS modes
    /// and nothing otherwise. World-readable, so berth can use it as any user.
    public let certDirectory: String
    /// The CA certificate (PEM) in TLS modes: `certDirectory/ca.crt`.
    public let caCertificate: String?
    /// "127.0.0.1:PORT" of the token server in token modes.
    public let tokenServerAddress: String?
    /// The registry's log: JSON lines, one per request among others.
    public let logFile: String

    private let tokenLogFile: String
    private let lock = NSLock()
    private var servers: [ServerProcess]
    private var logOffset: UInt64
    private var tokenLogOffset: UInt64 = 0
    private var stopped = false

    /// Starts the registry (and token server) and returns once `GET /v2/` is
    /// answered; throws with the registry's output when it is not within 10 s.
    public init(_ mode: Mode = .plain) throws {
        Self.removeOrphans()
        let dir = try Self.makeDirectory()
        var servers: [ServerProcess] = []
        do {
            let storage = dir + "/storage"
            let certs = dir + "/certs"
            try Self.makeDirectory(storage, mode: 0o700)
            try Self.makeDirectory(certs, mode: 0o755)
            let scheme = mode.isTLS ? "https" : "http"
            var config = Self.baseConfig(storage: storage)

            var tls: TestCA?
            if mode.isTLS {
                let made = try TestCA(in: dir, certDirectory: certs, serverNames: ["IP:127.0.0.1", "DNS:localhost"])
                config += """
                      tls:
                        certificate: \(made.serverCertificate)
                        key: \(made.serverKey)

                    """
                if mode.requiresClientCertificate {
                    try made.issueClientCertificate(certificate: certs + "/client.cert", key: certs + "/client.key")
                    config += """
                            clientcas:
                              - \(made.certificate)

                        """
                }
                tls = made
            }

            var tokenAddress: String?
            switch mode.auth {
            case .none:
                break
            case let .basic(user, password):
                let htpasswd = dir + "/htpasswd"
                try writeBytes(Array("\(user):\(try Self.bcrypt(password))\n".utf8), to: htpasswd)
                config += """
                    auth:
                      htpasswd:
                        realm: \(Self.basicRealm)
                        path: \(htpasswd)

                    """
            case let .token(user, password):
                let (server, address, tokenCertificate) = try Self.startTokenServer(
                    in: dir, user: user, password: password, tls: tls)
                servers.append(server)
                tokenAddress = address
                config += """
                    auth:
                      token:
                        realm: \(scheme)://\(address)/token
                        service: \(Self.tokenService)
                        issuer: \(Self.tokenIssuer)
                        rootcertbundle: \(tokenCertificate)

                    """
            }

            let configFile = dir + "/config.yml"
            let log = dir + "/registry.log"
            try writeBytes(Array(config.utf8), to: configFile)
            let registry = try ServerProcess(
                name: "docker-registry", argv: [try requiredTool("docker-registry"), "serve", configFile],
                output: dir + "/registry.out", errors: log)
            servers.append(registry)
            let port = try Self.waitForListeningPort(of: registry, log: log)
            try Self.waitUntilAnswering(port: port, caCertificate: tls?.certificate, registry: registry, log: log,
                                        scratch: dir + "/.io")

            self.mode = mode
            self.port = port
            address = "127.0.0.1:\(port)"
            url = "\(scheme)://127.0.0.1:\(port)"
            directory = dir
            storageDirectory = storage
            certDirectory = certs
            caCertificate = tls?.certificate
            tokenServerAddress = tokenAddress
            logFile = log
            tokenLogFile = dir + "/token-requests.log"
            logOffset = Self.fileSize(log)
            self.servers = servers
        } catch {
            for server in servers.reversed() { server.kill() }
            try? FileManager.default.removeItem(atPath: dir)
            throw error
        }
    }

    deinit {
        stop()
    }

    /// Kills the registry and token server (SIGKILL, then reaps them) and
    /// removes the directory with the storage. Idempotent.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        for server in servers.reversed() { server.kill() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: request accounting

    /// The requests the registry answered since start or the last
    /// `resetRequests()`, in the order it finished them. Waits until the log has
    /// been quiet for 50 ms first: the registry logs a request just after
    /// answering it.
    public func requests() throws -> [RegistryRequest] {
        try Self.waitForQuiet(logFile)
        let offset = lock.withLock { logOffset }
        var found = Self.lines(of: logFile, from: offset).compactMap(RegistryRequest.init(logLine:))
        deriveUploadedBytes(&found)
        return found
    }

    /// Blob bytes the registry received into upload sessions, summed over
    /// `requests()` (see `RegistryRequest.uploadedBytes`).
    public func uploadedBytes() throws -> Int {
        try requests().reduce(0) { $0 + ($1.uploadedBytes ?? 0) }
    }

    /// Forgets the requests (and token requests) so far: later calls report only newer ones.
    public func resetRequests() {
        try? Self.waitForQuiet(logFile)
        lock.withLock {
            logOffset = Self.fileSize(logFile)
            tokenLogOffset = Self.fileSize(tokenLogFile)
        }
    }

    /// The token server's requests since start or the last `resetRequests()`;
    /// empty unless the mode is `.token`.
    public func tokenRequestLog() -> [TokenServerRequest] {
        guard tokenServerAddress != nil else { return [] }
        let offset = lock.withLock { tokenLogOffset }
        return Self.lines(of: tokenLogFile, from: offset).compactMap { line in
            (try? JSONDecoder().decode(TokenLogLine.self, from: Data(line.utf8))).map(TokenServerRequest.init)
        }
    }

    /// How many tokens were asked for (granted or not) since start or the last `resetRequests()`.
    public var tokenRequests: Int {
        tokenRequestLog().count
    }

    /// distribution 2.8.2 logs no request sizes, but an upload session's
    /// `_state` carries the bytes received so far: a PATCH delivered the offset
    /// of the session's next request minus its own, the closing PUT the
    /// committed blob's size minus its own offset.
    private func deriveUploadedBytes(_ requests: inout [RegistryRequest]) {
        for i in requests.indices {
            guard case let .blobUpload(_, session?) = requests[i].route,
                  let offset = requests[i].uploadOffset else { continue }
            switch (requests[i].method, requests[i].status) {
            case ("PATCH", 202):
                let next = requests[(i + 1)...].first {
                    if case let .blobUpload(_, other) = $0.route, other == session { return $0.uploadOffset != nil }
                    return false
                }
                if let after = next?.uploadOffset { requests[i].uploadedBytes = after - offset }
            case ("PUT", 201):
                if let digest = requests[i].query("digest"), let size = blobSize(digest) {
                    requests[i].uploadedBytes = size - offset
                }
            default:
                break
            }
        }
    }

    /// The size of a committed blob in the storage, by digest ("sha256:…").
    public func blobSize(_ digest: String) -> Int? {
        let parts = digest.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, parts[1].count > 2 else { return nil }
        let path = "\(storageDirectory)/docker/registry/v2/blobs/\(parts[0])/\(parts[1].prefix(2))/\(parts[1])/data"
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : nil
    }

    // MARK: starting

    static let directoryName = "berth-registry"
    static let directoryPrefix = "/tmp/\(directoryName)-"
    static let tokenIssuer = "berth-test-token-issuer"
    /// The readiness probe's User-Agent: its requests are left out of `requests()`.
    static let probeAgent = "berth-test-readiness"
    static let startTimeout = 10.0

    /// A fresh /tmp/berth-registry-XXXXXX (0711: berth running as another user
    /// reaches the cert dir, but cannot list the rest) with an `owner` file
    /// naming this process, for `removeOrphans`.
    private static func makeDirectory() throws -> String {
        let made = try TemporaryDirectory.make(directoryName)
        chmod(made, 0o711)
        try writeBytes(Array("\(getpid())\n".utf8), to: made + "/owner")
        return made
    }

    private static func makeDirectory(_ path: String, mode: mode_t) throws {
        guard mkdir(path, mode) == 0 else { throw TestSupportError("mkdir \(path): errno \(errno)") }
        chmod(path, mode)
    }

    private static func baseConfig(storage: String) -> String {
        // The log goes to stderr (there is no setting for a file); the access
        // log (Apache format, stdout) is off: the JSON app log has more.
        // uploadpurging off: no background pass over the storage mid-test.
        let secret = (0..<16).map { _ in String(UInt8.random(in: 0...255), radix: 16) }.joined()
        return """
            version: 0.1
            log:
              level: info
              formatter: json
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: \(storage)
              delete:
                enabled: true
              maintenance:
                uploadpurging:
                  enabled: false
            http:
              addr: 127.0.0.1:0
              secret: \(secret)

            """
    }

    /// The registry listens on port 0 and logs the port the kernel gave it
    /// ("listening on 127.0.0.1:PORT", with ", tls" in TLS modes): no window
    /// in which another process could take a port picked in advance.
    private static func waitForListeningPort(of registry: ServerProcess, log: String) throws -> Int {
        let marker = "\"msg\":\"listening on 127.0.0.1:"
        let deadline = Date() + startTimeout
        while true {
            let text = String(decoding: (try? readBytes(log)) ?? [], as: UTF8.self)
            if let range = text.range(of: marker),
               let port = Int(text[range.upperBound...].prefix { $0.isNumber }), port > 0 {
                return port
            }
            try registry.checkRunning(log: log)
            guard Date() < deadline else {
                throw TestSupportError("docker-registry did not listen within \(startTimeout) s:\n\(text)")
            }
            usleep(20_000)
        }
    }

    /// Polls `GET /v2/` until an HTTP status comes back (any: 401 in auth
    /// modes), then waits for its log line so `requests()` starts after it.
    private static func waitUntilAnswering(
        port: Int, caCertificate: String?, registry: ServerProcess, log: String, scratch: String
    ) throws {
        let deadline = Date() + startTimeout
        var answered = false
        while true {
            if !answered {
                answered = caCertificate.map { answersHTTPS(port: port, caCertificate: $0, scratch: scratch) }
                    ?? answersHTTP(port: port)
            }
            if answered, lines(of: log, from: 0).contains(where: { $0.contains(probeAgent) }) {
                return
            }
            try registry.checkRunning(log: log)
            guard Date() < deadline else {
                let text = String(decoding: (try? readBytes(log)) ?? [], as: UTF8.self)
                throw TestSupportError(
                    "docker-registry on port \(port) did not answer GET /v2/ within \(startTimeout) s:\n\(text)")
            }
            usleep(20_000)
        }
    }

    private static func probeRequest(port: Int) -> [UInt8] {
        let head = "GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUser-Agent: \(probeAgent)\r\n"
        return Array((head + "Connection: close\r\n\r\n").utf8)
    }

    /// One `GET /v2/` over plain HTTP: true when a status line came back.
    private static func answersHTTP(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port)).bigEndian
        addr.sin_addr.s_addr = in_addr_t(0x7f00_0001).bigEndian
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return false }
        let request = probeRequest(port: port)
        guard write(fd, request, request.count) == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(fd, &buffer, buffer.count)
        return n > 0 && buffer[0..<n].starts(with: Array("HTTP/1.1 ".utf8))
    }

    /// One `GET /v2/` over TLS through `openssl s_client`, verifying the
    /// certificate against the CA and for 127.0.0.1 the way clients will.
    private static func answersHTTPS(port: Int, caCertificate: String, scratch: String) -> Bool {
        guard let openssl = try? requiredTool("openssl") else { return false }
        // With mutual TLS the probe shows the client certificate too.
        let certs = (caCertificate as NSString).deletingLastPathComponent
        let client = FileManager.default.fileExists(atPath: certs + "/client.cert")
            ? ["-cert", certs + "/client.cert", "-key", certs + "/client.key"] : []
        let r = runCommand(
            [openssl, "s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost",
             "-CAfile", caCertificate, "-verify_return_error", "-verify_ip", "127.0.0.1", "-quiet"] + client,
            environment: ["PATH": Sandbox.path], stdin: probeRequest(port: port), scratchDir: scratch, timeout: 5)
        return r.status == 0 && r.stdout.hasPrefix("HTTP/1.1 ")
    }

    /// Starts the token server (it binds port 0 and writes the port to a
    /// file), with a signing key whose self-signed certificate is the
    /// registry's rootcertbundle.
    private static func startTokenServer(
        in dir: String, user: String, password: String, tls: TestCA?
    ) throws -> (ServerProcess, String, String) {
        let signing = try TestCA.signingCertificate(in: dir, commonName: tokenIssuer)
        let script = dir + "/token-server.py"
        try writeBytes(Array(tokenServerScript.utf8), to: script)
        var argv = [try requiredTool("python3"), script, "--dir", dir, "--user", user, "--password", password,
                    "--issuer", tokenIssuer, "--key", signing.key, "--cert", signing.certificate]
        if let tls {
            argv += ["--tls-cert", tls.serverCertificate, "--tls-key", tls.serverKey]
        }
        let log = dir + "/token-server.err"
        let server = try ServerProcess(name: "token server", argv: argv, output: dir + "/token-server.out", errors: log)
        let portFile = dir + "/token-server.port"
        let deadline = Date() + startTimeout
        while true {
            if let text = try? readBytes(portFile), let port = Int(String(decoding: text, as: UTF8.self)) {
                return (server, "127.0.0.1:\(port)", signing.certificate)
            }
            do {
                try server.checkRunning(log: log)
                guard Date() < deadline else {
                    throw TestSupportError("token server did not start within \(startTimeout) s")
                }
            } catch {
                server.kill()
                throw error
            }
            usleep(20_000)
        }
    }

    /// A bcrypt hash for htpasswd, the only kind distribution accepts, from
    /// libxcrypt (Debian's libcrypt1, always installed; glibc's headers no
    /// longer declare crypt, so it is looked up at run time). Cost 4, the
    /// minimum: the registry checks the password on every request.
    static func bcrypt(_ password: String) throws -> String {
        typealias GenSalt = @convention(c) (
            UnsafePointer<CChar>?, UInt, UnsafePointer<CChar>?, Int32
        ) -> UnsafeMutablePointer<CChar>?
        typealias Crypt = @convention(c) (
            UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
            UnsafeMutablePointer<Int32>?
        ) -> UnsafeMutablePointer<CChar>?
        guard let lib = dlopen("libcrypt.so.1", RTLD_NOW) else {
            throw TestSupportError("dlopen libcrypt.so.1: \(String(cString: dlerror()))")
        }
        defer { dlclose(lib) }
        guard let genSaltSymbol = dlsym(lib, "crypt_gensalt_ra"), let cryptSymbol = dlsym(lib, "crypt_ra") else {
            throw TestSupportError("libcrypt.so.1 lacks crypt_gensalt_ra or crypt_ra")
        }
        let genSalt = unsafeBitCast(genSaltSymbol, to: GenSalt.self)
        let crypt = unsafeBitCast(cryptSymbol, to: Crypt.self)
        // rbytes nil: libxcrypt takes the salt's random bytes from the kernel.
        guard let salt = genSalt("$2b$", 4, nil, 0) else {
            throw TestSupportError("crypt_gensalt_ra $2b$: errno \(errno)")
        }
        defer { free(salt) }
        var data: UnsafeMutableRawPointer?
        var size: Int32 = 0
        defer { free(data) }
        guard let hashed = crypt(password, salt, &data, &size) else {
            throw TestSupportError("crypt_ra: errno \(errno)")
        }
        let hash = String(cString: hashed)
        guard hash.hasPrefix("$2b$04$") else { throw TestSupportError("crypt_ra gave no bcrypt hash: \(hash)") }
        return hash
    }

    // MARK: files

    static func fileSize(_ path: String) -> UInt64 {
        var st = stat()
        return stat(path, &st) == 0 ? UInt64(st.st_size) : 0
    }

    /// The complete lines of `path` after byte `offset` (a line still being
    /// written is left for later).
    static func lines(of path: String, from offset: UInt64) -> [String] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: offset)) != nil,
              let data = try? handle.readToEnd(), let end = data.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
        return String(decoding: data[..<end], as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Returns once the log has not grown for 50 ms (at most 2 s).
    static func waitForQuiet(_ path: String) throws {
        let deadline = Date() + 2
        var size = fileSize(path)
        repeat {
            usleep(50_000)
            let now = fileSize(path)
            if now == size { break }
            size = now
        } while Date() < deadline
        guard FileManager.default.fileExists(atPath: path) else {
            throw TestSupportError("registry log \(path) is gone: was the registry stopped?")
        }
    }

    // MARK: orphans

    /// Kills registries and token servers a crashed test process left behind
    /// (their directory's `owner` is no longer running) and removes their
    /// directories. Directories without an owner file yet are being made.
    private static func removeOrphans() {
        func ownerIsGone(_ dir: String) -> Bool {
            guard let text = try? readBytes(dir + "/owner"),
                  let owner = Int32(String(decoding: text, as: UTF8.self).filter(\.isNumber)) else { return false }
            return kill(owner, 0) != 0 && errno == ESRCH
        }
        let me = getpid()
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), pid > 1, pid != me,
                  let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            let cmdline = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            guard let range = cmdline.range(of: directoryPrefix) else { continue }
            let dir = directoryPrefix + cmdline[range.upperBound...].prefix { $0 != "/" && $0 != " " }
            if ownerIsGone(dir) { kill(pid, SIGKILL) }
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []
        where name.hasPrefix(directoryName + "-") && ownerIsGone("/tmp/" + name) {
            try? FileManager.default.removeItem(atPath: "/tmp/" + name)
        }
    }
}
