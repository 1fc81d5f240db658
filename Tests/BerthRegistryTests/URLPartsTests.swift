// URL parsing, header lookup and proxy selection: the pure parts of the transport.
@testable import BerthRegistry
import Testing

@Suite struct URLPartsTests {
    @Test func parses_host_port_and_target() throws {
        let url = try URLParts(parsing: "https://Registry.Example:5000/v2/x/manifests/latest?n=1#frag")
        #expect(url.scheme == .https && url.host == "registry.example" && url.port == 5000)
        #expect(url.target == "/v2/x/manifests/latest?n=1" && url.path == "/v2/x/manifests/latest")
        #expect(url.hostHeader == "registry.example:5000")
    }

    @Test func defaults_port_and_path_by_scheme() throws {
        let http = try URLParts(parsing: "http://example.com")
        #expect(http.port == 80 && http.target == "/" && http.hostHeader == "example.com")
        let https = try URLParts(parsing: "https://example.com?q")
        #expect(https.port == 443 && https.target == "/?q")
    }

    @Test func parses_ipv6_literals() throws {
        let url = try URLParts(parsing: "http://[::1]:5000/v2/")
        #expect(url.host == "::1" && url.port == 5000 && url.address == "[::1]:5000")
        let bare = try URLParts(parsing: "https://[fe80::1]/")
        #expect(bare.host == "fe80::1" && bare.port == 443 && bare.hostHeader == "[fe80::1]")
        #expect(bare.description == "https://[fe80::1]/")
    }

    @Test func keeps_user_info_for_proxies() throws {
        let url = try URLParts(parsing: "http://user:p%40ss@proxy:3128")
        #expect(url.userInfo == "user:p%40ss" && url.host == "proxy" && url.port == 3128)
        #expect(url.proxyAuthorization == "Basic " + Base64.encode(Array("user:p@ss".utf8)))
    }

    @Test(arguments: ["ftp://x/", "example.com/v2", "http://", "http://host:0/", "http://host:99999/", "http://[::1/", "http://a b/"])
    func rejects_malformed_urls(text: String) {
        #expect(throws: RegistryError.self) { try URLParts(parsing: text) }
    }

    @Test func resolves_redirect_locations() throws {
        let base = try URLParts(parsing: "https://r.example/v2/a/blobs/sha256:1")
        #expect(try base.resolving("https://cdn.example/x?sig=1").description == "https://cdn.example/x?sig=1")
        #expect(try base.resolving("//cdn.example/y").description == "https://cdn.example/y")
        #expect(try base.resolving("/other").description == "https://r.example/other")
        #expect(try base.resolving("sibling").description == "https://r.example/v2/a/blobs/sibling")
        #expect(try base.resolving("?q=2").description == "https://r.example/v2/a/blobs/sha256:1?q=2")
    }

    @Test func base64_matches_rfc4648_vectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors { #expect(Base64.encode(Array(plain.utf8)) == encoded) }
    }
}

@Suite struct HTTPHeadersTests {
    @Test func looks_up_names_case_insensitively() {
        var headers: HTTPHeaders = ["Content-Type": "text/plain"]
        headers.add("www-authenticate", "Basic")
        headers.add("WWW-Authenticate", "Bearer realm=x")
        #expect(headers["content-type"] == "text/plain")
        #expect(headers.values("Www-Authenticate") == ["Basic", "Bearer realm=x"])
        headers["CONTENT-TYPE"] = "application/json"
        #expect(headers.values("Content-Type") == ["application/json"])
        headers["content-type"] = nil
        #expect(!headers.contains("Content-Type"))
    }

    @Test func finds_tokens_in_lists() {
        let headers: HTTPHeaders = ["Connection": "Upgrade, Close", "Transfer-Encoding": "gzip ,chunked"]
        #expect(headers.hasToken("close", in: "connection"))
        #expect(headers.hasToken("chunked", in: "transfer-encoding"))
        #expect(!headers.hasToken("keep-alive", in: "Connection"))
    }

    @Test func parses_a_response_head() throws {
        let head = try HTTPResponseHead(parsing: Array("HTTP/1.1 404 Not Found\r\nX-A:  b \r\nContent-Length: 0".utf8)[...], url: "u")
        #expect(head.status == 404 && head.reason == "Not Found" && head.headers["x-a"] == "b" && head.allowsReuse)
        let old = try HTTPResponseHead(parsing: Array("HTTP/1.0 200 OK".utf8)[...], url: "u")
        #expect(!old.allowsReuse)
    }
}

@Suite struct ProxySettingsTests {
    let registry = try! URLParts(parsing: "https://registry.example:5000/v2/")

    @Test func reads_uppercase_before_lowercase_and_defaults_to_http() throws {
        let settings = try ProxySettings.fromEnvironment([
            "HTTPS_PROXY": "proxy.corp:3128", "https_proxy": "http://ignored:1",
            "http_proxy": "http://plain:8080", "no_proxy": " .internal , Other.Example:5000 ",
        ])
        #expect(settings.httpsProxy?.description == "http://proxy.corp:3128/")
        #expect(settings.httpProxy?.address == "plain:8080")
        #expect(settings.noProxy == [".internal", "other.example:5000"])
    }

    @Test func empty_environment_means_no_proxy() throws {
        let settings = try ProxySettings.fromEnvironment([:])
        #expect(settings.proxy(for: registry) == nil)
    }

    @Test func no_proxy_matches_hosts_domains_and_ports() throws {
        let proxy = try URLParts(parsing: "http://proxy:3128")
        func route(_ noProxy: [String], _ url: String) throws -> Bool {
            ProxySettings(httpProxy: proxy, httpsProxy: proxy, noProxy: noProxy).proxy(for: try URLParts(parsing: url)) != nil
        }
        #expect(try route([], "https://registry.example/"))
        #expect(try !route(["*"], "https://registry.example/"))
        #expect(try !route(["example"], "https://registry.example/"))
        #expect(try !route(["registry.example"], "https://registry.example/"))
        #expect(try route(["istry.example"], "https://registry.example/"))
        #expect(try !route([".example"], "https://a.b.example/"))
        #expect(try !route(["registry.example:5000"], "https://registry.example:5000/"))
        #expect(try route(["registry.example:5000"], "https://registry.example/"))
        #expect(try !route(["[::5]"], "http://[::5]:80/"))
        #expect(try !route([], "http://127.0.0.1:5000/"))
        #expect(try !route([], "https://localhost/"))
        // CIDR entries match IP literals, never names (Go's rule).
        #expect(try !route(["10.0.0.0/8"], "https://10.1.2.3:5000/"))
        #expect(try route(["10.0.0.0/8"], "https://11.1.2.3/"))
        #expect(try !route(["192.168.1.0/24"], "https://192.168.1.200/"))
        #expect(try route(["192.168.1.0/24"], "https://192.168.2.1/"))
        #expect(try !route(["fd00::/8"], "https://[fd12::1]/"))
        #expect(try route(["fd00::/8"], "https://[fe80::1]/"))
        #expect(try route(["10.0.0.0/8"], "https://registry.example/"))
    }

    @Test func refuses_proxies_reached_over_tls_with_a_clear_message() {
        #expect(throws: RegistryError.self) { try ProxySettings.fromEnvironment(["HTTPS_PROXY": "https://proxy:3128"]) }
    }
}
