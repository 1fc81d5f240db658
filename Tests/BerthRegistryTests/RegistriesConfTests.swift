// registries.conf: the TOML subset, versions 1 and 2, drop-in layering, prefix
// matching and the endpoints a pull tries.
@testable import BerthRegistry
import Glibc
import Testing
import TestSupport

/// containers-common's file, when the machine has it.
private let installedShortnames = "/etc/containers/registries.conf.d/shortnames.conf"

@Suite struct RegistriesConfTests {
    private typealias Registry = RegistriesConf.Registry
    private typealias Endpoint = RegistriesConf.Endpoint

    // MARK: Parsing

    @Test func parses_shortnames_conf_shape() throws {
        // The shape of containers-common's registries.conf.d/shortnames.conf.
        let text = """
            [aliases]
              # almalinux
              "almalinux" = "docker.io/library/almalinux"
              # centos
              "centos" = "quay.io/centos/centos"
              # openSUSE
              "opensuse/tumbleweed" = "registry.opensuse.org/opensuse/tumbleweed"
              'rhel8/ubi' = 'registry.access.redhat.com/ubi8/ubi'   # trailing comment
            """
        let conf = try RegistriesConf.parse(text, path: "/x/shortnames.conf")
        #expect(conf.aliases == [
            "almalinux": "docker.io/library/almalinux",
            "centos": "quay.io/centos/centos",
            "opensuse/tumbleweed": "registry.opensuse.org/opensuse/tumbleweed",
            "rhel8/ubi": "registry.access.redhat.com/ubi8/ubi",
        ])
        #expect(conf.registries.isEmpty && conf.unqualifiedSearchRegistries.isEmpty && conf.shortNameMode == nil)
    }

    @Test(.enabled(if: access(installedShortnames, R_OK) == 0)) func parses_installed_shortnames_conf() throws {
        let conf = try RegistriesConf.parse(try readText(installedShortnames), path: installedShortnames)
        #expect(conf.aliases.count > 20)
        #expect(conf.aliases["alpine"] == "docker.io/library/alpine")
    }

    @Test func parses_the_man_page_example() throws {
        let text = """
            unqualified-search-registries = ["example.com"]

            [[registry]]
            prefix = "example.com/foo"
            insecure = false
            blocked = false
            location = "internal-registry-for-example.com/bar"

            [[registry.mirror]]
            location = "example-mirror-0.local/mirror-for-foo"

            [[registry.mirror]]
            location = "example-mirror-1.local/mirrors/foo"
            insecure = true

            [[registry]]
            location = "registry.com"

            [[registry.mirror]]
            location = "mirror.registry.com"
            """
        let conf = try RegistriesConf.parse(text, path: "/r.conf")
        #expect(conf.unqualifiedSearchRegistries == ["example.com"])
        #expect(conf.registries == [
            Registry(prefix: "example.com/foo", location: "internal-registry-for-example.com/bar", mirrors: [
                .init(location: "example-mirror-0.local/mirror-for-foo"),
                .init(location: "example-mirror-1.local/mirrors/foo", insecure: true),
            ]),
            Registry(prefix: "registry.com", location: "registry.com", mirrors: [.init(location: "mirror.registry.com")]),
        ])
        #expect(conf.endpoints(for: "example.com/foo/image:latest") == [
            Endpoint(name: "example-mirror-0.local/mirror-for-foo/image:latest", insecure: false),
            Endpoint(name: "example-mirror-1.local/mirrors/foo/image:latest", insecure: true),
            Endpoint(name: "internal-registry-for-example.com/bar/image:latest", insecure: false),
        ])
        // A mirror belongs to its own [[registry]] only.
        #expect(conf.endpoints(for: "registry.com/image") == [
            Endpoint(name: "mirror.registry.com/image", insecure: false),
            Endpoint(name: "registry.com/image", insecure: false),
        ])
    }

    @Test func reads_toml_strings_arrays_and_inline_tables() throws {
        let text = """
            # leading comment
            short-name-mode = 'enforcing'
            unqualified-search-registries = [
              "a.example",   # first
              'b.example:5000/',
              # a comment line inside the array
              "c\\u002eexample",
            ]
            [aliases]
            "say\\"hi" = "quay.io/x/y"
            [[registry]]
            prefix = "d.example"
            location = "d-mirror.example"
            mirror = [{ location = "m1.example" }, { location = "m2.example", insecure = true }]
            unknown-key = 42
            """
        let conf = try RegistriesConf.parse(text, path: "/r.conf")
        #expect(conf.shortNameMode == "enforcing")
        #expect(conf.unqualifiedSearchRegistries == ["a.example", "b.example:5000", "c.example"])
        #expect(conf.aliases == ["say\"hi": "quay.io/x/y"])
        #expect(conf.registries.first?.mirrors == [.init(location: "m1.example"), .init(location: "m2.example", insecure: true)])
    }

    @Test func maps_version_1_tables() throws {
        let text = """
            [registries.search]
            registries = ['registry1.com', 'registry2.com']

            [registries.insecure]
            registries = ['registry3.com', 'registry.untrusted.com']

            [registries.block]
            registries = ['registry.untrusted.com', 'registry.unsafe.com']
            """
        let conf = try RegistriesConf.parse(text, path: "/r.conf")
        #expect(conf.unqualifiedSearchRegistries == ["registry1.com", "registry2.com"])
        #expect(conf.registries == [
            Registry(prefix: "registry.untrusted.com", location: "registry.untrusted.com", insecure: true, blocked: true),
            Registry(prefix: "registry.unsafe.com", location: "registry.unsafe.com", blocked: true),
            Registry(prefix: "registry3.com", location: "registry3.com", insecure: true),
        ])
        #expect(conf.isBlocked("registry.unsafe.com/x/y") && !conf.isBlocked("registry1.com/x"))
        #expect(conf.endpoints(for: "registry3.com/a") == [Endpoint(name: "registry3.com/a", insecure: true)])
    }

    @Test func prefix_defaults_to_location_and_loses_trailing_slashes() throws {
        let conf = try RegistriesConf.parse("[[registry]]\nlocation = \"r.example/ns/\"\n", path: "/r.conf")
        #expect(conf.registries == [Registry(prefix: "r.example/ns", location: "r.example/ns")])
    }

    @Test func later_tables_with_the_same_prefix_are_ignored_within_a_file() throws {
        let text = """
            [[registry]]
            location = "a.example"
            [[registry.mirror]]
            location = "first.example"
            [[registry]]
            location = "a.example"
            [[registry.mirror]]
            location = "second.example"
            """
        let conf = try RegistriesConf.parse(text, path: "/r.conf")
        #expect(conf.registries.map(\.mirrors) == [[.init(location: "first.example")]])
    }

    // MARK: Errors

    @Test(arguments: [
        ("a = 1\nkey \"x\"\n", 2, "expected '=' after key"),
        ("x = \"open\n", 1, "unterminated string"),
        ("[aliases]\n\"a\" = \"quay.io/a/b\"\n\"a\" = \"quay.io/c/d\"\n", 3, "duplicate key \"a\" (first set on line 2)"),
        ("\n\n[[registry]]\nprefix = \"a.example\"\n", 3, "needs a location"),
        ("[[registry]]\nblocked = true\n", 1, "needs a location or a prefix"),
        ("[[registry]]\nlocation = \"https://a.example\"\n", 2, "URL schemes are not supported"),
        ("[[registry]]\nprefix = \"*.a.example/ns\"\n", 1, "a wildcard prefix must be \"*.domain\""),
        ("[[registry]]\nprefix = \"a.*.example\"\nlocation = \"x.example\"\n", 1, "'*' is allowed only as a leading"),
        ("[[registry]]\nlocation = \"a.example\"\ninsecure = \"yes\"\n", 3, "insecure must be true or false, not a string"),
        ("[[registry]]\nlocation = \"a.example\"\n[[registry.mirror]]\ninsecure = true\n", 3, "[[registry.mirror]] needs a location"),
        ("[registry]\nlocation = \"a.example\"\n", 1, "registry must be written as [[registry]] tables"),
        ("[[registry]]\nlocation = \"a.example\"\n[registry]\n", 3, "\"registry\" is already an array of tables"),
        ("short-name-mode = \"sometimes\"\n", 1, "invalid short-name-mode \"sometimes\""),
        ("unqualified-search-registries = \"quay.io\"\n", 1, "must be an array of strings, not a string"),
        ("unqualified-search-registries = [\"quay.io/ns\"]\n", 1, "expected host[:port]"),
        ("[aliases]\n\"quay.io/x\" = \"quay.io/x/y\"\n", 2, "must be a short name"),
        ("[aliases]\n\"x:1\" = \"quay.io/x/y\"\n", 2, "must not contain a tag"),
        ("[aliases]\n\"x\" = \"x/y\"\n", 2, "must name a registry and a repository"),
        ("[aliases]\n\"x\" = \"quay.io/x/y:1\"\n", 2, "must not contain a tag"),
        ("[[registry]]\nlocation = \"a.example\"\n[[registry]]\nprefix = \"a.example/x\"\nlocation = \"a.example\"\ninsecure = true\n", 3,
            "conflicting 'insecure' settings"),
        ("unqualified-search-registries = []\n\n[registries.search]\nregistries = []\n", 1, "mixing the two formats is not supported"),
    ])
    func reports_errors_with_file_and_line(text: String, line: Int, fragment: String) {
        #expect {
            try RegistriesConf.parse(text, path: "/etc/containers/registries.conf")
        } throws: { error in
            let message = String(describing: error)
            return message.hasPrefix("invalid registries.conf /etc/containers/registries.conf:\(line): ") && message.contains(fragment)
        }
    }

    // MARK: Matching

    @Test func mirrors_limited_to_digests_or_tags_serve_only_those_pulls() throws {
        let conf = try RegistriesConf.parse("""
            [[registry]]
            location = "primary.example"
            mirror-by-digest-only = true
            [[registry.mirror]]
            location = "any.mirror"

            [[registry]]
            location = "second.example"
            [[registry.mirror]]
            location = "digests.mirror"
            pull-from-mirror = "digest-only"
            [[registry.mirror]]
            location = "tags.mirror"
            pull-from-mirror = "tag-only"
            """, path: "/test/registries.conf")
        #expect(conf.endpoints(for: "primary.example/a") == [Endpoint(name: "primary.example/a", insecure: false)])
        #expect(conf.endpoints(for: "primary.example/a", byDigest: true).map(\.name) == ["any.mirror/a", "primary.example/a"])
        #expect(conf.endpoints(for: "second.example/a").map(\.name) == ["tags.mirror/a", "second.example/a"])
        #expect(conf.endpoints(for: "second.example/a", byDigest: true).map(\.name) == ["digests.mirror/a", "second.example/a"])
        #expect(throws: RegistryError.self) {
            try RegistriesConf.parse("[[registry]]\nlocation = \"x.example\"\n[[registry.mirror]]\nlocation = \"m\"\npull-from-mirror = \"sometimes\"\n",
                                     path: "/test/registries.conf")
        }
        #expect(throws: RegistryError.self, "the two settings together are refused, as containers/image does") {
            try RegistriesConf.parse("[[registry]]\nlocation = \"x.example\"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = \"m\"\npull-from-mirror = \"tag-only\"\n",
                                     path: "/test/registries.conf")
        }
    }

    @Test func longest_prefix_wins_at_component_boundaries() throws {
        let conf = RegistriesConf(registries: [
            Registry(prefix: "example.com", location: "host.example"),
            Registry(prefix: "example.com/foo", location: "foo.example"),
            Registry(prefix: "example.com/foo/bar", location: "bar.example/x"),
        ])
        #expect(conf.registry(for: "example.com/foo/bar")?.location == "bar.example/x")
        #expect(conf.registry(for: "example.com/foo/bar/baz")?.location == "bar.example/x")
        #expect(conf.registry(for: "example.com/foo/barn")?.location == "foo.example")
        #expect(conf.registry(for: "example.com/foobar/x")?.location == "host.example")
        #expect(conf.registry(for: "example.com/foo:tag")?.location == "foo.example")
        #expect(conf.registry(for: "example.com/foo@sha256:abc")?.location == "foo.example")
        #expect(conf.registry(for: "example.com") != nil)
        // A port is another registry, and a longer host another host.
        #expect(conf.registry(for: "example.com:5000/foo") == nil)
        #expect(conf.registry(for: "example.community/foo") == nil)
        #expect(conf.endpoints(for: "example.com/foo/bar/baz:1") == [Endpoint(name: "bar.example/x/baz:1", insecure: false)])
    }

    @Test func wildcard_prefixes_match_subdomains_of_the_host_only() throws {
        let conf = RegistriesConf(registries: [
            Registry(prefix: "*.example.com", location: "", insecure: true, mirrors: [.init(location: "mirror.local/cache")]),
            Registry(prefix: "*.deep.example.com", location: "deep.mirror"),
        ])
        #expect(conf.registry(for: "a.example.com/x")?.prefix == "*.example.com")
        #expect(conf.registry(for: "a.b.example.com:5000/x")?.prefix == "*.example.com")
        #expect(conf.registry(for: "a.deep.example.com/x")?.prefix == "*.deep.example.com")
        #expect(conf.registry(for: "example.com/x") == nil)
        #expect(conf.registry(for: "evilexample.com/x") == nil)
        #expect(conf.registry(for: "a.example.com.evil/x") == nil)
        #expect(conf.registry(for: "other.io/a.example.com") == nil)
        // No location: names are used as they are, with the table's other settings.
        #expect(conf.endpoints(for: "a.example.com/ns/img:1") == [
            Endpoint(name: "mirror.local/cache/ns/img:1", insecure: false),
            Endpoint(name: "a.example.com/ns/img:1", insecure: true),
        ])
        #expect(conf.endpoints(for: "x.deep.example.com/img") == [Endpoint(name: "deep.mirror/img", insecure: false)])
    }

    @Test func a_literal_prefix_beats_a_wildcard_of_the_same_length() {
        let conf = RegistriesConf(registries: [
            Registry(prefix: "*.b.com", location: "wild.example"),
            Registry(prefix: "a.b.com", location: "literal.example"),
        ])
        #expect(conf.registry(for: "a.b.com/x")?.location == "literal.example")
        #expect(conf.registry(for: "c.b.com/x")?.location == "wild.example")
    }

    @Test func unconfigured_names_are_their_own_secure_endpoint() {
        let conf = RegistriesConf(registries: [Registry(prefix: "quay.io", location: "quay.io", insecure: true)])
        #expect(conf.endpoints(for: "docker.io/library/alpine") == [Endpoint(name: "docker.io/library/alpine", insecure: false)])
        #expect(conf.registry(for: "docker.io/library/alpine") == nil)
    }

    // MARK: Loading

    /// Loads with DIR/etc standing in for /etc/containers and DIR/home as HOME.
    private static func load(_ dir: TemporaryDirectory, _ environment: [String: String] = [:]) throws -> RegistriesConf {
        try RegistriesConf.load(environment: environment.merging(["HOME": dir.path + "/home"]) { mine, _ in mine }, systemDirectory: dir.path + "/etc")
    }

    @Test func drop_ins_layer_over_the_main_file_in_order() throws {
        let dir = try TemporaryDirectory("berth-registry-test")
        defer { dir.remove() }
        try dir.write("""
            unqualified-search-registries = ["main.example"]
            short-name-mode = "enforcing"
            [[registry]]
            location = "kept.example"
            [[registry]]
            location = "replaced.example"
            insecure = true
            [aliases]
            "erased" = "quay.io/e/e"
            "kept" = "quay.io/k/k"
            """, to: "etc/registries.conf")
        try dir.write("""
            unqualified-search-registries = ["a.example"]
            [[registry]]
            location = "replaced.example"
            blocked = true
            [aliases]
            "erased" = ""
            "added" = "quay.io/a/a"
            """, to: "etc/registries.conf.d/10-a.conf")
        try dir.write("unqualified-search-registries = [\"b.example\"]\n", to: "etc/registries.conf.d/20-b.conf")
        try dir.write("this is not read", to: "etc/registries.conf.d/30-c.conf.bak")
        try dir.write("unqualified-search-registries = [\"nested\"]\n", to: "etc/registries.conf.d/sub.conf/x.conf")
        try dir.write("[aliases]\n\"user\" = \"quay.io/u/u\"\n", to: "home/.config/containers/registries.conf.d/00-user.conf")

        let conf = try Self.load(dir)
        #expect(conf.unqualifiedSearchRegistries == ["b.example"])
        #expect(conf.shortNameMode == "enforcing")
        #expect(conf.registries == [
            Registry(prefix: "kept.example", location: "kept.example"),
            Registry(prefix: "replaced.example", location: "replaced.example", blocked: true),
        ])
        #expect(conf.aliases == ["kept": "quay.io/k/k", "added": "quay.io/a/a", "user": "quay.io/u/u"])
    }

    @Test func an_empty_search_list_in_a_drop_in_clears_the_list() throws {
        let dir = try TemporaryDirectory("berth-registry-test")
        defer { dir.remove() }
        try dir.write("unqualified-search-registries = [\"main.example\"]\n", to: "etc/registries.conf")
        try dir.write("unqualified-search-registries = []\n", to: "etc/registries.conf.d/a.conf")
        let conf = try Self.load(dir)
        #expect(conf.unqualifiedSearchRegistries.isEmpty)
    }

    @Test func the_users_registries_conf_replaces_the_system_files_and_drop_ins() throws {
        let dir = try TemporaryDirectory("berth-registry-test")
        defer { dir.remove() }
        try dir.write("unqualified-search-registries = [\"system.example\"]\n", to: "etc/registries.conf")
        try dir.write("[aliases]\n\"sys\" = \"quay.io/s/s\"\n", to: "etc/registries.conf.d/a.conf")
        try dir.write("unqualified-search-registries = [\"user.example\"]\n", to: "home/.config/containers/registries.conf")
        try dir.write("[aliases]\n\"user\" = \"quay.io/u/u\"\n", to: "home/.config/containers/registries.conf.d/a.conf")
        let conf = try Self.load(dir)
        #expect(conf.unqualifiedSearchRegistries == ["user.example"])
        #expect(conf.aliases == ["user": "quay.io/u/u"])
    }

    @Test func containers_registries_conf_replaces_the_main_file_only() throws {
        let dir = try TemporaryDirectory("berth-registry-test")
        defer { dir.remove() }
        try dir.write("unqualified-search-registries = [\"system.example\"]\n", to: "etc/registries.conf")
        try dir.write("[aliases]\n\"sys\" = \"quay.io/s/s\"\n", to: "etc/registries.conf.d/a.conf")
        try dir.write("unqualified-search-registries = [\"user.example\"]\n", to: "home/.config/containers/registries.conf")
        try dir.write("[registries.search]\nregistries = [\"explicit.example\"]\n", to: "explicit.conf")
        let conf = try Self.load(dir, ["CONTAINERS_REGISTRIES_CONF": dir.path + "/explicit.conf"])
        #expect(conf.unqualifiedSearchRegistries == ["explicit.example"])
        #expect(conf.aliases == ["sys": "quay.io/s/s"])

        #expect {
            try Self.load(dir, ["CONTAINERS_REGISTRIES_CONF": dir.path + "/missing.conf"])
        } throws: { String(describing: $0).contains("missing.conf: No such file or directory") }
    }

    @Test func missing_default_files_give_an_empty_configuration() throws {
        let dir = try TemporaryDirectory("berth-registry-test")
        defer { dir.remove() }
        let conf = try Self.load(dir)
        #expect(conf == RegistriesConf())
    }

    @Test func drop_ins_must_use_version_2() throws {
        let dir = try TemporaryDirectory("berth-registry-test")
        defer { dir.remove() }
        try dir.write("\n[registries.search]\nregistries = [\"a.example\"]\n", to: "etc/registries.conf.d/old.conf")
        #expect {
            try Self.load(dir)
        } throws: { error in
            let expected = "invalid registries.conf \(dir.path)/etc/registries.conf.d/old.conf:2: drop-in files must use the version 2 format"
            return String(describing: error).hasPrefix(expected)
        }
    }
}
