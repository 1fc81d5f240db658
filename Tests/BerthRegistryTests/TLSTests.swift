// TLS against a Python ssl server whose certificate comes from a CA made per test.
@testable import BerthRegistry
import Testing
import TestSupport

@Suite struct TLSTests {
    @Test func trusts_a_server_signed_by_a_ca_in_the_cert_dir() throws {
        let ca = try TestCA.loopback()
        let server = try TestServer.tls(ca)
        defer { server.stop() }
        let client = HTTPClient(options: .init(tls: TLSOptions(certDirectory: ca.certDirectory)))
        let (response, body) = try get(client, "https://127.0.0.1:\(server.port)/chunked")
        #expect(response.status == 200 && body == "hello chunked world")
        let (_, again) = try get(client, "https://127.0.0.1:\(server.port)/fixed")
        #expect(again == "hello world" && client.connectionsOpened == 1)
    }

    @Test func refuses_a_server_whose_ca_is_not_trusted() throws {
        let ca = try TestCA.loopback()
        let server = try TestServer.tls(ca)
        defer { server.stop() }
        #expect {
            try get(HTTPClient(), "https://127.0.0.1:\(server.port)/fixed")
        } throws: { error in
            "\(error)" == "TLS handshake with 127.0.0.1:\(server.port) failed: certificate verify failed (unable to get local issuer certificate)"
        }
    }

    @Test func accepts_any_certificate_without_verification() throws {
        let ca = try TestCA.loopback()
        let server = try TestServer.tls(ca)
        defer { server.stop() }
        let (_, body) = try get(HTTPClient(options: .init(tls: TLSOptions(verify: false))), "https://localhost:\(server.port)/fixed")
        #expect(body == "hello world")
    }

    @Test func refuses_a_certificate_for_another_host_name() throws {
        let ca = try TestCA.loopback()
        let server = try TestServer.tls(ca)
        defer { server.stop() }
        let client = HTTPClient(options: .init(tls: TLSOptions(certDirectory: ca.certDirectory)))
        #expect {
            try get(client, "https://localhost:\(server.port)/fixed")
        } throws: { error in
            "\(error)" == "TLS handshake with localhost:\(server.port) failed: certificate verify failed (hostname mismatch)"
        }
    }

    @Test func names_an_unreadable_cert_dir() throws {
        let ca = try TestCA.loopback()
        let server = try TestServer.tls(ca)
        defer { server.stop() }
        let client = HTTPClient(options: .init(tls: TLSOptions(certDirectory: "/nonexistent/certs.d")))
        #expect {
            try get(client, "https://127.0.0.1:\(server.port)/fixed")
        } throws: { error in
            "\(error)" == "cannot load certificates from /nonexistent/certs.d: No such file or directory"
        }
    }
}

@Suite struct ProxyTests {
    @Test func tunnels_https_through_connect_and_reuses_the_tunnel() throws {
        let ca = try TestCA.loopback()
        let server = try TestServer.tls(ca)
        let proxy = try TestServer.proxy()
        defer { server.stop(); proxy.stop() }
        let proxyURL = try URLParts(parsing: "http://127.0.0.1:\(proxy.port)")
        let settings = ProxySettings(httpsProxy: proxyURL, bypassesLoopback: false)
        let client = HTTPClient(options: .init(tls: TLSOptions(certDirectory: ca.certDirectory), proxy: settings))
        let (_, first) = try get(client, "https://127.0.0.1:\(server.port)/fixed")
        let (_, second) = try get(client, "https://127.0.0.1:\(server.port)/chunked")
        #expect(first == "hello world" && second == "hello chunked world")
        let (_, tunnels) = try get(HTTPClient(), "http://127.0.0.1:\(proxy.port)/tunnels")
        #expect(tunnels == "1")
    }

    @Test func sends_plain_http_to_the_proxy_in_absolute_form() throws {
        let proxy = try TestServer.proxy()
        defer { proxy.stop() }
        let settings = ProxySettings(httpProxy: try URLParts(parsing: "http://bob:s%3Acret@127.0.0.1:\(proxy.port)"), bypassesLoopback: false)
        let client = HTTPClient(options: .init(proxy: settings))
        let (_, body) = try get(client, "http://registry.example:5000/v2/")
        #expect(body == "GET http://registry.example:5000/v2/ auth=Basic \(Base64.encode(Array("bob:s:cret".utf8)))")
        let (_, tunnels) = try get(HTTPClient(), "http://127.0.0.1:\(proxy.port)/tunnels")
        #expect(tunnels == "0")
    }

    @Test func names_the_proxy_when_it_refuses_a_tunnel() throws {
        let port = try unusedPort()
        let proxy = try TestServer.proxy()
        defer { proxy.stop() }
        let settings = ProxySettings(httpsProxy: try URLParts(parsing: "http://127.0.0.1:\(proxy.port)"), bypassesLoopback: false)
        // The proxy cannot reach the target and drops the CONNECT.
        #expect(throws: RegistryError.self) {
            try get(HTTPClient(options: .init(proxy: settings)), "https://127.0.0.1:\(port)/")
        }
    }
}
