// Real servers on free loopback ports, started per test and stopped by `stop()`
// (or deinit); TLS ones with a certificate from TestSupport's TestCA.
import Foundation
import Testing
import TestSupport

final class TestServer {
    private let directory: TemporaryDirectory
    private let server: PythonServer
    var port: Int { server.port }

    /// `python3 server.py <arguments>`; the script prints its port once listening.
    init(_ arguments: [String]) throws {
        directory = try TemporaryDirectory("berth-registry-test")
        server = try PythonServer(script: serverScript, arguments: arguments, in: directory.path)
    }

    static func http() throws -> TestServer { try TestServer(["http"]) }
    static func proxy() throws -> TestServer { try TestServer(["proxy"]) }
    static func tls(_ ca: TestCA) throws -> TestServer { try TestServer(["tls", ca.serverCertificate, ca.serverKey]) }

    func stop() { server.stop() }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension TestCA {
    /// A CA whose server certificate names IP 127.0.0.1 and DNS berth-test.invalid, so
    /// "localhost" is a hostname mismatch; `certDirectory` holds only ca.crt.
    static func loopback() throws -> TestCA {
        try TestCA(serverNames: ["IP:127.0.0.1", "DNS:berth-test.invalid"])
    }
}
