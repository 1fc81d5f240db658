// The HTTP/1.1 client against a real Python server on a loopback port: framing,
// streaming, keep-alive, redirects, ranges, uploads, timeouts and hostile responses.
import BerthImage
@testable import BerthRegistry
import Foundation
import Testing

func get(_ client: HTTPClient, _ url: String, headers: HTTPHeaders = [:]) throws -> (HTTPResponse, String) {
    let response = try client.send(HTTPRequest(url: try URLParts(parsing: url), headers: headers))
    let body = try response.body.readAll(limit: 1 << 20)
    return (response, String(decoding: body, as: UTF8.self))
}

/// The bytes the test server serves as /blob.
let blob: [UInt8] = (0..<(1 << 20)).map { UInt8($0 * 7 % 251) }

@Suite struct HTTPClientTests {
    @Test func reads_a_content_length_body() throws {
        let server = try TestServer.http()
        defer { server.stop() }
        let (response, body) = try get(HTTPClient(), "http://127.0.0.1:\(server.port)/fixed")
        #expect(response.status == 200 && response.reason == "OK" && body == "hello world")
        #expect(response.headers["content-length"] == "11" && response.body.declaredLength == 11)
    }

    @Test func decodes_chunked_bodies_with_extensions_and_trailers() throws {
        let server = try TestServer.http()
        defer { server.stop() }
        let client = HTTPClient()
        let (_, body) = try get(client, "http://127.0.0.1:\(server.port)/chunked")
        #expect(body == "hello chunked world")
        // The trailer was consumed: the connection is reusable for the next request.
        let (_, again) = try get(client, "http://127.0.0.1:\(server.port)/fixed")
        #expect(again == "hello world" && client.connectionsOpened == 1)
    }

