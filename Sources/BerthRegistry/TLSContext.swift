// The OpenSSL client context: TLS 1.2+, the trusted CAs (system store plus a cert
// directory), and OpenSSL's error queue turned into sentences.
import BerthSystem
import CBerthSSL
import Glibc

final class TLSContext: @unchecked Sendable {
    // SSL_CTX is safe to share between threads once configured (only SSL_new reads it).
    let context: OpaquePointer
    let options: TLSOptions

    init(_ options: TLSOptions) throws {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw RegistryError.tlsSetupFailed(reason: TLSContext.drainErrors())
        }
        self.context = context
        self.options = options
        _ = berth_ssl_ctx_set_min_tls12(context)
        berth_ssl_ctx_ignore_unexpected_eof(context)
        if let directory = options.certDirectory {
            try presentClientCertificate(from: directory)
        }
        guard options.verify else {
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
            return
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        // A missing system store is not fatal: a cert directory may hold the only CA needed.
        if access(options.systemCAFile, R_OK) == 0 {
            try trust(file: options.systemCAFile)
        }
        if let directory = options.certDirectory {
            for name in try Self.caFiles(in: directory) { try trust(file: directory + "/" + name) }
        }
    }

    deinit { SSL_CTX_free(context) }

    private func trust(file: String) throws {
        ERR_clear_error()
        if SSL_CTX_load_verify_locations(context, file, nil) != 1 {
            throw RegistryError.certificatesUnreadable(path: file, reason: Self.drainErrors())
        }
    }

    /// A certs.d directory's `NAME.cert` with its `NAME.key` is the certificate berth
    /// shows registries that ask for one (mutual TLS), as podman reads it.
    private func presentClientCertificate(from directory: String) throws {
        guard let certificate = try Self.files(in: directory, endingWith: ".cert").first else { return }
        let certificatePath = directory + "/" + certificate
        let keyPath = directory + "/" + certificate.dropLast(5) + ".key"
        guard access(keyPath, R_OK) == 0 else {
            throw RegistryError.certificatesUnreadable(path: certificatePath, reason: "missing key \(keyPath) for the client certificate")
        }
        ERR_clear_error()
        guard SSL_CTX_use_certificate_chain_file(context, certificatePath) == 1 else {
            throw RegistryError.certificatesUnreadable(path: certificatePath, reason: Self.drainErrors())
        }
        guard SSL_CTX_use_PrivateKey_file(context, keyPath, SSL_FILETYPE_PEM) == 1, SSL_CTX_check_private_key(context) == 1 else {
            throw RegistryError.certificatesUnreadable(path: keyPath, reason: Self.drainErrors())
        }
    }

    /// The `*.crt` names in `directory`, sorted, as podman reads a certs.d directory.
    private static func caFiles(in directory: String) throws -> [String] {
        try files(in: directory, endingWith: ".crt")
    }

    private static func files(in directory: String, endingWith suffix: String) throws -> [String] {
        guard let dir = opendir(directory) else {
            throw RegistryError.certificatesUnreadable(path: directory, reason: String(cString: strerror(errno)))
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name.hasSuffix(suffix) { names.append(name) }
        }
        return names.sorted()
    }

    /// Empties this thread's OpenSSL error queue into "reason; reason".
    static func drainErrors() -> String {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            if let reason = ERR_reason_error_string(code) {
                reasons.append(String(cString: reason))
            } else {
                var buffer = [CChar](repeating: 0, count: 256)
                ERR_error_string_n(code, &buffer, buffer.count)
                reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
        }
        return reasons.isEmpty ? "unknown TLS error" : reasons.joined(separator: "; ")
    }
}
