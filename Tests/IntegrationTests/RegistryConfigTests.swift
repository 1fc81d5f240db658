// Names and configuration: short names through registries.conf, insecure,
// blocked and mirrored registries; search, manifest inspect, --all-tags; chunked
// uploads of big layers.
import Foundation
import Testing
import TestSupport

@Suite struct RegistryConfigTests {
    @Test(arguments: Mode.available)
    func registries_conf_resolves_short_names_mirrors_and_blocks(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let registry = try TestRegistry(.plain)
        defer { registry.stop() }
        let address = registry.address
        let env = try registryEnv(sb, conf: """
            # The test's own registries.conf (v2 format).
            unqualified-search-registries = ["\(address)"]

            [[registry]]
            location = "\(address)"
            insecure = true

            [[registry]]
            prefix = "\(address)/forbidden"
            location = "\(address)/forbidden"
            blocked = true

            [[registry]]
            prefix = "mirrored.example/team"
            location = "mirrored.example/team"
            [[registry.mirror]]
            location = "\(address)/mirror/team"
            insecure = true
            """)
        let id = try importBusybox(sb, as: "localhost/conf:1")
        // insecure = true: no --tls-verify=false needed.
        for target in ["shorty:1", "mirror/team/app:2", "forbidden/x:1"] {
            let pushed = sb.berth(["push", "localhost/conf:1", "\(address)/\(target)"], env: env)
            if target.hasPrefix("forbidden") {
                expectOneLineError(pushed, containing: "blocked")
            } else {
                #expect(pushed.status == 0, "\(pushed)")
            }
        }
        #expect(sb.berth("rmi", "-a").status == 0)

        let short = sb.berth(["pull", "shorty:1"], env: env)
        #expect(short.stdout == id + "\n", "\(short)")
        #expect(short.stderr.hasPrefix("Trying to pull \(address)/shorty:1...\n"), "\(short)")
        let mirrored = sb.berth(["pull", "-q", "mirrored.example/team/app:2"], env: env)
        #expect(mirrored.stdout == id + "\n", "the mirror serves a registry that does not exist: \(mirrored)")
        let names = sb.berth("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split(separator: "\n").sorted()
        #expect(names == ["\(address)/shorty:1", "mirrored.example/team/app:2"], "images keep the names asked for: \(names)")
        expectOneLineError(sb.berth(["pull", "\(address)/forbidden/x:1"], env: env), containing: "blocked")

        let broken = try registryEnv(sb, conf: "unqualified-search-registries = [\"unterminated\n")
        expectOneLineError(sb.berth(["pull", "shorty:1"], env: broken), containing: "registries.conf")
    }

    @Test(arguments: Mode.available)
    func a_short_name_passes_on_from_registries_that_cannot_give_it(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let locked = try TestRegistry(.basicAuth(user: "u", password: "p"))
        defer { locked.stop() }
        let open = try TestRegistry(.plain)
        defer { open.stop() }
        let env = try registryEnv(sb, conf: """
            unqualified-search-registries = ["127.0.0.1:1", "\(locked.address)", "\(open.address)"]
            [[registry]]
            location = "\(locked.address)"
            insecure = true
            [[registry]]
            location = "\(open.address)"
            insecure = true
            """)
        let id = try importBusybox(sb, as: "localhost/short:1")
        #expect(sb.berth(["push", "-q", "localhost/short:1", "\(open.address)/team/short:1"], env: env).status == 0)
        #expect(sb.berth("rmi", "-a").status == 0)
        // Unreachable, then refused, then found: as podman, each failure passes on.
        // docker:// names are not resolved through the search list (podman's rule).
        expectOneLineError(sb.berth(["pull", "docker://team/short:1"], env: env), containing: "docker.io/team/short:1")
        let pulled = sb.berth(["pull", "team/short:1"], env: env)
        #expect(pulled.stdout == id + "\n", "\(pulled)")
        #expect(pulled.stderr.contains("Trying to pull 127.0.0.1:1/team/short:1...\nTrying to pull \(locked.address)/team/short:1...\n"
                                       + "Trying to pull \(open.address)/team/short:1...\n"), "\(pulled)")
        let nowhere = sb.berth(["pull", "team/none:1"], env: env)
        expectOneLineError(nowhere, containing: "team/none:1: no registry in unqualified-search-registries has it")
        #expect(nowhere.stderr.contains("authentication required") && nowhere.stderr.contains("manifest unknown"), "every failure is named: \(nowhere)")
    }

    @Test(arguments: Mode.available)
    func search_manifest_inspect_and_all_tags(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let registry = try TestRegistry(.plain)
        defer { registry.stop() }
        let address = registry.address
        let env = try registryEnv(sb)
        let id = try importBusybox(sb, as: "localhost/s:1")
        for target in ["find/alpha:1", "find/alpha:2", "find/beta:1"] {
            #expect(sb.berth(["push", "-q", "--tls-verify=false", "localhost/s:1", "\(address)/\(target)"], env: env).status == 0)
        }
        let search = sb.berth(["search", "--tls-verify=false", "\(address)/alpha"], env: env)
        #expect(search.status == 0, "\(search)")
        let lines = search.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.first?.hasPrefix("NAME") == true && Array(lines.dropFirst()) == ["\(address)/find/alpha"], "\(search)")
        #expect(sb.berth(["image", "search", "--tls-verify=false", "\(address)/alpha"], env: env).stdout == search.stdout, "image search is search")
        // Catalogs have no stars or official marks: podman's filters see 0 and false.
        let starred = sb.berth(["search", "--tls-verify=false", "--filter", "stars=1", "\(address)/alpha"], env: env)
        #expect(starred.status == 0 && starred.stdout.isEmpty, "no results, no header: \(starred)")
        let unofficial = sb.berth(["search", "--tls-verify=false", "--filter", "is-official=false", "--compatible", "\(address)/alpha"], env: env)
        #expect(unofficial.stdout.hasPrefix("NAME") && unofficial.stdout.contains("STARS") && unofficial.stdout.contains("\(address)/find/alpha"),
                "\(unofficial)")
        expectOneLineError(sb.berth(["search", "--tls-verify=false", "--filter", "popular=yes", "\(address)/alpha"], env: env),
                           containing: "invalid filter")
        let tags = sb.berth(["search", "--tls-verify=false", "--list-tags", "--format", "{{.Tag}}", "\(address)/find/alpha"], env: env)
        #expect(tags.stdout.split(separator: "\n").sorted() == ["1", "2"], "\(tags)")

        let manifest = sb.berth(["manifest", "inspect", "--tls-verify=false", "\(address)/find/beta:1"], env: env)
        let parsed = try JSONSerialization.jsonObject(with: Data(manifest.stdout.utf8)) as? [String: Any]
        #expect(parsed?["schemaVersion"] as? Int == 2, "\(manifest)")
        #expect((parsed?["config"] as? [String: Any])?["digest"] as? String == "sha256:" + id)

        #expect(sb.berth("rmi", "-a").status == 0)
        let all = sb.berth(["pull", "-q", "--all-tags", "--tls-verify=false", "\(address)/find/alpha"], env: env)
        #expect(all.stdout == id + "\n", "\(all)")
        let names = sb.berth("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split(separator: "\n").sorted()
        #expect(names == ["\(address)/find/alpha:1", "\(address)/find/alpha:2"], "\(names)")
    }

    @Test(arguments: Mode.available)
    func run_and_create_pull_a_missing_image_as_podman_does(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let registry = try TestRegistry(.plain)
        defer { registry.stop() }
        let env = try registryEnv(sb)
        let id = try importBusybox(sb, as: "localhost/auto:1")
        let target = "\(registry.address)/auto/busybox:1"
        #expect(sb.berth(["push", "-q", "--tls-verify=false", "localhost/auto:1", target], env: env).status == 0)
        #expect(sb.berth("rmi", "-a").status == 0)

        let never = sb.berth(["run", "--rm", "--pull", "never", target, "true"], env: env)
        expectOneLineError(never, containing: "\(target): image not known")
        let ran = sb.berth(["run", "--rm", "--network", "none", "--tls-verify=false", target, "echo", "pulled first"], env: env)
        #expect(ran.status == 0 && ran.stdout == "pulled first\n", "\(ran)")
        #expect(ran.stderr.hasPrefix("Trying to pull \(target)...\n"), "the pull's progress is on standard error: \(ran)")
        #expect(imageIDs(sb) == [id])
        let again = sb.berth(["run", "--rm", "--network", "none", target, "true"], env: env)
        #expect(again.status == 0 && again.stderr.isEmpty, "present: no pull: \(again)")

        let created = sb.berth(["create", "-q", "--pull", "always", "--tls-verify=false", target, "true"], env: env)
        #expect(created.status == 0 && created.stderr.isEmpty, "\(created)")
        #expect(sb.berth("rm", created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).status == 0)
        let missing = sb.berth(["run", "--rm", "--tls-verify=false", "\(registry.address)/auto/none:1", "true"], env: env)
        expectOneLineError(missing, containing: "manifest unknown")
        expectOneLineError(sb.berth(["run", "--pull", "sometimes", target, "true"], env: env), containing: "invalid pull policy")
    }

    @Test(arguments: Mode.available)
    func on_a_terminal_each_layer_gets_a_progress_line_with_bytes_and_rate(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let registry = try TestRegistry(.plain)
        defer { registry.stop() }
        var env = try registryEnv(sb)
        let info = try loadLayout(sb, "example.com/progress:1", layers: [try Fixtures.busyboxRootfs().bytes(), extraLayer("progress")])
        let target = "\(registry.address)/progress/image:1"
        #expect(sb.berth(["push", "-q", "--tls-verify=false", "example.com/progress:1", target], env: env).status == 0)
        #expect(sb.berth("rmi", "-a").status == 0)
        // script(1) gives the pull a terminal on standard error as well as output.
        env["TERM"] = "xterm"
        let command = [Sandbox.binary, "--root", sb.root, "--runroot", sb.runroot, "pull", "--tls-verify=false", target]
            .map { "'\($0)'" }.joined(separator: " ")
        let onTerminal = sb.run("/usr/bin/script", ["-qfec", command, "/dev/null"], asTestUser: mode == .rootless, env: env)
        #expect(onTerminal.status == 0, "\(onTerminal)")
        let text = onTerminal.stdout
        for digest in info.layerDigests {
            let short = String(digest.dropFirst(7).prefix(12))
            #expect(text.contains("\u{1B}[2KCopying blob \(short) ["), "a bar per layer: \(text)")
            #expect(text.contains("Copying blob \(short) done"), "\(text)")
        }
        #expect(text.contains("B/s"), "the rate is shown: \(text)")
        #expect(text.contains(" / "), "bytes so far and in all: \(text)")
        #expect(text.hasSuffix(info.imageID + "\r\n"), "the image ID comes last: \(text.suffix(200))")
    }

    @Test(arguments: Mode.available)
    func concurrent_pulls_of_one_image_both_succeed_and_store_it_once(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let registry = try TestRegistry(.plain)
        defer { registry.stop() }
        let env = try registryEnv(sb)
        let info = try loadLayout(sb, "example.com/both:1", layers: [try Fixtures.busyboxRootfs().bytes(), extraLayer("both")])
        let target = "\(registry.address)/both/image:1"
        #expect(sb.berth(["push", "-q", "--tls-verify=false", "example.com/both:1", target], env: env).status == 0)
        #expect(sb.berth("rmi", "-a").status == 0)
        // Two berth processes at once, from two threads (a shell's `wait` would hang:
        // children of the test runner inherit a signal mask that blocks SIGCHLD).
        let results = UnsafeMutableBufferPointer<CommandResult?>.allocate(capacity: 2)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        nonisolated(unsafe) let slots = results
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            slots[index] = sb.berth(["pull", "-q", "--tls-verify=false", target], env: env)
        }
        for result in results {
            #expect(result?.status == 0 && result?.stdout == info.imageID + "\n", "\(String(describing: result))")
        }
        #expect(imageIDs(sb) == [info.imageID])
        let layers = try storeSnapshot(sb).filter { $0.hasPrefix("layers/") }
        #expect(layers.count == 2, "each layer unpacked once in the store: \(layers)")
    }

    @Test(arguments: Mode.available)
    func big_layers_go_up_in_chunks_and_come_back_whole(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let registry = try TestRegistry(.plain)
        defer { registry.stop() }
        let env = try registryEnv(sb)
        var noise = [UInt8](repeating: 0, count: 40 << 20)
        noise.withUnsafeMutableBytes { raw in
            var state: UInt64 = 0x9E3779B97F4A7C15
            for index in stride(from: 0, to: raw.count, by: 8) {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                raw.storeBytes(of: state, toByteOffset: index, as: UInt64.self)
            }
        }
        var tar = try Fixtures.busyboxRootfs()
        tar.file("noise.bin", noise)
        let tarball = try sb.makeFile("big.tar", tar.bytes())
        let imported = sb.berth("import", tarball, "localhost/big:1")
        let id = String(imported.stdout.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst(7))
        let target = "\(registry.address)/chunks/big:1"
        registry.resetRequests()
        let pushed = sb.berth(["push", "--tls-verify=false", "localhost/big:1", target], env: env)
        #expect(pushed.status == 0, "\(pushed)")
        let patches = try registry.requests().filter { $0.method == "PATCH" && $0.status == 202 }
        #expect(patches.count == 2, "a 40 MiB layer goes up in two 32 MiB chunks: \(patches)")
        #expect(sb.berth("rmi", "-a").status == 0)
        let pulled = sb.berth(["pull", "-q", "--tls-verify=false", target], env: env)
        #expect(pulled.stdout == id + "\n", "\(pulled)")
    }
}
