// push, pull, login against Debian's real docker-registry (plain, TLS with a CA
// of the test's, htpasswd, token auth), with skopeo and podman as outside judges.
import Foundation
import Testing
import TestSupport

@Suite struct RegistryTests {
    @Test(arguments: Mode.available)
    func push_then_pull_keeps_the_image_id_and_peers_read_what_berth_pushed(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let registry = try TestRegistry(.plain)
        defer { registry.stop() }
        let env = try registryEnv(sb)
        let id = try importBusybox(sb, as: "localhost/busybox:1")
        let target = "\(registry.address)/berth/busybox:1"

        let digestFile = sb.path("digest")
        let pushed = sb.berth(["push", "--tls-verify=false", "--digestfile", digestFile, "localhost/busybox:1", target], env: env)
        #expect(pushed.status == 0, "\(pushed)")
        #expect(pushed.stderr.hasPrefix("Getting image source signatures\nCopying blob sha256:"), "\(pushed)")
        #expect(pushed.stderr.hasSuffix("Copying config sha256:\(id) done\nWriting manifest to image destination\n"), "\(pushed)")
        let digest = try String(contentsOfFile: digestFile, encoding: .utf8)
        #expect(digest.hasPrefix("sha256:") && digest.count == 71, "--digestfile holds the manifest digest: \(digest)")

        let inspected = sb.run(try requiredTool("skopeo"), ["inspect", "--tls-verify=false", "--format", "{{.Digest}} {{.Architecture}}", "docker://" + target],
                               asTestUser: false)
        #expect(inspected.stdout == "\(digest) \(Fixtures.hostArchitecture)\n", "skopeo reads what berth pushed: \(inspected)")

        // The store has the layer (unpacked from the uncompressed import): nothing to download.
        registry.resetRequests()
        let present = sb.berth(["pull", "--tls-verify=false", target], env: env)
        #expect(present.stdout == id + "\n", "\(present)")
        #expect(present.stderr.contains("skipped: already exists"), "\(present)")
        let fetches = try registry.requests().filter(\.isBlobFetch)
        #expect(fetches.isEmpty, "no blob is fetched for an image whose layers and config the store has: \(fetches)")
        let archive = sb.path("pulled.tar")
        #expect(sb.berth("save", "--format", "oci-archive", "-o", archive, target).status == 0)
        let fromArchive = sb.run(try requiredTool("skopeo"), ["inspect", "--format", "{{.Digest}}", "oci-archive:" + archive], asTestUser: mode == .rootless)
        #expect(fromArchive.status == 0, "save describes the layer by the blob the store has: \(fromArchive)")

        #expect(sb.berth("rmi", "localhost/busybox:1", target).status == 0)
        let pulled = sb.berth(["pull", "--tls-verify=false", target], env: env)
        #expect(pulled.status == 0, "\(pulled)")
        #expect(pulled.stdout == id + "\n", "pull prints the image ID last: \(pulled)")
        #expect(pulled.stderr.hasPrefix("Trying to pull \(target)...\nGetting image source signatures\nCopying blob sha256:"), "\(pulled)")
        let repoDigests = sb.berth("image", "inspect", "--format", "{{.RepoDigests}}", target)
        #expect(repoDigests.stdout == "[\(registry.address)/berth/busybox@\(digest)]\n", "\(repoDigests)")
        let ran = sb.berth("run", "--rm", "--network", "none", target, "echo", "pulled")
        #expect(ran.stdout == "pulled\n", "\(ran)")

        let byDigest = sb.berth(["pull", "-q", "--tls-verify=false", "\(registry.address)/berth/busybox@\(digest)"], env: env)
        #expect(byDigest.stdout == id + "\n", "\(byDigest)")
        let tags = sb.berth("image", "inspect", "--format", "{{.RepoTags}} {{.RepoDigests}}", id)
        #expect(tags.stdout == "[\(target)] [\(registry.address)/berth/busybox@\(digest)]\n", "a digest is not a tag: \(tags)")

        let quiet = sb.berth(["pull", "-q", "--tls-verify=false", target], env: env)
        #expect(quiet.stdout == id + "\n" && quiet.stderr.isEmpty, "\(quiet)")

        // podman's archive transports: push is a save, pull a load.
        let archive2 = sb.path("pushed.tar")
        let saved = sb.berth(["push", target, "oci-archive:\(archive2):example.com/copy:v2"], env: env)
        #expect(saved.status == 0, "\(saved)")
        let index = sb.run("/bin/tar", ["-xOf", archive2, "index.json"], asTestUser: mode == .rootless)
        #expect(index.stdout.contains("\"org.opencontainers.image.ref.name\":\"example.com/copy:v2\""), "the REF names the image in the archive: \(index)")
        let removed = sb.berth("rmi", "-a")
        #expect(removed.status == 0, "\(removed)")
        expectOneLineError(sb.berth(["pull", "oci-archive:\(archive2):example.com/other:v1"], env: env), containing: "example.com/other:v1")
        let fromArchive2 = sb.berth(["pull", "oci-archive:\(archive2):example.com/copy:v2"], env: env)
        #expect(fromArchive2.stdout == id + "\n", "\(fromArchive2)")
        #expect(sb.berth("images", "--format", "{{.Repository}}:{{.Tag}}").stdout == "example.com/copy:v2\n")
        expectOneLineError(sb.berth(["pull", "dir:/nonexistent"], env: env), containing: "unsupported transport \"dir\"")
        #expect(sb.berth(["pull", "-q", "--tls-verify=false", target], env: env).status == 0)

        // --format picks the manifest type; the config, and so the image ID, stays.
        for (format, mediaType) in [("v2s2", "application/vnd.docker.distribution.manifest.v2+json"),
                                    ("oci", "application/vnd.oci.image.manifest.v1+json")] {
            let formatted = "\(registry.address)/berth/\(format):1"
            let pushedAs = sb.berth(["push", "-q", "--tls-verify=false", "--format", format, target, formatted], env: env)
            #expect(pushedAs.status == 0, "\(pushedAs)")
            let raw = sb.run(try requiredTool("skopeo"), ["inspect", "--raw", "--tls-verify=false", "docker://" + formatted], asTestUser: false)
            let manifest = try JSONSerialization.jsonObject(with: Data(raw.stdout.utf8)) as? [String: Any]
            #expect(manifest?["mediaType"] as? String == mediaType, "\(format): \(raw)")
            let layerTypes = (manifest?["layers"] as? [[String: Any]])?.compactMap { $0["mediaType"] as? String }
            #expect(layerTypes == [format == "oci" ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.docker.image.rootfs.diff.tar.gzip"])
            #expect(sb.berth(["pull", "-q", "--tls-verify=false", formatted], env: env).stdout == id + "\n")
        }
        expectOneLineError(sb.berth(["push", "--tls-verify=false", "--format", "v1", target, target], env: env), containing: "unknown format")

        // podman judges as root only: rootless podman would need a setup of its own for the test user.
        if mode == .root {
            let podman = sb.run(try requiredTool("podman"), ["--root", sb.path("podman/root"), "--runroot", sb.path("podman/run"),
                                                    "--storage-driver", "vfs", "pull", "-q", "--tls-verify=false", target],
                                asTestUser: false)
            #expect(podman.stdout == id + "\n", "podman pulls what berth pushed, same image ID: \(podman)")
        }
    }

