// Hostile tar layers and documents: each is refused with one clear error, exit
// 125, and the store is exactly as before.
import Foundation
import Testing
import TestSupport

struct HostileCase: Sendable, CustomStringConvertible {
    var description: String
    var expected: String
    var layer: @Sendable () throws -> [UInt8]
    var compression: LayerCompression = .none
    var corruptBlob: Bool = false
}

let hostileCases: [HostileCase] = [
    HostileCase(description: "dotdot escape", expected: "escapes the layer") {
        var t = TarBuilder(); t.file("../escaped", "x"); return t.bytes()
    },
    HostileCase(description: "absolute path", expected: "absolute path") {
        var t = TarBuilder(); t.file("/etc/evil", "x"); return t.bytes()
    },
    HostileCase(description: "symlink then write through", expected: "outside the layer directory through a symlink") {
        var t = TarBuilder(); t.symlink("evil", to: "/tmp"); t.file("evil/planted", "x"); return t.bytes()
    },
    HostileCase(description: "relative symlink escape", expected: "outside the layer directory through a symlink") {
        var t = TarBuilder(); t.symlink("up", to: "../../../../.."); t.file("up/planted", "x"); return t.bytes()
    },
    HostileCase(description: "hardlink to outside", expected: "escapes the layer") {
        var t = TarBuilder(); t.hardlink("passwd", to: "../../../../etc/passwd"); return t.bytes()
    },
    HostileCase(description: "oversized header", expected: "too large") {
        var t = TarBuilder()
        t.raw(header: TarHeaderFields(name: "././@LongLink", size: 64 << 20, typeflag: UInt8(ascii: "L")), data: [UInt8](repeating: 65, count: 4096))
        return t.bytes()
    },
    HostileCase(description: "truncated gzip", expected: "truncated gzip", layer: {
        var t = TarBuilder(); t.file("big", randomBytes(300_000)); return Array(gzip(t.bytes()).dropLast(2000))
    }, compression: .gzip),
    HostileCase(description: "digest mismatch", expected: "digest mismatch", layer: {
        var t = TarBuilder(); t.file("x", "y"); return t.bytes()
    }, corruptBlob: true),
]

@Suite struct MaliciousLayerTests {
    @Test(arguments: Mode.available, hostileCases)
    func hostile_layer_is_refused_and_store_unchanged(mode: Mode, hostile: HostileCase) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        // A good image first, so "unchanged" means something.
        #expect(sb.berth("import", try busyboxTarball(sb), "good").status == 0)
        let before = try storeSnapshot(sb)
        let layout = sb.path("layout")
        var layer = try hostile.layer()
        // Fixtures compress themselves; hand them the plain tar for none/gzip cases.
        let info = try Fixtures.ociLayout(at: layout, layers: [hostile.compression == .gzip ? [] : layer], compression: .none)
        let blob = layout + "/blobs/sha256/" + info.layerDigests[0].dropFirst(7)
        if hostile.compression == .gzip {
            // Replace the blob with the broken gzip, keeping the manifest's digest honest.
            try rewriteLayer(layout: layout, info: info, blob: layer, mediaType: LayerCompression.gzip.mediaType)
        } else if hostile.corruptBlob {
            layer[600] ^= 0xff
            try Data(layer).write(to: URL(fileURLWithPath: blob))
        }
        try sb.handOver(layout)
        let result = sb.berth("load", "-i", layout)
        #expect(result.status == 125, "\(result)")
        #expect(result.stderr.hasPrefix("Error: ") && result.stderr.contains(hostile.expected), "\(result)")
        #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        #expect(try storeSnapshot(sb) == before)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/planted") && !FileManager.default.fileExists(atPath: sb.dir + "/escaped"))
    }

    @Test(arguments: Mode.available)
    func malformed_manifest_json_is_refused(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let archive = try sb.makeFile("bad.tar", {
            var t = TarBuilder(); t.file("manifest.json", "[{\"Config\": 12"); return t.bytes()
        }())
        let result = sb.berth("load", "-i", archive)
        #expect(result.status == 125 && result.stderr.contains("manifest.json: malformed JSON"), "\(result)")
        #expect(try storeSnapshot(sb).isEmpty)
    }
}

/// Points the layout's manifest at a new layer blob (and fixes the digests).
func rewriteLayer(layout: String, info: OCIImageInfo, blob: [UInt8], mediaType: String) throws {
    let blobs = layout + "/blobs/sha256/"
    let digest = sha256Digest(blob)
    try Data(blob).write(to: URL(fileURLWithPath: blobs + digest.dropFirst(7)))
    let manifestPath = blobs + info.manifestDigest.dropFirst(7)
    var manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifestPath))) as! [String: Any]
    manifest["layers"] = [["mediaType": mediaType, "digest": digest, "size": blob.count]]
    let bytes = try JSONSerialization.data(withJSONObject: manifest)
    let manifestDigest = sha256Digest([UInt8](bytes))
    try bytes.write(to: URL(fileURLWithPath: blobs + manifestDigest.dropFirst(7)))
    var index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: layout + "/index.json"))) as! [String: Any]
    var manifests = index["manifests"] as! [[String: Any]]
    manifests[0]["digest"] = manifestDigest
    manifests[0]["size"] = bytes.count
    index["manifests"] = manifests
    try JSONSerialization.data(withJSONObject: index).write(to: URL(fileURLWithPath: layout + "/index.json"))
}

func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}
