// RootfsWriter: destinations resolved in the image's merged view, parents
// copied up with the image's metadata, everything created beneath the layer
// directory and nowhere else.
@testable import BerthImage
import BerthSystem
import Foundation
import Glibc
import Testing
import TestSupport

@Suite struct RootfsWriterTests {
    final class Setup {
        let directory: TemporaryDirectory
        let base: String
        let layer: String

        init() throws {
            directory = try TemporaryDirectory("berth-writer-test")
            base = directory.path("base")
            layer = directory.path("layer")
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: layer, withIntermediateDirectories: true)
        }

        func writer(timestamp: Int64? = nil) throws -> RootfsWriter {
            let image = try MergedRootfs(layers: [base], location: "image test", opaqueXattr: "user.overlay.opaque")
            let options = RootfsWriteOptions(canChown: geteuid() == 0, canCreateDevices: false, timestamp: timestamp)
            return try RootfsWriter(layerDirectory: layer, image: image, location: "test layer", options: options)
        }

        func stat(_ relative: String) -> Glibc.stat? {
            var st = Glibc.stat()
            return lstat(layer + "/" + relative, &st) == 0 ? st : nil
        }
    }

    private func metadata(_ mode: UInt32 = 0o644) -> RootfsWriter.Metadata {
        RootfsWriter.Metadata(permissions: mode, modifiedSeconds: 1_500_000_000)
    }

    @Test(arguments: [
        ("/usr/lib/x", "/usr/lib/x"),
        ("/lib/x", "/usr/lib/x"),          // usrmerge: /lib -> usr/lib is followed
        ("/abs/x", "/usr/lib/x"),          // an absolute link, inside the image
        ("/up/x", "/x"),                   // ../../.. stops at the image root
        ("/../../lib/../etc", "/etc"),
        ("/missing/deeper/../x", "/missing/x"),
    ])
    func destinations_resolve_in_the_merged_view(path: String, expected: String) throws {
        let setup = try Setup()
        try FileManager.default.createDirectory(atPath: setup.base + "/usr/lib", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: setup.base + "/etc", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: setup.base + "/lib", withDestinationPath: "usr/lib")
        try FileManager.default.createSymbolicLink(atPath: setup.base + "/abs", withDestinationPath: "/usr/lib")
        try FileManager.default.createSymbolicLink(atPath: setup.base + "/up", withDestinationPath: "../../..")
        #expect(try setup.writer().resolve(path, followFinal: true) == expected)
    }

    @Test func parents_take_the_images_metadata_and_new_ones_are_0755() throws {
        let setup = try Setup()
        try FileManager.default.createDirectory(atPath: setup.base + "/srv", withIntermediateDirectories: true)
        chmod(setup.base + "/srv", 0o710)
        if geteuid() == 0 { chown(setup.base + "/srv", 7, 8) }
        var times = [timespec(tv_sec: 1_111_111_111, tv_nsec: 0), timespec(tv_sec: 1_111_111_111, tv_nsec: 0)]
        utimensat(AT_FDCWD, setup.base + "/srv", &times, 0)
        let writer = try setup.writer()
        try writer.write(.stream(MemoryStream(Array("data".utf8))), at: "/srv/new/file", metadata: metadata(0o640))
        try writer.finish()
        let srv = try #require(setup.stat("srv"))
        #expect(srv.st_mode & 0o7777 == 0o710)
        #expect(srv.st_mtim.tv_sec == 1_111_111_111)
        if geteuid() == 0 { #expect(srv.st_uid == 7 && srv.st_gid == 8) }
        #expect(setup.stat("srv/new").map { $0.st_mode & 0o7777 } == 0o755)
        #expect(setup.stat("srv/new/file").map { $0.st_mode & 0o7777 } == 0o640)
        #expect(try readText(setup.layer + "/srv/new/file") == "data")
    }

    @Test func entries_of_every_kind_are_written_with_their_metadata() throws {
        let setup = try Setup()
        let source = try setup.directory.write("from fd", to: "source")
        let writer = try setup.writer()
        let fd = try FileDescriptor.open(source, O_RDONLY)
        try writer.write(.file(fd), at: "/d/file", metadata: metadata(0o4755))
        try writer.write(.hardlink(to: "/d/file"), at: "/d/hard", metadata: metadata())
        try writer.write(.symlink(target: "../../../etc/shadow"), at: "/d/link", metadata: metadata())
        try writer.write(.fifo, at: "/d/pipe", metadata: metadata(0o666))
        try writer.write(.directory, at: "/d/sub", metadata: metadata(0o700))
        try writer.finish()
        #expect(try readText(setup.layer + "/d/file") == "from fd")
        #expect(setup.stat("d/file").map { $0.st_mode & 0o7777 } == 0o4755)
        #expect(setup.stat("d/hard")?.st_ino == setup.stat("d/file")?.st_ino)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: setup.layer + "/d/link") == "../../../etc/shadow")
        #expect(setup.stat("d/pipe").map { $0.st_mode & S_IFMT } == S_IFIFO)
        #expect(setup.stat("d/pipe").map { $0.st_mode & 0o7777 } == 0o666) // not the umask's 0644
        #expect(setup.stat("d/sub").map { $0.st_mode & 0o7777 } == 0o700)
        #expect(setup.stat("d/sub")?.st_mtim.tv_sec == 1_500_000_000)
        #expect(setup.stat("d/link")?.st_mtim.tv_sec == 1_500_000_000)
        let refused = (try? writer.write(.device(isCharacter: true, rdev: 0x105), at: "/d/zero", metadata: metadata())) == nil
        #expect(refused)
    }

    @Test func a_later_write_replaces_an_earlier_one_and_directories_merge() throws {
        let setup = try Setup()
        let writer = try setup.writer()
        try writer.write(.stream(MemoryStream(Array("one".utf8))), at: "/f", metadata: metadata())
        try writer.write(.stream(MemoryStream(Array("two".utf8))), at: "/f", metadata: metadata())
        try writer.write(.stream(MemoryStream(Array("in".utf8))), at: "/dir/a", metadata: metadata())
        try writer.write(.directory, at: "/dir", metadata: metadata(0o711))
        try writer.finish()
        #expect(try readText(setup.layer + "/f") == "two")
        #expect(try readText(setup.layer + "/dir/a") == "in")
        #expect(setup.stat("dir").map { $0.st_mode & 0o7777 } == 0o711)
    }

    @Test func a_directory_replaced_by_a_file_in_the_same_write_is_no_trouble() throws {
        let setup = try Setup()
        let writer = try setup.writer()
        try writer.write(.stream(MemoryStream([1])), at: "/x/inner", metadata: metadata())
        try writer.write(.stream(MemoryStream([2])), at: "/x", metadata: metadata())
        try writer.finish()
        #expect(setup.stat("x").map { $0.st_mode & S_IFMT } == S_IFREG)
        #expect(setup.stat("x/inner") == nil)
    }

    @Test func a_symlink_in_the_layer_is_never_followed_when_writing_below_it() throws {
        let setup = try Setup()
        let outside = setup.directory.path("outside")
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        let writer = try setup.writer()
        try writer.write(.symlink(target: outside), at: "/link", metadata: metadata())
        let refused = (try? writer.write(.stream(MemoryStream([1])), at: "/link/evil", metadata: metadata())) == nil
        #expect(refused)
        #expect(try directoryEntries(outside) == [])
    }

    @Test func timestamp_clamps_every_mtime() throws {
        let setup = try Setup()
        let writer = try setup.writer(timestamp: 42)
        try writer.write(.stream(MemoryStream([1])), at: "/a/b/c", metadata: metadata())
        try writer.write(.symlink(target: "c"), at: "/a/b/l", metadata: metadata())
        try writer.finish()
        for path in ["a", "a/b", "a/b/c", "a/b/l"] {
            #expect(setup.stat(path)?.st_mtim.tv_sec == 42, "\(path)")
        }
    }
}