    @Test(arguments: Mode.available)
    func pulls_what_skopeo_pushes_in_docker_and_oci_formats_and_picks_the_platform_of_an_index(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let registry = try TestRegistry(.plain)
        defer { registry.stop() }
        let env = try registryEnv(sb)
        let busybox = try Fixtures.busyboxRootfs().bytes()

        let layout = sb.path("layout")
        let info = try Fixtures.ociLayout(at: layout, layers: [busybox], compression: .gzip, refName: "single")
        for format in ["v2s2", "oci"] {
            let target = "\(registry.address)/skopeo/\(format):1"
            let copied = sb.run(try requiredTool("skopeo"), ["copy", "--dest-tls-verify=false", "--format", format, "oci:\(layout):single", "docker://" + target],
                                asTestUser: false)
            #expect(copied.status == 0, "\(copied)")
            let raw = sb.run(try requiredTool("skopeo"), ["inspect", "--raw", "--tls-verify=false", "docker://" + target], asTestUser: false)
            let manifest = try JSONSerialization.jsonObject(with: Data(raw.stdout.utf8)) as? [String: Any]
            let mediaType = manifest?["mediaType"] as? String
            #expect(mediaType == (format == "oci" ? "application/vnd.oci.image.manifest.v1+json" : "application/vnd.docker.distribution.manifest.v2+json"))
            let configDigest = (manifest?["config"] as? [String: Any])?["digest"] as? String ?? "?"
            let pulled = sb.berth(["pull", "-q", "--tls-verify=false", target], env: env)
            #expect(pulled.status == 0, "\(format): \(pulled)")
            #expect(pulled.stdout == String(configDigest.dropFirst(7)) + "\n", "\(format): the image ID is the config digest")
        }
        #expect(imageIDs(sb).contains(info.imageID))

        // A two-platform index, written as an OCI layout and copied whole by skopeo.
        let host = Fixtures.hostArchitecture
        let other = host == "amd64" ? "arm64" : "amd64"
        let multi = sb.path("multi")
        let hostInfo = try Fixtures.ociLayout(at: multi, layers: [busybox], config: ["architecture": host], refName: "h")
        let otherInfo = try Fixtures.ociLayout(at: multi, layers: [busybox, extraLayer("other")], config: ["architecture": other], refName: "o")
        // 32-bit arm in three variants, v7 not first: without --variant, v7 is chosen.
        var armInfo: [String: OCIImageInfo] = [:]
        for variant in ["v5", "v7", "v6"] {
            armInfo[variant] = try Fixtures.ociLayout(at: multi, layers: [busybox, extraLayer("arm" + variant)],
                                                      config: ["architecture": "arm", "variant": variant], refName: "arm" + variant)
        }
        func entry(_ info: OCIImageInfo, _ platform: [String: String]) -> [String: Any] {
            ["mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": info.manifestDigest, "size": info.manifestSize,
             "platform": platform]
        }
        let indexBytes = try JSONSerialization.data(withJSONObject: [
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [entry(otherInfo, ["architecture": other, "os": "linux"])]
                + ["v5", "v7", "v6"].map { entry(armInfo[$0]!, ["architecture": "arm", "os": "linux", "variant": $0]) }
                + [entry(hostInfo, ["architecture": host, "os": "linux"])],
        ] as [String: Any])
        let indexDigest = sha256Digest(Array(indexBytes))
        try indexBytes.write(to: URL(fileURLWithPath: "\(multi)/blobs/sha256/\(indexDigest.dropFirst(7))"))
        try JSONSerialization.data(withJSONObject: [
            "schemaVersion": 2,
            "manifests": [["mediaType": "application/vnd.oci.image.index.v1+json", "digest": indexDigest, "size": indexBytes.count,
                           "annotations": ["org.opencontainers.image.ref.name": "multi"]]],
        ] as [String: Any]).write(to: URL(fileURLWithPath: multi + "/index.json"))
        let target = "\(registry.address)/skopeo/multi:1"
        let copied = sb.run(try requiredTool("skopeo"), ["copy", "--all", "--dest-tls-verify=false", "oci:\(multi):multi", "docker://" + target], asTestUser: false)
        #expect(copied.status == 0, "\(copied)")

        let native = sb.berth(["pull", "-q", "--tls-verify=false", target], env: env)
        #expect(native.stdout == hostInfo.imageID + "\n", "this machine's platform is chosen: \(native)")
        let repoDigests = sb.berth("image", "inspect", "--format", "{{.RepoDigests}}", hostInfo.imageID).stdout
        #expect(repoDigests.contains("@" + indexDigest) && repoDigests.contains("@" + hostInfo.manifestDigest), "\(repoDigests)")
        // The same two platforms as a Docker manifest list, converted by skopeo.
        let listTarget = "\(registry.address)/skopeo/multi-v2s2:1"
        let converted = sb.run(try requiredTool("skopeo"), ["copy", "--all", "--format", "v2s2", "--src-tls-verify=false", "--dest-tls-verify=false",
                                                   "docker://" + target, "docker://" + listTarget], asTestUser: false)
        #expect(converted.status == 0, "\(converted)")
        let listRaw = sb.run(try requiredTool("skopeo"), ["inspect", "--raw", "--tls-verify=false", "docker://" + listTarget], asTestUser: false)
        #expect(listRaw.stdout.contains("application/vnd.docker.distribution.manifest.list.v2+json"), "\(listRaw)")
        let hostConfig = sb.run(try requiredTool("skopeo"), ["inspect", "--config", "--raw", "--tls-verify=false", "docker://" + listTarget], asTestUser: false)
        let fromList = sb.berth(["pull", "-q", "--tls-verify=false", listTarget], env: env)
        #expect(fromList.stdout == sha256Hex(Array(hostConfig.stdout.utf8)) + "\n", "the host's entry of a Docker manifest list: \(fromList)")

        let foreign = sb.berth(["pull", "-q", "--tls-verify=false", "--arch", other, target], env: env)
        #expect(foreign.stdout == otherInfo.imageID + "\n", "--arch picks the other entry: \(foreign)")
        let byPlatform = sb.berth(["pull", "-q", "--tls-verify=false", "--platform", "linux/\(other)", target], env: env)
        #expect(byPlatform.stdout == otherInfo.imageID + "\n", "\(byPlatform)")
        let arm = sb.berth(["pull", "-q", "--tls-verify=false", "--arch", "arm", target], env: env)
        #expect(arm.stdout == armInfo["v7"]!.imageID + "\n", "v7 is the best 32-bit arm without --variant: \(arm)")
        let armV6 = sb.berth(["pull", "-q", "--tls-verify=false", "--arch", "arm", "--variant", "v6", target], env: env)
        #expect(armV6.stdout == armInfo["v6"]!.imageID + "\n", "\(armV6)")
        let armV5 = sb.berth(["pull", "-q", "--tls-verify=false", "--platform", "linux/arm/v5", target], env: env)
        #expect(armV5.stdout == armInfo["v5"]!.imageID + "\n", "\(armV5)")
        let before = try storeSnapshot(sb)
        let missing = sb.berth(["pull", "--tls-verify=false", "--platform", "linux/s390x", target], env: env)
        expectOneLineError(missing, containing: "no image found in manifest list for architecture linux/s390x")
        #expect(try storeSnapshot(sb) == before)
    }

