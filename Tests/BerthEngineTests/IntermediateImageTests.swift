// Intermediate images (a build's steps, written by writeLocal): hidden from
// `images` without -a, found by the intermediate filter, and garbage
// collection keeps the layers of every image that remains, theirs included.
@testable import BerthEngine
import BerthImage
import BerthSystem
import Foundation
import Testing
import TestSupport

@Suite struct IntermediateImageTests {
    private static func layer(_ engine: Engine, _ name: String) throws -> String {
        let dir = try engine.store.scratchDirectory(purpose: "test")
        try writeBytes(Array(name.utf8), to: dir + "/" + name)
        return dir
    }

    private static func write(_ engine: Engine, on base: [String], file: String?, name: String? = nil,
                              intermediate: Bool = false) throws -> ImageRecord {
        try ImageWriter(store: engine.store).writeLocal(LocalImage(
            baseLayers: base, newLayerDirectories: try file.map { [try layer(engine, $0)] } ?? [], timestamp: 1,
            makeConfig: { diffIDs in
                var config = ImageConfig(architecture: "amd64", os: "linux", rootfs: RootFS(diffIDs: diffIDs))
                config.config = ContainerConfig()
                config.config?.Env = ["STEP=\(file ?? "none")"]
                return JSONCoding.encode(config)
            },
            names: try name.map { [try ImageReference.parse($0, defaultDomain: .localhost)] } ?? [],
            isIntermediate: intermediate, location: "test"))
    }

    @Test func layers_of_remaining_images_survive_rmi_and_prune() throws {
        let dir = try TemporaryDirectory("berth-engine-test")
        let engine = Engine(options: EngineOptions(root: dir.path("root"), runroot: dir.path("run")))
        let base = try Self.write(engine, on: [], file: "a", name: "base")
        let step1 = try Self.write(engine, on: base.layers, file: "b", intermediate: true)
        let step2 = try Self.write(engine, on: step1.layers, file: nil, intermediate: true)
        let final = try Self.write(engine, on: step2.layers, file: "c", name: "final")
        #expect(step1.isHiddenIntermediate && step2.isHiddenIntermediate && !final.isHiddenIntermediate)

        let hidden = try engine.listImages(filters: [ImageFilter("intermediate=true")]).map(\.record.id)
        #expect(Set(hidden) == [step1.id, step2.id])
        let shown = try engine.listImages(filters: [ImageFilter("intermediate=false")]).map(\.record.id)
        #expect(Set(shown) == [base.id, final.id])

        // The base's record goes; every layer an image still uses stays.
        let report = try engine.removeImages(["base"], force: false, all: false)
        #expect(report.errors.isEmpty && report.deleted == [base.id])
        for image in [step1, step2, final] {
            for chainID in image.layers { #expect(engine.store.hasLayer(chainID), "layer \(chainID) of \(image.id)") }
        }
        // Prune takes the untagged steps; the final image keeps all its layers.
        let pruned = try engine.pruneImages(all: false)
        #expect(Set(pruned) == [step1.id, step2.id])
        for chainID in final.layers { #expect(engine.store.hasLayer(chainID)) }
        #expect(try FileSystem.list(engine.store.layersDir).count == final.layers.count, "nothing else is left")
    }

    @Test func a_tagged_result_of_the_same_config_is_visible() throws {
        let dir = try TemporaryDirectory("berth-engine-test")
        let engine = Engine(options: EngineOptions(root: dir.path("root"), runroot: dir.path("run")))
        let step = try Self.write(engine, on: [], file: "a", intermediate: true)
        let tagged = try Self.write(engine, on: [], file: "a", name: "tagged")
        #expect(tagged.id == step.id && !tagged.isHiddenIntermediate && tagged.isIntermediate == nil)
    }
}
