// Which stored image a user's text means: IDs and ID prefixes, sha256: forms,
// short names (localhost first, then any registry), tags and manifest digests.
@testable import BerthEngine
import BerthImage
import Testing
import TestSupport

@Suite struct ImageResolverTests {
    private static func record(_ id: String, _ names: [String], manifest: Digest = Digest.of("manifest")) -> ImageRecord {
        ImageRecord(id: id, names: names, manifestDigest: manifest, manifestMediaType: "application/vnd.oci.image.manifest.v1+json",
                    configDigest: Digest(hex: id), layers: [], size: 0, created: nil, stored: 0)
    }

    private static let hub = record(String(repeating: "a", count: 63) + "1", ["docker.io/library/busybox:latest"])
    private static let local = record(String(repeating: "a", count: 63) + "2", ["localhost/busybox:latest", "localhost/tools:1"])
    private static let quay = record(String(repeating: "b", count: 64), ["quay.io/team/busybox:1.36"],
                                     manifest: Digest.of("quay manifest"))
    private static let all = [hub, local, quay]

    /// An engine over an empty store: `match` reads only the records it is given.
    private static func match(_ text: String, in images: [ImageRecord] = all) throws -> String? {
        let dir = try TemporaryDirectory("berth-engine-test")
        return try Engine(options: EngineOptions(root: dir.path("root"), runroot: dir.path("run"))).match(text, in: images)?.id
    }

    @Test func names_rank_exact_then_localhost_then_other_registries() throws {
        let query = try NameQuery("busybox")
        #expect(query.rank("docker.io/library/busybox:latest") == 0)
        #expect(query.rank("localhost/busybox:latest") == 1)
        #expect(query.rank("quay.io/library/busybox:latest") == 2)
        #expect(query.rank("quay.io/busybox:1") == nil, "another tag is not meant")
        #expect(query.rank("docker.io/library/busybox2:latest") == nil)
        #expect(try NameQuery("quay.io/busybox").rank("localhost/busybox:latest") == nil, "a registry in the text is meant")
    }

    @Test func short_names_find_the_best_match() throws {
        #expect(try Self.match("busybox") == Self.hub.id)
        #expect(try Self.match("busybox", in: [Self.local, Self.quay]) == Self.local.id, "localhost before other registries")
        #expect(try Self.match("busybox:1.36") == Self.quay.id)
        #expect(try Self.match("team/busybox:1.36") == Self.quay.id)
        #expect(try Self.match("tools:1") == Self.local.id)
        #expect(try Self.match("quay.io/team/busybox:latest") == nil)
        #expect(try Self.match("nothing") == nil)
    }

    @Test func ids_prefixes_and_digests() throws {
        #expect(try Self.match(Self.quay.id) == Self.quay.id)
        #expect(try Self.match("bbb") == Self.quay.id, "three hex digits are an ID prefix")
        #expect(try Self.match("sha256:" + Self.quay.id) == Self.quay.id)
        #expect(try Self.match("sha256:ccc") == nil, "a sha256: form is never taken for a name")
        let ambiguous = try #require(throws: ImageError.self) { try Self.match("aaa") }
        #expect("\(ambiguous)".contains("ambiguous image ID prefix, 2 images match"), "\(ambiguous)")
        let digest = Self.quay.manifestDigest
        #expect(try Self.match("quay.io/team/busybox@\(digest)") == Self.quay.id)
        #expect(try Self.match("busybox@\(digest)") == Self.quay.id, "a short name with the digest")
        #expect(try Self.match("busybox@\(Digest.of("other"))") == nil)
    }
}