    @Test(arguments: Mode.available)
    func a_second_push_sends_no_layer_bytes_and_a_pull_fetches_only_layers_it_lacks(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let registry = try TestRegistry(.plain)
        defer { registry.stop() }
        let env = try registryEnv(sb)
        let busybox = try Fixtures.busyboxRootfs().bytes()
        let base = try loadLayout(sb, "example.com/base:1", layers: [busybox])
        let derived = try loadLayout(sb, "example.com/derived:1", layers: [busybox, extraLayer("derived")])
        // derived's top layer alone: the same blob, another chain (another unpacked layer).
        let top = try loadLayout(sb, "example.com/top:1", layers: [extraLayer("derived")])
        #expect(top.layerDigests[0] == derived.layerDigests[1])
        let push = { (image: String, target: String) -> CommandResult in
            sb.berth(["push", "--tls-verify=false", image, "\(registry.address)/\(target)"], env: env)
        }

        #expect(push("example.com/base:1", "shared/base:1").status == 0)
        registry.resetRequests()
        let again = push("example.com/base:1", "shared/base:1")
        #expect(again.status == 0, "\(again)")
        #expect(again.stderr.contains("Copying blob \(base.layerDigests[0]) skipped: already exists"), "\(again)")
        let uploaded = try registry.uploadedBytes()
        let log = try registry.requests()
        #expect(uploaded == 0, "a second push uploads nothing: \(log)")
        #expect(try registry.requests().filter(\.isBlobUpload).isEmpty)

        registry.resetRequests()
        #expect(push("example.com/derived:1", "shared/derived:1").status == 0)
        let requests = try registry.requests()
        #expect(requests.contains { $0.isBlobMount && $0.status == 201 }, "the base layer is mounted from shared/base: \(requests)")
        let newBytes = try registry.uploadedBytes()
        let expected = registry.blobSize(derived.layerDigests[1])! + registry.blobSize(derived.configDigest)!
        #expect(newBytes == expected, "only the new layer and the config go up: \(newBytes) vs \(expected)")

        #expect(push("example.com/top:1", "shared/top:1").status == 0)

        #expect(sb.berth("rmi", "-a", "-f").status == 0)
        #expect(sb.berth(["pull", "-q", "--tls-verify=false", "\(registry.address)/shared/base:1"], env: env).status == 0)
        registry.resetRequests()
        let pulled = sb.berth(["pull", "--tls-verify=false", "\(registry.address)/shared/derived:1"], env: env)
        #expect(pulled.stdout == derived.imageID + "\n", "\(pulled)")
        let fetched = try registry.requests().filter(\.isBlobFetch).map { $0.path.split(separator: "/").last.map(String.init) ?? "" }
        #expect(fetched.sorted() == [derived.configDigest, derived.layerDigests[1]].sorted(), "the shared base layer is not downloaded: \(fetched)")
        #expect(pulled.stderr.contains("Copying blob \(derived.layerDigests[0]) skipped: already exists"), "\(pulled)")

        // A blob the store has, but not unpacked as this image needs it: unpacked from
        // the store, not downloaded again.
        registry.resetRequests()
        let topPulled = sb.berth(["pull", "-q", "--tls-verify=false", "\(registry.address)/shared/top:1"], env: env)
        #expect(topPulled.stdout == top.imageID + "\n", "\(topPulled)")
        let topFetched = try registry.requests().filter(\.isBlobFetch).map { $0.path.split(separator: "/").last.map(String.init) ?? "" }
        #expect(topFetched == [top.configDigest], "only the config is fetched: \(topFetched)")
        let ids = sb.berth("images", "-q", "--no-trunc").stdout
        #expect(ids.contains(top.imageID) && ids.contains(derived.imageID), "\(ids)")
        _ = base
    }

