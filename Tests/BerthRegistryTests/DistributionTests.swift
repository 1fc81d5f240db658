// The pure parts of the distribution client: challenges, token queries, paging,
// manifest kinds and registry host names.
@testable import BerthRegistry
import BerthImage
import Testing

@Suite struct DistributionTests {
    @Test func parses_bearer_and_basic_challenges() {
        let bearer = AuthChallenge.parse([#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push""#])
        #expect(bearer?.scheme == .bearer)
        #expect(bearer?.realm == "https://auth.example/token" && bearer?.service == "registry.example")
        #expect(bearer?.parameters["scope"] == "repository:a/b:pull,push", "a comma inside quotes is not a separator")
        #expect(AuthChallenge.parse([#"Basic realm="x y""#]) == AuthChallenge(scheme: .basic, parameters: ["realm": "x y"]))
        let several = AuthChallenge.parse([#"Negotiate abc, Basic realm=plain"#])
        #expect(several?.scheme == .basic && several?.realm == "plain", "schemes berth cannot use are passed over")
        #expect(AuthChallenge.parse([#"Bearer realm="a\"b""#])?.realm == #"a"b"#)
        #expect(AuthChallenge.parse(["Negotiate"]) == nil)
        #expect(AuthChallenge.parse([]) == nil)
    }

    @Test func token_requests_ask_for_every_scope_and_the_challenge_s_own() {
        let challenge = AuthChallenge(scheme: .bearer, parameters: ["realm": "https://t/token", "service": "s", "scope": "repository:x:pull"])
        let request = TokenRequest(challenge: challenge, scopes: ["repository:a:pull,push", "repository:b:pull"], credentials: nil, registry: "r")
        #expect(request.scopes == ["repository:a:pull,push", "repository:b:pull", "repository:x:pull"])
        #expect(percentEncoded("repository:a/b:pull,push") == "repository%3Aa%2Fb%3Apull%2Cpush")
        #expect(percentEncoded("user@example.com") == "user%40example.com")
    }

    @Test func follows_link_headers_to_the_next_page() {
        #expect(RegistryClient.nextPage(#"</v2/_catalog?last=b&n=2>; rel="next""#) == "/v2/_catalog?last=b&n=2")
        #expect(RegistryClient.nextPage(#"</v2/_catalog?last=b>; rel="prev""#) == nil)
        #expect(RegistryClient.nextPage(nil) == nil)
    }

    @Test func tells_manifests_from_indexes_and_refuses_schema_1() throws {
        let index = Array(#"{"schemaVersion":2,"manifests":[]}"#.utf8)
        #expect(try RegistryClient.mediaType(of: index, header: nil, display: "x") == MediaType.ociIndex)
        let manifest = Array(#"{"schemaVersion":2,"config":{"mediaType":"a","digest":"sha256:\#(String(repeating: "0", count: 64))","size":1},"layers":[]}"#.utf8)
        #expect(try RegistryClient.mediaType(of: manifest, header: "application/vnd.docker.distribution.manifest.v2+json; charset=utf-8", display: "x")
            == MediaType.dockerManifest, "the Content-Type decides when the document names no type")
        let typed = Array(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#.utf8)
        #expect(try RegistryClient.mediaType(of: typed, header: MediaType.dockerManifest, display: "x") == MediaType.ociIndex)
        #expect(throws: RegistryError.self) { try RegistryClient.mediaType(of: Array(#"{"schemaVersion":1,"fsLayers":[]}"#.utf8), header: nil, display: "x") }
        #expect(throws: RegistryError.self) { try RegistryClient.mediaType(of: Array("not json".utf8), header: nil, display: "x") }
        #expect(throws: RegistryError.self) { try RegistryClient.mediaType(of: Array("{}".utf8), header: nil, display: "x") }
    }

    @Test func docker_hub_is_served_from_registry_1() {
        #expect(RegistryClient.apiHost(for: "docker.io") == "registry-1.docker.io")
        #expect(RegistryClient.apiHost(for: "index.docker.io") == "registry-1.docker.io")
        #expect(RegistryClient.apiHost(for: "quay.io") == "quay.io")
        #expect(RegistryClient.apiHost(for: "127.0.0.1:5000") == "127.0.0.1:5000")
    }

    @Test func transient_failures_are_retried_and_others_are_not() {
        #expect(RegistryError.connectionClosed(address: "a", during: "b").isTransient)
        #expect(!RegistryError.timedOut(address: "a", seconds: 1).isTransient, "a server that said nothing for the whole timeout is not asked again")
        #expect(RegistryError.timedOut(address: "a", seconds: 1).isTimeout)
        #expect(!RegistryError.tlsHandshakeFailed(address: "a", reason: "b").isTransient)
        #expect(!RegistryError.unauthorized(registry: "a", detail: "b").isTransient)
        #expect(RegistryClient.isRetryable(status: 503) && RegistryClient.isRetryable(status: 429))
        #expect(!RegistryClient.isRetryable(status: 404) && !RegistryClient.isRetryable(status: 401))
    }

    @Test func url_errors_never_show_a_password() throws {
        let error = try #require(throws: RegistryError.self) {
            try ProxySettings.fromEnvironment(["HTTPS_PROXY": "http://bob:hunter2@proxy.example:99999"])
        }
        #expect(!"\(error)".contains("hunter2") && "\(error)".contains("http://***@proxy.example:99999"), "\(error)")
        #expect(RegistryError.redactingUserInfo("https://a:b@h/x@y") == "https://***@h/x@y")
        #expect(RegistryError.redactingUserInfo("https://h/x@y") == "https://h/x@y")
    }

    @Test func tokens_live_as_long_as_the_server_says_but_at_least_a_minute() {
        #expect(BearerToken(value: "t", lifetime: 300, now: 1000).expires == 1295, "renewed a little before the server's expiry")
        #expect(BearerToken(value: "t", lifetime: 10, now: 1000).expires == 1055, "podman's 60 s minimum")
        #expect(BearerToken(value: "t", lifetime: nil, now: 1000).expires == 1055, "the token spec's default lifetime")
    }
}
