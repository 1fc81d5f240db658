// Name normalization as docker and podman do it.
@testable import BerthImage
import Testing

@Suite struct ImageReferenceTests {
    @Test(arguments: [
        ("busybox", "docker.io/library/busybox:latest"),
        ("busybox:1.36", "docker.io/library/busybox:1.36"),
        ("docker.io/busybox", "docker.io/library/busybox:latest"),
        ("index.docker.io/library/busybox", "docker.io/library/busybox:latest"),
        ("quay.io/x/y", "quay.io/x/y:latest"),
        ("localhost:5000/a/b:c", "localhost:5000/a/b:c"),
        ("foo/bar", "docker.io/foo/bar:latest"),
    ])
    func normalizes_like_docker(input: String, expected: String) throws {
        #expect(try ImageReference.parse(input).description == expected)
    }

    @Test func local_names_default_to_localhost() throws {
        #expect(try ImageReference.parse("myimg", defaultDomain: .localhost).description == "localhost/myimg:latest")
        #expect(try ImageReference.parse("docker.io/x", defaultDomain: .localhost).description == "docker.io/library/x:latest")
    }

    @Test func digest_references_have_no_default_tag() throws {
        let digest = "sha256:" + String(repeating: "a", count: 64)
        let reference = try ImageReference.parse("busybox@" + digest)
        #expect(reference.tag == nil && reference.digest?.description == digest)
    }

    @Test(arguments: ["MyUpper", "a//b", "bad:tag!", "x@sha256:123", "-lead", ""])
    func rejects_malformed_names(input: String) {
        #expect(throws: ImageError.self) { try ImageReference.parse(input) }
    }
}