    @Test(arguments: Mode.available)
    func tls_with_a_private_ca_needs_cert_dir_or_tls_verify_false(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let registry = try TestRegistry(.tls)
        defer { registry.stop() }
        let env = try registryEnv(sb)
        let id = try importBusybox(sb, as: "localhost/tls:1")
        let target = "\(registry.address)/secure/tls:1"

        let before = try storeSnapshot(sb)
        let unknownCA = sb.berth(["push", "localhost/tls:1", target], env: env)
        expectOneLineError(unknownCA, containing: "certificate")
        #expect(try storeSnapshot(sb) == before)

        let pushed = sb.berth(["push", "--cert-dir", registry.certDirectory, "localhost/tls:1", target], env: env)
        #expect(pushed.status == 0, "\(pushed)")
        #expect(sb.berth("rmi", "-a").status == 0)
        let refused = sb.berth(["pull", target], env: env)
        expectOneLineError(refused, containing: "certificate")
        #expect(try storeSnapshot(sb).isEmpty, "a refused pull leaves the store as it was")
        let pulled = sb.berth(["pull", "-q", "--cert-dir", registry.certDirectory, target], env: env)
        #expect(pulled.stdout == id + "\n", "\(pulled)")
        let unverified = sb.berth(["pull", "-q", "--tls-verify=false", target], env: env)
        #expect(unverified.stdout == id + "\n", "\(unverified)")
    }

