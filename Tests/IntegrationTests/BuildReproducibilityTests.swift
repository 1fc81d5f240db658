// Reproducible builds (issue 10 §8): the same context and `--timestamp` (or
// SOURCE_DATE_EPOCH) give the same image ID, in another store and with
// `--no-cache`; and what `berth save` writes of a built image is read by the
// peers: `skopeo inspect`, `podman load`, and `podman run` prints what `berth
// run` prints.
import Foundation
import Glibc
import Testing
import TestSupport

@Suite struct BuildReproducibilityTests {
    private static let epoch = 1_700_000_000
    private static let context: [ContextEntry] = [
        .text("Containerfile", """
            FROM localhost/base
            COPY app /app
            RUN mkdir -p /var/made && echo "made at build" > /var/made/file && date > /dev/null
            ENV GREETING=reproducible
            CMD ["sh", "-c", "cat /app/hello /var/made/file; echo $GREETING"]
            """),
        .text("app/hello", "hello from a built image\n"),
        .text("app/bin/tool", "#!/bin/sh\n", mode: 0o755),
    ]

    private func builtID(_ mode: Mode, _ args: [String], env: [String: String] = [:]) throws -> String {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        try sb.loadBaseImage()
        let context = try sb.makeContext("ctx", Self.context)
        let built = sb.build(args + ["-t", "localhost/repro"], context: context, env: env)
        try #require(built.result.status == 0, "\(built.result)")
        let tree = try sb.savedTree("localhost/repro")
        #expect(tree.imageID == built.imageID, "the ID printed is the saved config's digest")
        #expect(tree.configDocument["created"] as? String == "2023-11-14T22:13:20Z", "created is the timestamp")
        return built.imageID
    }

    @Test(arguments: Mode.available)
    func the_same_timestamp_gives_the_same_image_id(mode: Mode) throws {
        let timestamp = ["--timestamp", String(Self.epoch)]
        let first = try builtID(mode, timestamp)
        let again = try builtID(mode, timestamp)
        #expect(again == first, "another store, the same ID")
        let uncached = try builtID(mode, timestamp + ["--no-cache"])
        #expect(uncached == first, "--no-cache, the same ID")
        let fromEnvironment = try builtID(mode, [], env: ["SOURCE_DATE_EPOCH": String(Self.epoch)])
        #expect(fromEnvironment == first, "SOURCE_DATE_EPOCH is --timestamp's default")
    }

    @Test(arguments: Mode.available)
    func every_file_of_the_new_layers_carries_the_timestamp(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        try sb.loadBaseImage()
        let context = try sb.makeContext("ctx", Self.context)
        let built = sb.build(["--timestamp", String(Self.epoch), "-t", "localhost/stamped"], context: context)
        try #require(built.result.status == 0, "\(built.result)")
        let archive = sb.path("stamped.tar")
        try #require(sb.berth("save", "--format", "docker-archive", "-o", archive, "localhost/stamped").status == 0)
        var files: [String: [UInt8]] = [:]
        for member in try tarMembers(try readBytes(archive)) { files[member.path] = member.data }
        let manifestBytes = try #require(files["manifest.json"])
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(manifestBytes)) as? [[String: Any]])
        let layers = try #require(manifest.first?["Layers"] as? [String])
        try #require(layers.count > 2, "the base's two layers and the build's")
        for layer in layers.dropFirst(2) {
            let data = try #require(files[layer])
            let members = try tarMembers(data.starts(with: [0x1f, 0x8b]) ? gunzip(data) : data)
            let off = members.filter { $0.mtime != Self.epoch }.map { "\($0.path) \($0.mtime)" }
            #expect(off.isEmpty, "layer \(layer): entries not at the timestamp: \(off)")
        }
    }

    @Test(arguments: Mode.available)
    func skopeo_reads_what_save_writes_of_a_built_image(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        try sb.loadBaseImage()
        let context = try sb.makeContext("ctx", Self.context)
        let built = sb.build(["-t", "localhost/inspected"], context: context)
        try #require(built.result.status == 0, "\(built.result)")
        for (format, transport) in [("oci-archive", "oci-archive"), ("docker-archive", "docker-archive"), ("oci-dir", "oci")] {
            let out = sb.path("saved-\(format)")
            let saved = sb.berth("save", "--format", format, "-o", out, "localhost/inspected")
            try #require(saved.status == 0, "\(saved)")
            let inspected = sb.run(try requiredTool("skopeo"), ["inspect", "--format", "{{len .Layers}} {{.Env}}", "\(transport):\(out)"],
                                   asTestUser: mode == .rootless)
            #expect(inspected.status == 0, "\(format): \(inspected)")
            #expect(inspected.stdout.hasPrefix("4 "), "\(format): the base's 2 layers, COPY's and RUN's: \(inspected)")
            #expect(inspected.stdout.contains("GREETING=reproducible"), "\(format): \(inspected)")
        }
    }

    @Test(.enabled(if: geteuid() == 0, "podman, the judge, runs as root here"), arguments: Mode.available)
    func podman_loads_and_runs_what_berth_built(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        try sb.loadBaseImage()
        let context = try sb.makeContext("ctx", Self.context)
        let built = sb.build(["-t", "localhost/shipped"], context: context)
        try #require(built.result.status == 0, "\(built.result)")
        let ran = sb.berth("run", "--rm", "--network", "none", "localhost/shipped")
        try #require(ran.status == 0, "\(ran)")
        #expect(ran.stdout == "hello from a built image\nmade at build\nreproducible\n")

        let podman = try PodmanStore()
        defer { podman.cleanup() }
        for format in ["docker-archive", "oci-archive"] {
            let archive = sb.path("shipped-\(format).tar")
            try #require(sb.berth("save", "--format", format, "-o", archive, "localhost/shipped").status == 0)
            let loaded = podman.podman("load", "-i", archive)
            #expect(loaded.status == 0, "\(format): \(loaded)")
            // podman's default rlimits exceed this machine's hard limit (design.md §11).
            let podmanRan = podman.podman("run", "--rm", "--network", "none", "--ulimit", "nofile=1024:1024",
                                          "--ulimit", "nproc=1024:1024", built.imageID)
            #expect(podmanRan.stdout == ran.stdout, "\(format): podman runs it as berth does: \(podmanRan)")
            _ = podman.podman("rmi", "-a", "-f")
        }
    }
}
