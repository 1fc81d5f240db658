// auth.json: which files are read and written, lookup order, docker's key forms,
// and rewriting with mode 0600 without losing other tools' keys.
@testable import BerthRegistry
import Glibc
import Testing
import TestSupport

@Suite struct AuthFileTests {
    private static let alice = Credentials(username: "alice", password: "s3cret:with:colons")

    private static func auth(_ user: String, _ password: String) -> String {
        Base64.encode(Array("\(user):\(password)".utf8))
    }

    // MARK: Paths

    @Test func write_path_follows_podman_precedence() {
        let all = ["REGISTRY_AUTH_FILE": "/env/auth.json", "XDG_RUNTIME_DIR": "/run/user/1000"]
        #expect(AuthFile.writePath(explicit: "/flag/auth.json", environment: all) == "/flag/auth.json")
        #expect(AuthFile.writePath(explicit: nil, environment: all) == "/env/auth.json")
        #expect(AuthFile.writePath(explicit: "", environment: ["XDG_RUNTIME_DIR": "/run/user/1000"]) == "/run/user/1000/containers/auth.json")
        #expect(AuthFile.writePath(explicit: nil, environment: [:], uid: 0) == "/run/containers/0/auth.json")
        #expect(AuthFile.writePath(explicit: nil, environment: [:], uid: 1000) == "/run/user/1000/containers/auth.json")
    }