    @Test(arguments: Mode.available)
    func mutual_tls_presents_the_client_certificate_of_the_cert_dir(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let registry = try TestRegistry(.mutualTLS)
        defer { registry.stop() }
        let env = try registryEnv(sb)
        let id = try importBusybox(sb, as: "localhost/mtls:1")
        let target = "\(registry.address)/mutual/tls:1"
        // The CA alone: the registry wants a client certificate.
        let caOnly = try sb.makeFile("ca-only/ca.crt", try readBytes(registry.caCertificate!))
        let refused = sb.berth(["push", "--cert-dir", (caOnly as NSString).deletingLastPathComponent, "localhost/mtls:1", target], env: env)
        expectOneLineError(refused, containing: "client certificate")
        // --tls-verify=false must not fall back to plain HTTP against an HTTPS server.
        let insecure = sb.berth(["push", "--tls-verify=false", "--cert-dir", (caOnly as NSString).deletingLastPathComponent,
                                 "localhost/mtls:1", target], env: env)
        expectOneLineError(insecure, containing: "client certificate")
        let pushed = sb.berth(["push", "--cert-dir", registry.certDirectory, "localhost/mtls:1", target], env: env)
        #expect(pushed.status == 0, "\(pushed)")
        #expect(sb.berth("rmi", "-a").status == 0)
        let pulled = sb.berth(["pull", "-q", "--cert-dir", registry.certDirectory, target], env: env)
        #expect(pulled.stdout == id + "\n", "\(pulled)")
    }

