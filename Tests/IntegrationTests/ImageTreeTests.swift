// The judge judged: ImageTree applies layers as overlay shows them, and a
// comparison of two different trees is not empty. Without this, a parity test
// that "passes" could be a harness that sees nothing.
import Foundation
import Testing
import TestSupport

@Suite struct ImageTreeTests {
    @Test func layers_apply_with_whiteouts_opaque_dirs_and_hardlinks() throws {
        let dir = try TemporaryDirectory("berth-imagetree")
        defer { dir.remove() }
        var lower = TarBuilder()
        lower.directory("a")
        lower.file("a/keep", "keep\n")
        lower.file("a/gone", "gone\n")
        lower.directory("o", mode: 0o700)
        lower.file("o/old", "old\n")
        lower.file("f", "lower\n")
        var upper = TarBuilder()
        upper.whiteout("a/gone")
        upper.directory("o", mode: 0o755)
        upper.file("o/new", "new\n")   // before the marker: the marker must not hide it
        upper.opaque("o")
        upper.file("f", "upper\n", mode: 0o600, uid: 7, gid: 8)
        upper.hardlink("h", to: "f")
        upper.symlink("s", to: "/f")
        let layout = dir.path("layout")
        try Fixtures.ociLayout(at: layout, layers: [lower.bytes(), upper.bytes()], compression: .gzip,
                               config: ["config": ["Env": ["A=1"], "Labels": ["io.buildah.version": "1.28"]]])
        let tree = try ImageTree.load(savedAt: layout)
        #expect(tree.listing() == [
            "/ dir 755 0:0",
            "/a dir 755 0:0",
            "/a/keep file 644 0:0 5 \(sha256Hex(Array("keep\n".utf8)).prefix(12))",
            "/f file 600 7:8 6 \(sha256Hex(Array("upper\n".utf8)).prefix(12))",
            "/h file 600 7:8 6 \(sha256Hex(Array("upper\n".utf8)).prefix(12))",
            "/o dir 755 0:0",
            "/o/new file 644 0:0 4 \(sha256Hex(Array("new\n".utf8)).prefix(12))",
            "/s symlink 777 0:0 -> /f",
        ])
        #expect(tree.text("/h") == "upper\n")

        var other = tree
        other.nodes["o/new"]?.mode = 0o640
        other.nodes["extra"] = other.nodes["f"]
        other.config["Env"] = ["A=2"]
        let differences = ImageComparison.differences(tree, "one", other, "two")
        #expect(differences == [
            "/extra only in two: file 600 7:8 6 \(sha256Hex(Array("upper\n".utf8)).prefix(12))",
            "/o/new differs:\n    one: file 644 0:0 4 \(sha256Hex(Array("new\n".utf8)).prefix(12))\n    two: file 640 0:0 4 \(sha256Hex(Array("new\n".utf8)).prefix(12))",
            "config Env differs:\n    one: [\"A=1\"]\n    two: [\"A=2\"]",
        ])
        var unlabeled = tree
        unlabeled.config["Labels"] = nil
        #expect(ImageComparison.differences(tree, "one", unlabeled, "two").isEmpty, "buildah's version label is ignored")
    }
}
