// What the registry tests share: an environment that keeps auth files and
// registries.conf inside the sandbox, and fixture images built from busybox-static.
import Foundation
import Testing
import TestSupport

/// berth's environment for registry commands: auth.json under the sandbox's
/// XDG_RUNTIME_DIR, and a registries.conf of the test's own instead of the host's.
func registryEnv(_ sb: Sandbox, conf: String = "") throws -> [String: String] {
    let path = try sb.makeFile("registries-\(UUID().uuidString.prefix(8)).conf", conf)
    return ["XDG_RUNTIME_DIR": sb.runtimeDir, "CONTAINERS_REGISTRIES_CONF": path]
}

/// Imports the busybox rootfs as `name`; returns the image ID (hex).
func importBusybox(_ sb: Sandbox, as name: String) throws -> String {
    let tarball = try busyboxTarball(sb, name: "rootfs-\(UUID().uuidString.prefix(8)).tar")
    let imported = sb.berth("import", tarball, name)
    #expect(imported.status == 0, "\(imported)")
    return String(imported.stdout.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst(7))
}

/// Writes an OCI layout of `layers` named `name` and loads it; returns what was written.
@discardableResult
func loadLayout(_ sb: Sandbox, _ name: String, layers: [[UInt8]], config: [String: Any]? = nil) throws -> OCIImageInfo {
    let layout = sb.path("layout-\(UUID().uuidString.prefix(8))")
    let info = try Fixtures.ociLayout(at: layout, layers: layers, compression: .gzip, config: config, refName: name)
    try sb.handOver(layout)
    let loaded = sb.berth("load", "-i", layout)
    #expect(loaded.status == 0, "\(loaded)")
    return info
}

/// A small second layer: one file, so images share the busybox base below it.
func extraLayer(_ text: String) -> [UInt8] {
    var tar = TarBuilder()
    tar.directory("data")
    tar.file("data/\(text).txt", text + "\n")
    return tar.bytes()
}

/// The file docker-registry keeps a blob's bytes in.
func registryBlobPath(_ registry: TestRegistry, _ digest: String) -> String {
    let hex = String(digest.dropFirst(7))
    return "\(registry.storageDirectory)/docker/registry/v2/blobs/sha256/\(hex.prefix(2))/\(hex)/data"
}

/// An error as berth must report one: exit 125 and a single `Error: ` line.
func expectOneLineError(_ result: CommandResult, containing text: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status == 125, "\(result)", sourceLocation: sourceLocation)
    let lines = result.stderr.split(separator: "\n").filter { line in
        // Progress lines may come before the error, as with podman.
        !["Trying to pull", "Getting image source", "Copying "].contains { line.hasPrefix($0) }
    }
    #expect(lines.count == 1 && lines[0].hasPrefix("Error: "), "\(result)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains(text), "expected \"\(text)\" in: \(result)", sourceLocation: sourceLocation)
}
