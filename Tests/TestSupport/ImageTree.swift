// An image as a user would find it: every layer of a saved image applied in
// order (whiteouts and opaque directories honoured) into a tree of files, plus
// the config fields a Dockerfile sets. Two engines' builds of one Dockerfile are
// compared through this, never through either engine's own code.
import Foundation

public struct ImageTree {
    /// One path of the final tree.
    public struct Node: Equatable, Sendable {
        /// "file", "dir", "symlink", "char", "block", "fifo". A hardlink is a file.
        public var type: String
        public var mode: Int
        public var uid: Int
        public var gid: Int
        public var size: Int
        /// Hex SHA-256 of a file's content; empty for the other types.
        public var sha256: String
        /// A symlink's target; "major,minor" of a device.
        public var target: String

        /// One line of a listing (without the path).
        public var summary: String {
            var s = "\(type) \(String(mode, radix: 8)) \(uid):\(gid)"
            if type == "file" { s += " \(size) \(sha256.prefix(12))" }
            if !target.isEmpty { s += " -> \(target)" }
            return s
        }
    }

    /// Paths relative to the image's root, without a leading "/" ("" is the root).
    public var nodes: [String: Node] = [:]
    /// The image config's `config` object, as parsed JSON.
    public var config: [String: Any] = [:]
    /// The whole config document (created, history, rootfs...).
    public var configDocument: [String: Any] = [:]
    /// The config blob's digest hex: the image ID.
    public var imageID: String = ""

    /// The content of a regular file of the tree (nil when it is not one).
    public private(set) var contents: [String: [UInt8]] = [:]

    public init() {}

