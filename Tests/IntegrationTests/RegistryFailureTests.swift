// Registries that misbehave: each bad reply gets one clear error, exit 125 and an
// unchanged store; a pull killed mid-layer leaves a store the next pull completes.
import Foundation
import Testing
import TestSupport

@Suite struct RegistryFailureTests {
    @Test(arguments: Mode.available)
    func corrupt_and_missing_content_in_a_real_registry_is_refused(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let registry = try TestRegistry(.plain)
        defer { registry.stop() }
        let env = try registryEnv(sb)
        let busybox = try Fixtures.busyboxRootfs().bytes()
        let wrong = try loadLayout(sb, "example.com/wrong:1", layers: [busybox, extraLayer("wrong")])
        let short = try loadLayout(sb, "example.com/short:1", layers: [busybox, extraLayer("short")])
        for (image, target) in [("example.com/wrong:1", "bad/wrong:1"), ("example.com/short:1", "bad/short:1")] {
            #expect(sb.berth(["push", "--tls-verify=false", image, "\(registry.address)/\(target)"], env: env).status == 0)
        }
        #expect(sb.berth("rmi", "-a").status == 0)
        // Same length, other bytes, still a valid gzip stream (its header's MTIME
        // changed): only the digest can tell. The registry serves the bytes as they are.
        let wrongPath = registryBlobPath(registry, wrong.layerDigests[1])
        var bytes = try readBytes(wrongPath)
        bytes[4] ^= 0x5a
        try writeBytes(bytes, to: wrongPath)
        let shortPath = registryBlobPath(registry, short.layerDigests[1])
        try writeBytes(Array(try readBytes(shortPath).prefix(20)), to: shortPath)

        let before = try storeSnapshot(sb)
        expectOneLineError(sb.berth(["pull", "--tls-verify=false", "\(registry.address)/bad/wrong:1"], env: env),
                           containing: "digest mismatch")
        #expect(try storeSnapshot(sb) == before, "a blob with the wrong digest leaves nothing behind")
        let truncated = sb.berth(["pull", "--tls-verify=false", "\(registry.address)/bad/short:1"], env: env)
        #expect(truncated.status == 125, "\(truncated)")
        #expect(truncated.stderr.contains(short.layerDigests[1]) || truncated.stderr.contains("truncated"), "names the blob: \(truncated)")
        #expect(try storeSnapshot(sb) == before)
        expectOneLineError(sb.berth(["pull", "--tls-verify=false", "\(registry.address)/bad/nothing:1"], env: env),
                           containing: "\(registry.address)/bad/nothing:1: manifest unknown")
        #expect(try storeSnapshot(sb) == before)
        expectOneLineError(sb.berth(["pull", "--tls-verify=false", "127.0.0.1:1/nobody/home:1"], env: env), containing: "127.0.0.1:1")
    }

    @Test(arguments: Mode.available)
    func malformed_and_oversized_manifests_are_refused(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let env = try registryEnv(sb)
        let notJSON = try sb.makeFile("notjson", "{\"schemaVersion\": 2, \"config\": ")
        var huge = Array("{\"schemaVersion\": 2, \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\", \"annotations\": {\"x\": \"".utf8)
        huge += Array(repeating: UInt8(ascii: "a"), count: 5 << 20)
        huge += Array("\"}}".utf8)
        let oversized = try sb.makeFile("huge", huge)
        let schema1 = try sb.makeFile("schema1", "{\"schemaVersion\": 1, \"name\": \"x\", \"tag\": \"1\", \"fsLayers\": []}")
        let manifestType = "application/vnd.oci.image.manifest.v1+json"
        let fake = try FakeRegistry(routes: [
            "/v2/bad/json/manifests/1": .init(file: notJSON, mediaType: manifestType),
            "/v2/bad/huge/manifests/1": .init(file: oversized, mediaType: manifestType),
            "/v2/bad/old/manifests/1": .init(file: schema1, mediaType: "application/vnd.docker.distribution.manifest.v1+prettyjws"),
        ])
        defer { fake.stop() }
        expectOneLineError(sb.berth(["pull", "--tls-verify=false", "\(fake.address)/bad/json:1"], env: env), containing: "invalid manifest")
        expectOneLineError(sb.berth(["pull", "--tls-verify=false", "\(fake.address)/bad/huge:1"], env: env), containing: "larger than 4 MiB")
        expectOneLineError(sb.berth(["pull", "--tls-verify=false", "\(fake.address)/bad/old:1"], env: env), containing: "schema 1")
        #expect(try storeSnapshot(sb).isEmpty)
    }