    @Test(arguments: Mode.available)
    func basic_auth_login_logout_and_creds(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let password = "s3cret-Pw"
        let registry = try TestRegistry(.basicAuth(user: "berth", password: password))
        defer { registry.stop() }
        let env = try registryEnv(sb)
        let id = try importBusybox(sb, as: "localhost/auth:1")
        let target = "\(registry.address)/private/auth:1"

        let before = try storeSnapshot(sb)
        let anonymous = sb.berth(["push", "--tls-verify=false", "localhost/auth:1", target], env: env)
        expectOneLineError(anonymous, containing: "authentication required")
        #expect(try storeSnapshot(sb) == before, "a refused push leaves the store as it was (no gzip blob kept)")

        let wrong = sb.berth(["login", "--tls-verify=false", "-u", "berth", "-p", "wrong-\(password)", registry.address], env: env)
        expectOneLineError(wrong, containing: "invalid username/password")
        #expect(!wrong.stderr.contains(password) && !wrong.stdout.contains(password))
        let authFile = sb.runtimeDir + "/containers/auth.json"
        #expect(!FileManager.default.fileExists(atPath: authFile), "a failed login writes nothing")

        let login = sb.berth(["login", "--tls-verify=false", "-u", "berth", "--password-stdin", registry.address],
                             stdin: Array((password + "\n").utf8), env: env)
        #expect(login.stdout == "Login Succeeded!\n", "\(login)")
        #expect(!login.stderr.contains(password))
        let attributes = try FileManager.default.attributesOfItem(atPath: authFile)
        #expect((attributes[.posixPermissions] as? Int) == 0o600, "auth.json is private")
        let auths = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: authFile))) as? [String: Any]
        let entry = (auths?["auths"] as? [String: Any])?[registry.address] as? [String: Any]
        #expect(entry?["auth"] as? String == Data("berth:\(password)".utf8).base64EncodedString(), "podman's auth.json format")
        #expect(sb.berth(["login", "--get-login", registry.address], env: env).stdout == "berth\n")

        #expect(sb.berth(["push", "--tls-verify=false", "localhost/auth:1", target], env: env).status == 0)
        #expect(sb.berth("rmi", "-a").status == 0)
        #expect(sb.berth(["pull", "-q", "--tls-verify=false", target], env: env).stdout == id + "\n")

        let logout = sb.berth(["logout", registry.address], env: env)
        #expect(logout.stdout == "Removed login credentials for \(registry.address)\n", "\(logout)")
        expectOneLineError(sb.berth(["logout", registry.address], env: env), containing: "not logged into \(registry.address)")
        #expect(sb.berth("rmi", "-a").status == 0)
        expectOneLineError(sb.berth(["pull", "--tls-verify=false", target], env: env), containing: "authentication required")
        expectOneLineError(sb.berth(["pull", "--tls-verify=false", "--creds", "berth:nope", target], env: env), containing: "invalid username/password")
        #expect(try storeSnapshot(sb).isEmpty)
        let withCreds = sb.berth(["pull", "-q", "--tls-verify=false", "--creds", "berth:\(password)", target], env: env)
        #expect(withCreds.stdout == id + "\n", "\(withCreds)")

        expectOneLineError(sb.berth(["login", "-u", "berth", "-p", password, "\(registry.address)/private/auth:1"], env: env),
                           containing: "contains tag or digest")
        expectOneLineError(sb.berth(["logout", "--all", registry.address], env: env), containing: "--all takes no arguments")

        // REGISTRY_AUTH_FILE names another file, and docker's config.json format reads too.
        var dockerEnv = env
        let dockerConfig = try sb.makeFile("docker/config.json", """
            {"auths": {"\(registry.address)": {"auth": "\(Data("berth:\(password)".utf8).base64EncodedString())"}}}
            """)
        dockerEnv["REGISTRY_AUTH_FILE"] = dockerConfig
        #expect(sb.berth("rmi", "-a").status == 0)
        #expect(sb.berth(["pull", "-q", "--tls-verify=false", target], env: dockerEnv).stdout == id + "\n")

        // No registry named: podman's first unqualified-search registry.
        let searchEnv = try registryEnv(sb, conf: "unqualified-search-registries = [\"\(registry.address)\"]\n")
        let implicit = sb.berth(["login", "--tls-verify=false", "-u", "berth", "-p", password], env: searchEnv)
        #expect(implicit.stdout == "Login Succeeded!\n", "\(implicit)")
        #expect(sb.berth(["logout"], env: searchEnv).stdout == "Removed login credentials for \(registry.address)\n")
    }

    /// Without logind nothing sets XDG_RUNTIME_DIR: login (in the initial namespace) and
    /// pull (re-executed in the user namespace, where the uid reads 0) must still agree
    /// on where auth.json is.
    @Test(arguments: Mode.available.filter { $0 == .rootless })
    func rootless_login_and_pull_agree_without_xdg_runtime_dir(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let registry = try TestRegistry(.basicAuth(user: "berth", password: "no-xdg"))
        defer { registry.stop() }
        var env = try registryEnv(sb)
        env["XDG_RUNTIME_DIR"] = ""
        let uid = sb.userID
        var owner = stat()
        let runtimeDir = stat("/run/user/\(uid)", &owner) == 0 && owner.st_uid == uid ? "/run/user/\(uid)" : "/tmp/berth-runtime-\(uid)"
        let authFile = runtimeDir + "/containers/auth.json"
        #expect(!FileManager.default.fileExists(atPath: authFile), "the test would overwrite someone's \(authFile)")
        // Only what this test made goes: rmdir leaves directories that hold anything else.
        defer { _ = sb.run("/bin/sh", ["-c", "rm -f \"$0\"; rmdir \"$1\" \"$2\" 2>/dev/null; true", authFile, runtimeDir + "/containers",
                                       runtimeDir.hasPrefix("/tmp/") ? runtimeDir : "/nonexistent"], asTestUser: true) }

        let id = try importBusybox(sb, as: "localhost/noxdg:1")
        let target = "\(registry.address)/noxdg/busybox:1"
        let login = sb.berth(["login", "--tls-verify=false", "-u", "berth", "-p", "no-xdg", registry.address], env: env)
        #expect(login.stdout == "Login Succeeded!\n", "\(login)")
        #expect(FileManager.default.fileExists(atPath: authFile), "login wrote \(authFile)")
        #expect(sb.berth(["push", "-q", "--tls-verify=false", "localhost/noxdg:1", target], env: env).status == 0)
        #expect(sb.berth("rmi", "-a").status == 0)
        let pulled = sb.berth(["pull", "-q", "--tls-verify=false", target], env: env)
        #expect(pulled.stdout == id + "\n", "the pull in the user namespace finds what login wrote: \(pulled)")
    }

    @Test(arguments: Mode.available)
    func bearer_tokens_from_the_realm_anonymous_for_pull_credentials_for_push(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let registry = try TestRegistry(.token(user: "berth", password: "t0ken-pw"))
        defer { registry.stop() }
        let env = try registryEnv(sb)
        let id = try importBusybox(sb, as: "localhost/token:1")
        let target = "\(registry.address)/tokens/busybox:1"

        let before = try storeSnapshot(sb)
        // An anonymous token allows pull only: the registry denies the push.
        let anonymous = sb.berth(["push", "--tls-verify=false", "localhost/token:1", target], env: env)
        expectOneLineError(anonymous, containing: "access denied")
        #expect(try storeSnapshot(sb) == before)
        let pushed = sb.berth(["push", "--tls-verify=false", "--creds", "berth:t0ken-pw", "localhost/token:1", target], env: env)
        #expect(pushed.status == 0, "\(pushed)")
        let grants = registry.tokenRequestLog().flatMap(\.granted)
        #expect(grants.contains("repository:tokens/busybox:pull,push"), "\(registry.tokenRequestLog())")

        // Another repository of the same registry: the layer is mounted, which needs a
        // token for both repositories.
        registry.resetRequests()
        let second = sb.berth(["push", "--tls-verify=false", "--creds", "berth:t0ken-pw", "localhost/token:1",
                               "\(registry.address)/tokens/second:1"], env: env)
        #expect(second.status == 0, "\(second)")
        let mounts = try registry.requests().filter(\.isBlobMount)
        #expect(mounts.contains { $0.status == 201 }, "\(mounts)")
        let uploaded = try registry.uploadedBytes()
        #expect(uploaded == 0, "layer and config are mounted: nothing goes up")

        #expect(sb.berth("rmi", "-a").status == 0)
        registry.resetRequests()
        let pulled = sb.berth(["pull", "-q", "--tls-verify=false", target], env: env)
        #expect(pulled.stdout == id + "\n", "an anonymous token is enough to pull: \(pulled)")
        #expect(registry.tokenRequests == 1, "one token serves the whole pull: \(registry.tokenRequestLog())")

        let login = sb.berth(["login", "--tls-verify=false", "-u", "berth", "-p", "t0ken-pw", registry.address], env: env)
        #expect(login.stdout == "Login Succeeded!\n", "\(login)")
        expectOneLineError(sb.berth(["login", "--tls-verify=false", "-u", "berth", "-p", "bad", registry.address], env: env),
                           containing: "invalid username/password")
    }
}
