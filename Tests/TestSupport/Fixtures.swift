// Fixture images, built at test time from the host's busybox-static: nothing is
// downloaded (design.md §10).
import Foundation

public enum LayerCompression: String, Sendable, CaseIterable, CustomStringConvertible {
    case none, gzip, zstd

    /// The OCI layer media type for this compression.
    public var mediaType: String {
        switch self {
        case .none: "application/vnd.oci.image.layer.v1.tar"
        case .gzip: "application/vnd.oci.image.layer.v1.tar+gzip"
        case .zstd: "application/vnd.oci.image.layer.v1.tar+zstd"
        }
    }

    public var description: String { rawValue }

    public func compress(_ bytes: [UInt8]) -> [UInt8] {
        switch self {
        case .none: bytes
        case .gzip: TestSupport.gzip(bytes)
        case .zstd: TestSupport.zstd(bytes)
        }
    }
}

/// What `Fixtures.ociLayout` wrote. Digests are "sha256:<hex>".
public struct OCIImageInfo: Sendable {
    public let manifestDigest: String
    public let manifestSize: Int
    public let configDigest: String
    /// Digests of the layer blobs as stored (compressed).
    public let layerDigests: [String]
    /// Digests of the uncompressed layer tars (the config's rootfs.diff_ids).
    public let diffIDs: [String]

    /// The image ID podman and berth show: the config digest's hex.
    public var imageID: String { String(configDigest.dropFirst("sha256:".count)) }
}

public enum Fixtures {
    /// The host's busybox-static binary.
    public static var busyboxPath: String {
        for p in ["/bin/busybox", "/usr/bin/busybox"] where FileManager.default.isExecutableFile(atPath: p) {
            return p
        }
        return "/bin/busybox"
    }

    /// Applets linked into the busybox rootfs as bin/NAME -> busybox.
    public static let busyboxApplets = [
        "sh", "true", "false", "echo", "cat", "ls", "id", "mkdir", "rm", "touch", "stat",
        "mount", "umount", "unshare", "ip", "hostname", "sleep", "test", "readlink",
        "env", "printf", "pwd", "ps", "grep", "wc", "head", "tail", "uname", "chmod",
        "chown", "ln", "kill", "whoami", "cut", "tr", "mv", "cp", "sed", "seq", "date",
    ]

    /// A minimal busybox root file system as one layer: bin/busybox (the host's
    /// static binary) with applet symlinks, etc/passwd and etc/group with root
    /// and nobody, and the usual empty mount-point directories.
    public static func busyboxRootfs() throws -> TarBuilder {
        let binary = try readBytes(busyboxPath)
        var tar = TarBuilder()
        tar.directory("bin")
        tar.file("bin/busybox", binary, mode: 0o755)
        for applet in busyboxApplets {
            tar.symlink("bin/\(applet)", to: "busybox")
        }
        tar.directory("etc")
        tar.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
        tar.file("etc/group", "root:x:0:\nnogroup:x:65534:\n")
        tar.directory("root", mode: 0o700)
        tar.directory("tmp", mode: 0o1777)
        for dir in ["dev", "proc", "sys"] {
            tar.directory(dir)
        }
        return tar
    }

    /// Writes an OCI image layout at `dir` (created if missing): `oci-layout`,
    /// `index.json` (the manifest tagged with `refName` through the
    /// org.opencontainers.image.ref.name annotation; other images already in the
    /// layout are kept) and the blobs under `blobs/sha256/`.
    ///
    /// `layers` are uncompressed tars; each is stored compressed as asked.
    /// `config` is the base of the image config: its top-level keys replace the
    /// defaults (architecture, os, created, config), and `rootfs` and `history`
    /// are generated unless it has them (set them to make inconsistent images).
    @discardableResult
    public static func ociLayout(
        at dir: String, layers: [[UInt8]], compression: LayerCompression = .gzip,
        config: [String: Any]? = nil, refName: String = "latest"
    ) throws -> OCIImageInfo {
        let fm = FileManager.default
        let blobs = dir + "/blobs/sha256"
        try fm.createDirectory(atPath: blobs, withIntermediateDirectories: true)
        func putBlob(_ bytes: [UInt8]) throws -> String {
            let hex = sha256Hex(bytes)
            try writeBytes(bytes, to: "\(blobs)/\(hex)")
            return "sha256:" + hex
        }

        var layerDescriptors: [[String: Any]] = []
        var layerDigests: [String] = []
        var diffIDs: [String] = []
        for layer in layers {
            diffIDs.append(sha256Digest(layer))
            let blob = compression.compress(layer)
            let digest = try putBlob(blob)
            layerDigests.append(digest)
            layerDescriptors.append(["mediaType": compression.mediaType, "digest": digest, "size": blob.count])
        }

        let created = "2023-11-14T22:13:20Z"
        var doc: [String: Any] = [
            "architecture": hostArchitecture,
            "os": "linux",
            "created": created,
            "config": [
                "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                "Cmd": ["sh"],
            ] as [String: Any],
        ]
        for (k, v) in config ?? [:] { doc[k] = v }
        if doc["rootfs"] == nil {
            doc["rootfs"] = ["type": "layers", "diff_ids": diffIDs] as [String: Any]
        }
        if doc["history"] == nil {
            doc["history"] = layers.indices.map { i in
                ["created": created, "created_by": "TestSupport: layer \(i + 1)"]
            }
        }
        let configBytes = try json(doc)
        let configDigest = try putBlob(configBytes)

        let manifest: [String: Any] = [
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": [
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": configDigest,
                "size": configBytes.count,
            ] as [String: Any],
            "layers": layerDescriptors,
        ]
        let manifestBytes = try json(manifest)
        let manifestDigest = try putBlob(manifestBytes)

        try writeBytes(Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), to: dir + "/oci-layout")

        // Keep the other images of the layout; replace one with the same ref name.
        let refKey = "org.opencontainers.image.ref.name"
        var manifests: [[String: Any]] = []
        if let old = try? readBytes(dir + "/index.json"),
           let obj = try? JSONSerialization.jsonObject(with: Data(old)) as? [String: Any],
           let list = obj["manifests"] as? [[String: Any]] {
            manifests = list.filter { ($0["annotations"] as? [String: String])?[refKey] != refName }
        }
        manifests.append([
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": manifestDigest,
            "size": manifestBytes.count,
            "annotations": [refKey: refName],
        ])
        try writeBytes(try json(["schemaVersion": 2, "manifests": manifests] as [String: Any]), to: dir + "/index.json")

        return OCIImageInfo(
            manifestDigest: manifestDigest, manifestSize: manifestBytes.count,
            configDigest: configDigest, layerDigests: layerDigests, diffIDs: diffIDs)
    }

    /// The OCI architecture name of this machine.
    public static var hostArchitecture: String {
        #if arch(arm64)
        "arm64"
        #else
        "amd64"
        #endif
    }

    /// Compact JSON with sorted keys: the same document always has the same digest.
    private static func json(_ object: Any) throws -> [UInt8] {
        [UInt8](try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }
}