    @Test func streams_a_large_body_in_small_reads() throws {
        let server = try TestServer.http()
        defer { server.stop() }
        for path in ["/blob", "/big-chunked"] {
            let response = try HTTPClient().send(HTTPRequest(url: try URLParts(parsing: "http://127.0.0.1:\(server.port)\(path)")))
            var received: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1000)
            while true {
                let n = try chunk.withUnsafeMutableBytes { try response.body.read(into: $0) }
                if n == 0 { break }
                received += chunk[..<n]
            }
            #expect(received == blob, "\(path)")
            #expect(response.body.isComplete)
        }
    }

    @Test func reads_until_close_and_does_not_reuse_that_connection() throws {
        let server = try TestServer.http()
        defer { server.stop() }
        let client = HTTPClient()
        let (response, body) = try get(client, "http://127.0.0.1:\(server.port)/close")
        #expect(response.status == 200 && body == "until the server closes")
        _ = try get(client, "http://127.0.0.1:\(server.port)/fixed")
        #expect(client.connectionsOpened == 2)
    }

    @Test func reuses_one_connection_for_sequential_requests() throws {
        let server = try TestServer.http()
        defer { server.stop() }
        let client = HTTPClient()
        let (first, _) = try get(client, "http://127.0.0.1:\(server.port)/fixed")
        let (second, _) = try get(client, "http://127.0.0.1:\(server.port)/echo")
        let (third, _) = try get(client, "http://127.0.0.1:\(server.port)/redirect/1")
        // Counted by the server: every response came over its first connection.
        #expect([first, second, third].map { $0.headers["X-Connection"] } == ["1", "1", "1"])
        #expect(client.connectionsOpened == 1)
    }

    @Test func does_not_reuse_a_connection_whose_body_was_not_read() throws {
        let server = try TestServer.http()
        defer { server.stop() }
        let client = HTTPClient()
        let abandoned = try client.send(HTTPRequest(url: try URLParts(parsing: "http://127.0.0.1:\(server.port)/blob")))
        abandoned.body.discard()
        let (next, body) = try get(client, "http://127.0.0.1:\(server.port)/fixed")
        #expect(body == "hello world" && next.headers["X-Connection"] == "2")
    }

    @Test func replaces_a_kept_alive_connection_the_server_closed() throws {
        let server = try TestServer.http()
        defer { server.stop() }
        let client = HTTPClient()
        // The server answers as if keeping the connection alive, then closes it.
        let (first, _) = try get(client, "http://127.0.0.1:\(server.port)/silent-close")
        usleep(50_000)
        let (second, body) = try get(client, "http://127.0.0.1:\(server.port)/fixed")
        #expect(body == "hello world" && first.headers["X-Connection"] == "1" && second.headers["X-Connection"] == "2")
        #expect(client.connectionsOpened == 2)
    }

    @Test func follows_redirects_up_to_five() throws {
        let server = try TestServer.http()
        defer { server.stop() }
        let client = HTTPClient()
        let (response, body) = try get(client, "http://127.0.0.1:\(server.port)/redirect/5")
        #expect(response.status == 200 && body == "arrived" && response.url.path == "/redirect/0")
        #expect(client.connectionsOpened == 1)
        #expect {
            try get(client, "http://127.0.0.1:\(server.port)/redirect/6")
        } throws: { error in
            "\(error)" == "too many redirects (more than 5) starting at http://127.0.0.1:\(server.port)/redirect/6"
        }
        #expect(throws: RegistryError.self) { try get(client, "http://127.0.0.1:\(server.port)/loop") }
        let (relative, fixed) = try get(client, "http://127.0.0.1:\(server.port)/relative")
        #expect(relative.status == 200 && fixed == "hello world")
    }

    @Test func drops_authorization_only_when_the_redirect_changes_host() throws {
        let server = try TestServer.http()
        defer { server.stop() }
        let client = HTTPClient()
        let headers: HTTPHeaders = ["Authorization": "Bearer secret"]
        let (_, same) = try get(client, "http://127.0.0.1:\(server.port)/same-host", headers: headers)
        #expect(same.contains("Authorization: Bearer secret"))
        let (moved, other) = try get(client, "http://127.0.0.1:\(server.port)/other-host", headers: headers)
        #expect(moved.url.host == "localhost" && other.contains("GET /echo HTTP/1.1"))
        #expect(!other.contains("Authorization"))
    }

    @Test func turns_a_303_after_put_into_a_get_without_body() throws {
        let server = try TestServer.http()
        defer { server.stop() }
        let request = HTTPRequest(method: "PUT", url: try URLParts(parsing: "http://127.0.0.1:\(server.port)/post-redirect"), body: .bytes(Array("data".utf8)))
        let response = try HTTPClient().send(request)
        let echoed = String(decoding: try response.body.readAll(limit: 4096), as: UTF8.self)
        #expect(echoed.hasPrefix("GET /echo HTTP/1.1") && !echoed.contains("Content-Length"))
    }

    @Test func resumes_with_a_range_request() throws {
        let server = try TestServer.http()
        defer { server.stop() }
        var request = HTTPRequest(url: try URLParts(parsing: "http://127.0.0.1:\(server.port)/blob"))
        request.setRange(from: 1000)
        let response = try HTTPClient().send(request)
        #expect(response.status == 206)
        #expect(response.headers["Content-Range"] == "bytes 1000-\(blob.count - 1)/\(blob.count)")
        #expect(try response.body.readAll(limit: 2 << 20) == Array(blob[1000...]))
    }

    @Test func uploads_bytes_and_streams_of_known_length() throws {
        let server = try TestServer.http()
        defer { server.stop() }
        let client = HTTPClient()
        let url = try URLParts(parsing: "http://127.0.0.1:\(server.port)/upload")
        let small = try client.send(HTTPRequest(method: "PUT", url: url, body: .bytes(Array("layer bytes".utf8))))
        let smallEcho = try small.body.readAll(limit: 100)
        #expect(small.status == 201 && String(decoding: smallEcho, as: UTF8.self) == "layer bytes")
        let streamed = try client.send(HTTPRequest(method: "PATCH", url: url, body: .stream(MemoryStream(blob), length: Int64(blob.count))))
        let streamedEcho = try streamed.body.readAll(limit: 2 << 20)
        #expect(streamed.status == 201 && streamedEcho == blob)
        #expect {
            try client.send(HTTPRequest(method: "PUT", url: url, body: .stream(MemoryStream([1, 2, 3]), length: 10)))
        } throws: { error in
            "\(error)" == "the request body for \(url) ended after 3 of 10 bytes"
        }
    }

    @Test func head_and_204_have_no_body() throws {
        let server = try TestServer.http()
        defer { server.stop() }
        let client = HTTPClient()
        let head = try client.send(HTTPRequest(method: "HEAD", url: try URLParts(parsing: "http://127.0.0.1:\(server.port)/blob")))
        #expect(head.status == 200 && head.headers["Content-Length"] == "\(blob.count)" && head.body.isComplete)
        let (empty, body) = try get(client, "http://127.0.0.1:\(server.port)/empty")
        #expect(empty.status == 204 && body.isEmpty)
        #expect(client.connectionsOpened == 1)
    }

    @Test func times_out_on_a_server_that_never_answers() throws {
        let server = try TestServer.http()
        defer { server.stop() }
        let client = HTTPClient(options: .init(timeoutSeconds: 1))
        let started = ContinuousClock.now
        #expect {
            try get(client, "http://127.0.0.1:\(server.port)/never")
        } throws: { error in
            "\(error)" == "127.0.0.1:\(server.port) did not answer within 1s"
        }
        #expect(ContinuousClock.now - started < .seconds(3))
    }

    @Test func rejects_a_malformed_status_line() throws {
        let server = try TestServer.http()
        defer { server.stop() }
        #expect {
            try get(HTTPClient(), "http://127.0.0.1:\(server.port)/malformed")
        } throws: { error in
            "\(error)" == "malformed HTTP response from http://127.0.0.1:\(server.port)/malformed: bad status line \"HTTP/1.1 OK\""
        }
    }

    @Test func rejects_a_header_block_over_64_kib() throws {
        let server = try TestServer.http()
        defer { server.stop() }
        #expect {
            try get(HTTPClient(), "http://127.0.0.1:\(server.port)/huge-headers")
        } throws: { error in
            "\(error)" == "response headers from http://127.0.0.1:\(server.port)/huge-headers exceed 64 KiB"
        }
    }

    @Test func reports_a_body_cut_short_and_a_body_over_the_limit() throws {
        let server = try TestServer.http()
        defer { server.stop() }
        #expect {
            try get(HTTPClient(), "http://127.0.0.1:\(server.port)/short")
        } throws: { error in
            "\(error)" == "127.0.0.1:\(server.port) closed the connection while sending the body of http://127.0.0.1:\(server.port)/short (91 bytes missing)"
        }
        let response = try HTTPClient().send(HTTPRequest(url: try URLParts(parsing: "http://127.0.0.1:\(server.port)/blob")))
        #expect(throws: RegistryError.self) { try response.body.readAll(limit: 1000) }
    }

    @Test func names_the_address_when_the_connection_is_refused() throws {
        let port = try unusedPort()
        #expect {
            try get(HTTPClient(), "http://127.0.0.1:\(port)/")
        } throws: { error in
            "\(error)" == "cannot connect to 127.0.0.1:\(port): Connection refused"
        }
        #expect {
            try get(HTTPClient(), "http://no-such-host.invalid/")
        } throws: { error in
            "\(error)".hasPrefix("cannot resolve host no-such-host.invalid: ")
        }
    }
}

/// A loopback port nobody listens on: bound, then closed.
func unusedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw TestFailure("cannot bind a loopback port") }
    return Int(UInt16(bigEndian: address.sin_port))
}
