// ImageWriter.writeLocal and the store's scratch directories: a layer directory
// made on the store's filesystem becomes a stored layer by rename, with its tar
// as the uncompressed blob; a failure leaves the store as it was.
@testable import BerthImage
import BerthSystem
import Foundation
import Glibc
import Testing
import TestSupport

@Suite struct LocalImageWriterTests {
    static func config(_ diffIDs: [Digest]) -> [UInt8] {
        var config = ImageConfig(architecture: "amd64", os: "linux", rootfs: RootFS(diffIDs: diffIDs))
        config.created = "2024-01-01T00:00:00Z"
        return JSONCoding.encode(config)
    }

    static func layerDirectory(_ store: ImageStore, files: [String: String]) throws -> String {
        let dir = try store.scratchDirectory(purpose: "test")
        for (name, text) in files {
            try FileManager.default.createDirectory(atPath: FileSystem.dirname(of: dir + "/" + name), withIntermediateDirectories: true)
            try writeBytes(Array(text.utf8), to: dir + "/" + name)
        }
        return dir
    }

    @Test func a_layer_directory_becomes_a_stored_layer_and_image() throws {
        let tmp = try TemporaryDirectory("berth-writelocal")
        let store = ImageStore(root: tmp.path("root"), isRootless: false)
        let first = try Self.layerDirectory(store, files: ["etc/a": "one\n"])
        #expect(first.hasPrefix(store.tmpDir + "/"), "scratch directories live on the store's filesystem")
        let name = try ImageReference.parse("localhost/base:1", defaultDomain: .localhost)
        let base = try ImageWriter(store: store).writeLocal(LocalImage(
            baseLayers: [], newLayerDirectories: [first], makeConfig: Self.config, names: [name], location: "test"))
        #expect(!FileSystem.exists(first), "the directory was taken, not copied")
        #expect(base.layers.count == 1 && base.names == ["localhost/base:1"] && base.isIntermediate == nil)
        let layer = try store.layer(base.layers[0])
        #expect(layer.blob == layer.diffID && layer.blobMediaType == MediaType.ociLayer)
        #expect(Digest.of(try readBytes(store.blobPath(layer.blob))) == layer.diffID, "the blob is the layer's tar")
        #expect(try readText(store.layerDiffDir(base.layers[0]) + "/etc/a") == "one\n")
        #expect(try store.manifest(of: base).mediaType == MediaType.ociManifest)

        // A step on top: docker format, intermediate, one more layer.
        let second = try Self.layerDirectory(store, files: ["etc/b": "two\n"])
        let step = try ImageWriter(store: store).writeLocal(LocalImage(
            baseLayers: base.layers, newLayerDirectories: [second], makeConfig: Self.config,
            format: .docker, isIntermediate: true, location: "test"))
        #expect(step.layers.count == 2 && step.layers[0] == base.layers[0])
        #expect(step.isIntermediate == true)
        let manifest = try store.manifest(of: step)
        #expect(manifest.mediaType == MediaType.dockerManifest && manifest.config.mediaType == MediaType.dockerConfig)
        #expect(manifest.layers.allSatisfy { $0.mediaType == MediaType.dockerLayer })
        #expect(try store.layer(step.layers[1]).parent == base.layers[0])

        // No new layer (ENV, LABEL): the base's layers and a new config.
        let metadata = try ImageWriter(store: store).writeLocal(LocalImage(
            baseLayers: step.layers, newLayerDirectories: [], makeConfig: { diffIDs in
                var config = ImageConfig(architecture: "amd64", os: "linux", rootfs: RootFS(diffIDs: diffIDs))
                config.config = ContainerConfig()
                config.config?.Env = ["A=1"]
                return JSONCoding.encode(config)
            }, location: "test"))
        #expect(metadata.layers == step.layers && metadata.id != step.id)
    }

    @Test func the_same_content_twice_is_stored_once() throws {
        let tmp = try TemporaryDirectory("berth-writelocal")
        let store = ImageStore(root: tmp.path("root"), isRootless: false)
        var times = [timespec(tv_sec: 100, tv_nsec: 0), timespec(tv_sec: 100, tv_nsec: 0)]
        var ids: [String] = []
        for _ in 0..<2 {
            let dir = try Self.layerDirectory(store, files: ["f": "same\n"])
            utimensat(AT_FDCWD, dir + "/f", &times, 0)
            ids.append(try ImageWriter(store: store).writeLocal(LocalImage(
                baseLayers: [], newLayerDirectories: [dir], timestamp: 7, makeConfig: Self.config, location: "test")).id)
        }
        #expect(ids[0] == ids[1])
        #expect(try FileSystem.list(store.layersDir).count == 1)
        let image = try #require(try store.image(id: ids[0]))
        var st = stat()
        stat(store.layerDiffDir(image.layers[0]) + "/f", &st)
        #expect(st.st_mtim.tv_sec == 7, "with a timestamp the files on disk show it too")
    }

    @Test func a_failure_leaves_the_store_as_it_was() throws {
        let tmp = try TemporaryDirectory("berth-writelocal")
        let store = ImageStore(root: tmp.path("root"), isRootless: false)
        let dir = try Self.layerDirectory(store, files: ["f": "x\n"])
        struct Refused: Error {}
        #expect(throws: Refused.self) {
            try ImageWriter(store: store).writeLocal(LocalImage(
                baseLayers: [], newLayerDirectories: [dir], makeConfig: { _ in throw Refused() }, location: "test"))
        }
        #expect(try FileSystem.list(store.layersDir).isEmpty)
        #expect(try FileSystem.list(store.blobsDir).isEmpty)
        #expect(try store.images().isEmpty)
        #expect(throws: ImageError.self) {
            try ImageWriter(store: store).writeLocal(LocalImage(
                baseLayers: [String(repeating: "a", count: 64)], newLayerDirectories: [], makeConfig: Self.config, location: "test"))
        }
    }

    @Test func scratch_directories_of_dead_writers_are_swept() throws {
        let tmp = try TemporaryDirectory("berth-writelocal")
        let store = ImageStore(root: tmp.path("root"), isRootless: false)
        let live = try store.scratchDirectory(purpose: "copy")
        // A dead writer's: its lock file is there but nobody holds it.
        let dead = store.tmpDir + "/scratch-copy-dead"
        try FileSystem.makeDirectories(dead + "/sub")
        try writeBytes([], to: dead + ".lock")
        try store.withLock {}
        #expect(FileSystem.exists(live), "a live writer's directory stays")
        #expect(!FileSystem.exists(dead) && !FileSystem.exists(dead + ".lock"))
        store.releaseScratchDirectory(live)
        #expect(!FileSystem.exists(live) && !FileSystem.exists(live + ".lock"))
    }
}