    /// Reads what `save` wrote at `path`: an OCI directory, or a docker-archive
    /// or oci-archive tar file. With several images in it, the first manifest.
    public static func load(savedAt path: String) throws -> ImageTree {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TestSupportError("no saved image at \(path)")
        }
        if isDirectory.boolValue {
            return try load { name in try readBytes(path + "/" + name) }
        }
        var files: [String: [UInt8]] = [:]
        for member in try tarMembers(try readBytes(path)) where member.typeflag == UInt8(ascii: "0") {
            files[member.path] = member.data
        }
        // docker-archive may name a layer through a symlink (podman's "layer.tar" links).
        return try load { name in
            guard let data = files[normalizedTarPath(name)] else {
                throw TestSupportError("\(path): no member \(name)")
            }
            return data
        }
    }

    /// `read` gives a file of the saved image by its path inside the archive.
    static func load(_ read: (String) throws -> [UInt8]) throws -> ImageTree {
        var layerBlobs: [[UInt8]]
        let configBytes: [UInt8]
        if let manifestList = try? jsonArray(try read("manifest.json")), let first = manifestList.first {
            // docker-archive: manifest.json lists the config and the layer tars.
            guard let configName = first["Config"] as? String, let layers = first["Layers"] as? [String] else {
                throw TestSupportError("manifest.json without Config or Layers: \(first)")
            }
            configBytes = try read(configName)
            layerBlobs = try layers.map { try read($0) }
        } else {
            // OCI layout: index.json → (nested indexes) → a manifest.
            var document = try jsonObject(try read("index.json"))
            while let manifests = document["manifests"] as? [[String: Any]] {
                guard let digest = manifests.first?["digest"] as? String else {
                    throw TestSupportError("an OCI index without manifests")
                }
                document = try jsonObject(try read(blobPath(digest)))
            }
            guard let configDigest = (document["config"] as? [String: Any])?["digest"] as? String,
                  let layers = document["layers"] as? [[String: Any]] else {
                throw TestSupportError("an OCI manifest without config or layers: \(document)")
            }
            configBytes = try read(blobPath(configDigest))
            layerBlobs = try layers.map { try read(blobPath($0["digest"] as? String ?? "")) }
        }
        var tree = ImageTree()
        tree.imageID = sha256Hex(configBytes)
        tree.configDocument = try jsonObject(configBytes)
        tree.config = tree.configDocument["config"] as? [String: Any] ?? [:]
        tree.nodes[""] = Node(type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0, sha256: "", target: "")
        for index in layerBlobs.indices {
            try tree.apply(layer: decompressed(layerBlobs[index]))
            layerBlobs[index] = []
        }
        return tree
    }

    /// Applies one layer as overlay would show it over the tree so far: this
    /// layer's opaque markers and whiteouts hide what lower layers had, then its
    /// entries replace or add paths.
    mutating func apply(layer: [UInt8]) throws {
        let members = try tarMembers(layer)
        for member in members {
            let (dir, base) = splitPath(member.path)
            if base == ".wh..wh..opq" {
                removeBelow(dir)
            } else if base.hasPrefix(".wh.") {
                remove(join(dir, String(base.dropFirst(4))))
            }
        }
        for member in members {
            let base = splitPath(member.path).base
            guard !base.hasPrefix(".wh.") else { continue }
            try add(member)
        }
    }

    private mutating func add(_ member: TarMember) throws {
        let path = member.path
        var node = Node(type: "", mode: member.mode, uid: member.uid, gid: member.gid, size: 0, sha256: "", target: "")
        switch member.typeflag {
        case UInt8(ascii: "0"), UInt8(ascii: "7"):
            node.type = "file"
            node.size = member.data.count
            node.sha256 = sha256Hex(member.data)
            contents[path] = member.data
        case UInt8(ascii: "1"):
            let target = normalizedTarPath(member.linkname)
            guard let linked = nodes[target], linked.type == "file" else {
                throw TestSupportError("hardlink \(path) to \(member.linkname), which is no file of the tree")
            }
            node = linked
            contents[path] = contents[target]
        case UInt8(ascii: "2"):
            node.type = "symlink"
            node.mode = 0o777
            node.target = member.linkname
        case UInt8(ascii: "3"), UInt8(ascii: "4"):
            node.type = member.typeflag == UInt8(ascii: "3") ? "char" : "block"
            node.target = "\(member.devmajor),\(member.devminor)"
        case UInt8(ascii: "5"):
            node.type = "dir"
        case UInt8(ascii: "6"):
            node.type = "fifo"
        default:
            throw TestSupportError("tar member \(path): type \(Character(UnicodeScalar(member.typeflag)))")
        }
        // A non-directory replaces a directory with everything in it; parents a
        // layer leaves out exist as the unpacker would make them.
        if let old = nodes[path], old.type == "dir", node.type != "dir" { removeBelow(path) }
        var parent = splitPath(path).dir
        while !parent.isEmpty, nodes[parent] == nil {
            nodes[parent] = Node(type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0, sha256: "", target: "")
            parent = splitPath(parent).dir
        }
        if node.type != "file" { contents[path] = nil }
        nodes[path] = node
    }

    private mutating func remove(_ path: String) {
        nodes[path] = nil
        contents[path] = nil
        removeBelow(path)
    }

    private mutating func removeBelow(_ dir: String) {
        let prefix = dir.isEmpty ? "" : dir + "/"
        for key in nodes.keys where key.hasPrefix(prefix) && key != dir {
            nodes[key] = nil
            contents[key] = nil
        }
    }

    // MARK: listing

    /// "/path type mode uid:gid [size sha] [-> target]", sorted by path.
    public func listing(excluding excluded: (String) -> Bool = { _ in false }) -> [String] {
        nodes.keys.sorted().filter { !excluded("/" + $0) }.map { "/\($0) \(nodes[$0]!.summary)" }
    }

    /// A file's content as text (nil when the tree has no such regular file).
    public func text(_ path: String) -> String? {
        contents[normalizedTarPath(path)].map { String(decoding: $0, as: UTF8.self) }
    }
}

// MARK: helpers

private func splitPath(_ path: String) -> (dir: String, base: String) {
    guard let slash = path.lastIndex(of: "/") else { return ("", path) }
    return (String(path[..<slash]), String(path[path.index(after: slash)...]))
}

private func join(_ dir: String, _ base: String) -> String {
    dir.isEmpty ? base : dir + "/" + base
}

private func blobPath(_ digest: String) -> String {
    "blobs/" + digest.replacingOccurrences(of: ":", with: "/")
}

/// gzip and zstd blobs (by their magic numbers) decompressed; plain tars as they are.
private func decompressed(_ blob: [UInt8]) -> [UInt8] {
    if blob.starts(with: [0x1f, 0x8b]) { return gunzip(blob) }
    if blob.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) { return unzstd(blob) }
    return blob
}

func jsonObject(_ bytes: [UInt8]) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
        throw TestSupportError("not a JSON object: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
    }
    return object
}

private func jsonArray(_ bytes: [UInt8]) throws -> [[String: Any]] {
    guard let array = try JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]] else {
        throw TestSupportError("not a JSON array of objects")
    }
    return array
}
