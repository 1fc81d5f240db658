// The one recipe for the tests' certificates, made with the openssl CLI: a CA,
// the server certificate it signs, client certificates for mutual TLS, and the
// self-signed key a token server signs its tokens with. P-256 keys (quick to make,
// every TLS stack takes them) except where RS256 needs RSA.
import Foundation
import Glibc

public final class TestCA: @unchecked Sendable {
    /// Where the keys, requests and server files are.
    public let directory: String
    /// A podman-style `--cert-dir`: holds `ca.crt` (and what `issueClientCertificate`
    /// is asked to put there), world-readable so berth can use it as any user.
    public let certDirectory: String
    /// The CA certificate (PEM): `certDirectory/ca.crt`.
    public var certificate: String { certDirectory + "/ca.crt" }
    /// The server certificate and key, for the names given at creation.
    public let serverCertificate: String
    public let serverKey: String
    private var key: String { directory + "/ca.key" }
    /// Keeps a directory this CA made itself alive as long as the CA.
    private let ownDirectory: TemporaryDirectory?

    /// A CA in a fresh temporary directory, its cert directory `certs.d` beside the keys.
    /// `serverNames` are subjectAltName entries: "IP:127.0.0.1", "DNS:localhost".
    public convenience init(serverNames: [String]) throws {
        let own = try TemporaryDirectory("berth-test-ca")
        try self.init(in: own.path, certDirectory: own.path("certs.d"), serverNames: serverNames, owning: own)
    }

    /// A CA whose files go to `directory`, its certificate to `certDirectory/ca.crt`
    /// (both made if missing), with a server certificate for `serverNames`.
    public convenience init(in directory: String, certDirectory: String, serverNames: [String]) throws {
        try self.init(in: directory, certDirectory: certDirectory, serverNames: serverNames, owning: nil)
    }

    private init(in directory: String, certDirectory: String, serverNames: [String], owning: TemporaryDirectory?) throws {
        self.directory = directory
        self.certDirectory = certDirectory
        ownDirectory = owning
        serverCertificate = directory + "/server.crt"
        serverKey = directory + "/server.key"
        try FileManager.default.createDirectory(atPath: certDirectory, withIntermediateDirectories: true)
        chmod(certDirectory, 0o755)
        try Self.openssl(
            ["req", "-x509", "-new"] + Self.ecKey + ["-days", "30", "-keyout", key, "-out", certificate,
             "-subj", "/CN=berth test CA", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign"], in: directory)
        chmod(certificate, 0o644)
        try issue(commonName: "berth test server", serverNames: serverNames, usage: "serverAuth",
                  certificate: serverCertificate, key: serverKey, serial: 2)
    }

    /// A client certificate from this CA (for mutual TLS), readable by any user.
    public func issueClientCertificate(certificate: String, key: String) throws {
        try issue(commonName: "berth test client", serverNames: [], usage: "clientAuth",
                  certificate: certificate, key: key, serial: 3)
        chmod(certificate, 0o644)
        chmod(key, 0o644)
    }

    /// A self-signed RSA certificate and key in `directory` for signing tokens (RS256):
    /// the registry trusts tokens whose x5c header holds this certificate.
    public static func signingCertificate(in directory: String, commonName: String) throws -> (certificate: String, key: String) {
        let certificate = directory + "/token.crt", key = directory + "/token.key"
        try openssl(["req", "-x509", "-new", "-nodes", "-newkey", "rsa:2048", "-days", "30",
                     "-keyout", key, "-out", certificate, "-subj", "/CN=\(commonName)"], in: directory)
        return (certificate, key)
    }

    private static let ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    private func issue(commonName: String, serverNames: [String], usage: String,
                       certificate: String, key: String, serial: Int) throws {
        let base = directory + "/" + URL(fileURLWithPath: certificate).deletingPathExtension().lastPathComponent
        try Self.openssl(["req", "-new"] + Self.ecKey + ["-keyout", key, "-out", base + ".csr", "-subj", "/CN=\(commonName)"],
                         in: directory)
        var extensions = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=\(usage)\n"
        if !serverNames.isEmpty { extensions += "subjectAltName=" + serverNames.joined(separator: ",") + "\n" }
        try writeBytes(Array(extensions.utf8), to: base + ".ext")
        try Self.openssl(
            ["x509", "-req", "-in", base + ".csr", "-CA", self.certificate, "-CAkey", self.key,
             "-set_serial", "\(serial)", "-days", "30", "-out", certificate, "-extfile", base + ".ext"], in: directory)
    }

    private static func openssl(_ args: [String], in dir: String) throws {
        let r = runCommand([try requiredTool("openssl")] + args, environment: ["PATH": Sandbox.path],
                           stdin: nil, scratchDir: dir + "/.io", timeout: 60)
        guard r.status == 0 else { throw TestSupportError("openssl \(args.joined(separator: " ")): \(r)") }
    }
}