    @Test func read_paths_are_the_named_file_alone_or_the_documented_sequence() {
        #expect(AuthFile.readPaths(explicit: "/flag/auth.json", environment: ["HOME": "/h"]) == ["/flag/auth.json"])
        #expect(AuthFile.readPaths(explicit: nil, environment: ["REGISTRY_AUTH_FILE": "/env/a.json", "HOME": "/h"]) == ["/env/a.json"])
        #expect(AuthFile.readPaths(explicit: nil, environment: ["HOME": "/h", "XDG_RUNTIME_DIR": "/run/user/7"]) == [
            "/run/user/7/containers/auth.json", "/h/.config/containers/auth.json", "/h/.docker/config.json", "/h/.dockercfg",
        ])
        let custom = ["HOME": "/h", "XDG_RUNTIME_DIR": "/r", "XDG_CONFIG_HOME": "/cfg", "DOCKER_CONFIG": "/dk"]
        #expect(AuthFile.readPaths(explicit: nil, environment: custom) == [
            "/r/containers/auth.json", "/cfg/containers/auth.json", "/dk/config.json", "/h/.dockercfg",
        ])
    }

    // MARK: Lookup

    @Test func the_most_specific_entry_wins() throws {
        let dir = try TemporaryDirectory("berth-registry-test")
        defer { dir.remove() }
        let path = try dir.write("""
            {"auths": {
              "reg.example:5000": {"auth": "\(Self.auth("host", "p1"))"},
              "reg.example:5000/team": {"auth": "\(Self.auth("team", "p2"))"},
              "reg.example:5000/team/app": {"auth": "\(Self.auth("app", "p3"))"}
            }}
            """, to: "auth.json")
        func user(_ key: String) throws -> String? { try AuthFile.credentials(for: key, paths: [path])?.username }
        #expect(try user("reg.example:5000/team/app") == "app")
        #expect(try user("reg.example:5000/team/app/sub") == "app")
        #expect(try user("reg.example:5000/team/other") == "team")
        #expect(try user("reg.example:5000/solo") == "host")
        #expect(try user("reg.example:5000") == "host")
        #expect(try user("reg.example/team/app") == nil)
        #expect(try AuthFile.credentials(for: "reg.example:5000/team", paths: [path]) == Credentials(username: "team", password: "p2"))
    }

    @Test func the_first_file_with_credentials_wins() throws {
        let dir = try TemporaryDirectory("berth-registry-test")
        defer { dir.remove() }
        let first = try dir.write(#"{"auths": {"other.example": {"auth": "\#(Self.auth("o", "o"))"}}}"#, to: "a/auth.json")
        let second = try dir.write(#"{"auths": {"quay.io": {"auth": "\#(Self.auth("second", "2"))"}}}"#, to: "b/auth.json")
        let third = try dir.write(#"{"auths": {"quay.io": {"auth": "\#(Self.auth("third", "3"))"}}}"#, to: "c/auth.json")
        let paths = [dir.path + "/missing.json", first, second, third]
        #expect(try AuthFile.credentials(for: "quay.io/x/y", paths: paths)?.username == "second")
        #expect(try AuthFile.credentials(for: "nowhere.example", paths: paths) == nil)
    }

    @Test func docker_config_keys_match_docker_hub_and_urls() throws {
        let dir = try TemporaryDirectory("berth-registry-test")
        defer { dir.remove() }
        let config = try dir.write("""
            {"auths": {
              "https://index.docker.io/v1/": {"auth": "\(Self.auth("hub", "h"))"},
              "https://old.example:5000/v2/": {"auth": "\(Self.auth("old", "o"))"},
              "helper.example": {}
            }, "credsStore": "desktop", "credHelpers": {"x.example": "pass"}}
            """, to: "config.json")
        #expect(try AuthFile.credentials(for: "docker.io/library/alpine", paths: [config])?.username == "hub")
        #expect(try AuthFile.credentials(for: "docker.io", paths: [config])?.username == "hub")
        #expect(try AuthFile.credentials(for: "old.example:5000/ns/img", paths: [config])?.username == "old")
        #expect(try AuthFile.credentials(for: "helper.example/x", paths: [config]) == nil)

        let bare = try dir.write(#"{"auths": {"index.docker.io": {"auth": "\#(Self.auth("bare", "b"))"}}}"#, to: "bare.json")
        #expect(try AuthFile.credentials(for: "docker.io/library/alpine", paths: [bare])?.username == "bare")
    }

    @Test func legacy_dockercfg_has_hosts_at_the_top_level() throws {
        let dir = try TemporaryDirectory("berth-registry-test")
        defer { dir.remove() }
        let legacy = try dir.write(#"{"https://index.docker.io/v1/": {"auth": "\#(Self.auth("legacy", "l"))", "email": "a@b"}}"#, to: ".dockercfg")
        #expect(try AuthFile.credentials(for: "docker.io/library/busybox", paths: [legacy]) == Credentials(username: "legacy", password: "l"))
    }

    @Test func an_entry_without_auth_falls_back_to_the_host() throws {
        let dir = try TemporaryDirectory("berth-registry-test")
        defer { dir.remove() }
        let path = try dir.write(#"{"auths": {"r.example/ns": {}, "r.example": {"auth": "\#(Self.auth("host", "h"))"}}}"#, to: "auth.json")
        #expect(try AuthFile.credentials(for: "r.example/ns/img", paths: [path])?.username == "host")
    }

    @Test func malformed_files_are_named_without_revealing_secrets() throws {
        let dir = try TemporaryDirectory("berth-registry-test")
        defer { dir.remove() }
        let broken = try dir.write(#"{"auths": {"r.example": {"auth": "hunter2-not-closed"}"#, to: "broken.json")
        let badBase64 = try dir.write(#"{"auths": {"r.example": {"auth": "hunter2!!"}}}"#, to: "bad64.json")
        let notObject = try dir.write(#"{"auths": ["hunter2"]}"#, to: "array.json")
        let cases = [
            (broken, "not valid JSON"), (badBase64, "the \"auth\" value for \"r.example\" is not valid base64"), (notObject, "\"auths\" must be an object"),
        ]
        for (path, reason) in cases {
            #expect {
                try AuthFile.credentials(for: "r.example", paths: [path])
            } throws: { error in
                let message = String(describing: error)
                return message.hasPrefix("invalid auth file \(path): ") && message.contains(reason) && !message.contains("hunter2")
            }
        }
        // Storing into a malformed file must not replace it.
        #expect(throws: RegistryError.self) { try AuthFile.store(Self.alice, for: "r.example", at: broken) }
        #expect(try readText(broken).contains("hunter2-not-closed"))
    }

    @Test func credentials_never_print_their_password() {
        #expect(!String(describing: Self.alice).contains("s3cret"))
        #expect(!String(reflecting: Self.alice).contains("s3cret"))
    }

    // MARK: Writing

    @Test func store_round_trips_with_private_modes_and_keeps_unknown_keys() throws {
        let dir = try TemporaryDirectory("berth-registry-test")
        defer { dir.remove() }
        let path = dir.path + "/run/containers/auth.json"
        try AuthFile.store(Self.alice, for: "quay.io", at: path)
        #expect(try AuthFile.credentials(for: "quay.io/a/b", paths: [path]) == Self.alice)
        #expect(try permissionBits(path) == 0o600)
        #expect(try permissionBits(dir.path + "/run/containers") == 0o700)
        #expect(try permissionBits(dir.path + "/run") == 0o700)

        try dir.write("""
            {"auths": {"quay.io": {"auth": "\(Self.auth("old", "old"))", "email": "kept@example", "identitytoken": "stale"},
                       "other.example": {"auth": "\(Self.auth("o", "o"))", "x-note": 1}},
             "credHelpers": {"gcr.io": "gcloud"}, "HttpHeaders": {"User-Agent": "x/1"}}
            """, to: "run/containers/auth.json")
        try AuthFile.store(Credentials(username: "bob", password: "pw"), for: "quay.io", at: path)
        let text = try readText(path)
        #expect(try AuthFile.credentials(for: "quay.io", paths: [path]) == Credentials(username: "bob", password: "pw"))
        #expect(try AuthFile.credentials(for: "other.example", paths: [path]) == Credentials(username: "o", password: "o"))
        for kept in [#""email" : "kept@example""#, #""x-note" : 1"#, #""gcr.io" : "gcloud""#, #""User-Agent" : "x/1""#] {
            #expect(text.contains(kept), "\(kept) missing from \(text)")
        }
        #expect(!text.contains("stale"))
        #expect(try permissionBits(path) == 0o600)
    }

    @Test func remove_deletes_one_entry_and_remove_all_empties_auths() throws {
        let dir = try TemporaryDirectory("berth-registry-test")
        defer { dir.remove() }
        let path = dir.path + "/auth.json"
        #expect(try AuthFile.remove(key: "quay.io", at: path) == false)
        try AuthFile.store(Self.alice, for: "quay.io", at: path)
        try AuthFile.store(Self.alice, for: "quay.io/team", at: path)
        #expect(try AuthFile.remove(key: "quay.io", at: path) == true)
        #expect(try AuthFile.remove(key: "quay.io", at: path) == false)
        #expect(try AuthFile.credentials(for: "quay.io/x", paths: [path]) == nil)
        #expect(try AuthFile.credentials(for: "quay.io/team/x", paths: [path]) == Self.alice)

        try dir.write(#"{"auths": {"a.example": {"auth": "\#(Self.auth("a", "a"))"}}, "credHelpers": {"b.example": "pass"}}"#, to: "auth.json")
        try AuthFile.removeAll(at: path)
        let text = try readText(path)
        #expect(text.contains(#""auths" : {"#) && !text.contains("a.example") && text.contains("b.example"))
        try AuthFile.removeAll(at: dir.path + "/never-written.json")
        #expect(access(dir.path + "/never-written.json", F_OK) != 0)
    }

    @Test func base64_decodes_rfc4648_vectors_and_rejects_garbage() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors { #expect(Base64.decode(encoded) == Array(plain.utf8)) }
        #expect(Base64.decode("Zm9vYg") == Array("foob".utf8))
        for bad in ["Zm9v!", "Z", "Zg=a", "Zg===", "Zm9=v"] { #expect(Base64.decode(bad) == nil, "\(bad)") }
    }
}
