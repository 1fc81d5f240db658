// The tar reader against archives built by the independent TestSupport writer.
@testable import BerthImage
import Testing
import TestSupport

@Suite struct TarReaderTests {
    private func entries(_ bytes: [UInt8]) throws -> [TarEntry] {
        let reader = TarReader(MemoryStream(bytes), location: "test")
        var result: [TarEntry] = []
        while let entry = try reader.next() { result.append(entry) }
        return result
    }

    @Test func reads_every_kind_with_long_names_and_xattrs() throws {
        var tar = TarBuilder()
        tar.directory("dir", mode: 0o750, uid: 5, gid: 6)
        tar.file("dir/file", "hello", mode: 0o4755)
        tar.symlink("link", to: "dir/file")
        tar.hardlink("hard", to: "dir/file")
        let long = String(repeating: "n", count: 150)
        tar.pax(long, records: ["SCHILY.xattr.user.k": "v"], contents: Array("x".utf8))
        let list = try entries(tar.bytes())
        #expect(list.map(\.path) == ["dir/", "dir/file", "link", "hard", long], "names as the archive holds them")
        #expect(list[0].kind == .directory && list[0].mode == 0o750 && list[0].uid == 5 && list[0].gid == 6)
        #expect(list[1].kind == .regular && list[1].size == 5 && list[1].mode == 0o4755)
        #expect(list[2].kind == .symlink && list[2].linkTarget == "dir/file")
        #expect(list[3].kind == .hardlink)
        #expect(list[4].xattrs.first?.name == "user.k" && list[4].xattrs.first?.value == Array("v".utf8))
    }

    @Test func refuses_bad_checksum_and_truncation() throws {
        var bad = TarBuilder()
        bad.raw(header: TarHeaderFields(name: "x", size: 1, checksum: 1), data: [1])
        #expect(throws: ImageError.self) { try entries(bad.bytes()) }
        var good = TarBuilder()
        good.file("x", [UInt8](repeating: 1, count: 2000))
        #expect(throws: ImageError.self) {
            let reader = TarReader(MemoryStream(Array(good.bytes().prefix(1200))), location: "t")
            _ = try reader.next()
            try reader.next().map { _ in () }
        }
    }

    @Test func chain_ids_follow_the_oci_spec() {
        let a = Digest.of("a"), b = Digest.of("b")
        let chain = chainIDs(of: [a, b])
        #expect(chain[0] == a)
        #expect(chain[1] == Digest.of(a.description + " " + b.description))
    }
}