    @Test(arguments: Mode.available)
    func server_errors_are_retried_and_a_broken_blob_download_resumes_with_range(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let env = try registryEnv(sb)
        let (info, blob) = try noiseImageLayout(sb, bytes: 1 << 20)
        let half = try readBytes(blob(info.layerDigests[1])).count / 2
        let manifestPath = "/v2/flaky/image/manifests/1"
        let layerPath = "/v2/flaky/image/blobs/\(info.layerDigests[1])"
        let fake = try FakeRegistry(routes: [
            manifestPath: .init(file: blob(info.manifestDigest), mediaType: "application/vnd.oci.image.manifest.v1+json", failFirst: 2),
            "/v2/flaky/image/blobs/\(info.configDigest)": .init(file: blob(info.configDigest), failFirst: 1),
            "/v2/flaky/image/blobs/\(info.layerDigests[0])": .init(file: blob(info.layerDigests[0])),
            layerPath: .init(file: blob(info.layerDigests[1]), dropOnceAfter: half),
        ])
        defer { fake.stop() }
        let pulled = sb.berth(["pull", "-q", "--tls-verify=false", "\(fake.address)/flaky/image:1"], env: env)
        #expect(pulled.stdout == info.imageID + "\n", "\(pulled)")
        let log = fake.requests()
        #expect(log.filter { $0.hasPrefix("GET \(manifestPath) ") } == ["GET \(manifestPath) - 503", "GET \(manifestPath) - 503", "GET \(manifestPath) - 200"],
                "503s are retried: \(log)")
        #expect(log.filter { $0.hasPrefix("GET \(layerPath) ") } == ["GET \(layerPath) - 200", "GET \(layerPath) bytes=\(half)- 206"],
                "the dropped download resumes where it stopped: \(log)")
        let ran = sb.berth("run", "--rm", "--network", "none", "\(fake.address)/flaky/image:1", "wc", "-c", "/noise.bin")
        #expect(ran.stdout.trimmingCharacters(in: .whitespaces).hasPrefix("\(1 << 20)"), "\(ran)")
    }

    @Test(arguments: Mode.available)
    func a_pull_killed_mid_layer_leaves_a_store_the_next_pull_completes(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let env = try registryEnv(sb)
        // Random bytes do not compress: the blob is big enough to stop half way.
        let (info, blob) = try noiseImageLayout(sb, bytes: 4 << 20)
        let manifestFile = blob(info.manifestDigest)
        func routes(stalling: Bool) -> [String: FakeRegistry.Route] {
            var table: [String: FakeRegistry.Route] = [
                "/v2/big/image/manifests/1": .init(file: manifestFile, mediaType: "application/vnd.oci.image.manifest.v1+json"),
                "/v2/big/image/blobs/\(info.configDigest)": .init(file: blob(info.configDigest)),
                "/v2/big/image/blobs/\(info.layerDigests[0])": .init(file: blob(info.layerDigests[0])),
            ]
            table["/v2/big/image/blobs/\(info.layerDigests[1])"] = .init(file: blob(info.layerDigests[1]), stallAfter: stalling ? 2 << 20 : nil)
            return table
        }
        let stalling = try FakeRegistry(routes: routes(stalling: true))
        defer { stalling.stop() }
        let serving = try FakeRegistry(routes: routes(stalling: false))
        defer { serving.stop() }

        // Start the pull; once the small layer is verified (kept in the cache) and
        // half the big one is in the ingest area, kill -9.
        let script = """
            "$0" --root "$1" --runroot "$2" pull -q --tls-verify=false "$3" >/dev/null 2>&1 &
            pid=$!
            i=0
            while [ $i -lt 400 ]; do
                if [ -e "$1/cache/blobs/$4" ] && [ -n "$(find "$1/tmp" -name 'blob-*' -size +1024k 2>/dev/null)" ]; then
                    kill -9 $pid; wait $pid; echo killed; exit 0
                fi
                sleep 0.05; i=$((i+1))
            done
            kill -9 $pid; echo never-stalled
            """
        let killed = sb.run("/bin/sh", ["-c", script, Sandbox.binary, sb.root, sb.runroot, "\(stalling.address)/big/image:1",
                                        String(info.layerDigests[0].dropFirst(7))],
                            asTestUser: mode == .rootless, env: env)
        #expect(killed.stdout == "killed\n", "\(killed)")
        let afterKill = try storeSnapshot(sb)
        #expect(!afterKill.contains { $0.hasPrefix("images/") }, "no image appears from a killed pull: \(afterKill)")

        let pulled = sb.berth(["pull", "-q", "--tls-verify=false", "\(serving.address)/big/image:1"], env: env)
        #expect(pulled.stdout == info.imageID + "\n", "\(pulled)")
        let fetched = serving.requests().filter { $0.hasPrefix("GET /v2/big/image/blobs/sha256:") }
        #expect(!fetched.contains { $0.contains(info.layerDigests[0]) } && fetched.contains { $0.contains(info.layerDigests[1]) },
                "the layer verified before the kill is not downloaded again: \(fetched)")
        let ran = sb.berth("run", "--rm", "--network", "none", "\(serving.address)/big/image:1", "wc", "-c", "/noise.bin")
        #expect(ran.stdout.trimmingCharacters(in: .whitespaces).hasPrefix("\(4 << 20)"), "\(ran)")
        let leftovers = try directoryEntries(sb.root + "/tmp")
        #expect(leftovers.filter { $0.hasPrefix("ingest") }.isEmpty, "the dead pull's ingest area was swept: \(leftovers)")
    }
}

/// An OCI layout of busybox plus a layer holding /noise.bin of `bytes` random bytes;
/// returns what was written and where each blob's file is.
private func noiseImageLayout(_ sb: Sandbox, bytes: Int) throws -> (OCIImageInfo, (String) -> String) {
    var random = [UInt8](repeating: 0, count: bytes)
    for index in random.indices { random[index] = UInt8.random(in: 0...255) }
    var tar = TarBuilder()
    tar.file("noise.bin", random)
    let layout = sb.path("layout")
    let info = try Fixtures.ociLayout(at: layout, layers: [try Fixtures.busyboxRootfs().bytes(), tar.bytes()], compression: .gzip)
    return (info, { digest in "\(layout)/blobs/sha256/\(digest.dropFirst(7))" })
}
