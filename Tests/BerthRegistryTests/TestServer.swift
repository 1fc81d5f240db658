// Real servers on free loopback ports, started per test and stopped by `stop()`
// (or deinit), plus a throwaway CA made with the openssl CLI.
import Foundation
import Testing
import TestSupport

final class TestServer {
    private let directory: TemporaryDirectory
    private let server: PythonServer
    var port: Int { server.port }

    /// `python3 server.py <arguments>`; the script prints its port once listening.
    init(_ arguments: [String]) throws {
        directory = try TemporaryDirectory()
        server = try PythonServer(script: serverScript, arguments: arguments, in: directory.path)
    }

    static func http() throws -> TestServer { try TestServer(["http"]) }
    static func proxy() throws -> TestServer { try TestServer(["proxy"]) }
    static func tls(_ ca: TestCA) throws -> TestServer { try TestServer(["tls", ca.serverCert, ca.serverKey]) }

    func stop() { server.stop() }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "berth-registry-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A CA and a server certificate for IP 127.0.0.1 and DNS berth-test.invalid (so
/// "localhost" is a hostname mismatch). `certDirectory` holds only ca.crt.
struct TestCA {
    let directory: TemporaryDirectory
    var certDirectory: String { directory.path + "/certs.d" }
    var serverCert: String { directory.path + "/server.pem" }
    var serverKey: String { directory.path + "/server.key" }

    init() throws {
        directory = try TemporaryDirectory()
        let d = directory.path
        let script = """
        set -e
        cd \(d)
        mkdir certs.d
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out certs.d/ca.crt -days 2 -subj /CN=berth-test-ca 2>/dev/null
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj /CN=berth-test 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1,DNS:berth-test.invalid\\n' > san.ext
        openssl x509 -req -in server.csr -CA certs.d/ca.crt -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile san.ext 2>/dev/null
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("openssl failed making the test CA") }
    }
}
