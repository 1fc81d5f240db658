// RootfsChanges (what `diff` lists) against the listing podman 4.3 gave here for
// the same changes, and LayerSquash applying whiteouts and opaque directories.
// Runs as root (whiteouts are 0/0 device nodes, opaque marks trusted.*).
@testable import BerthImage
import BerthSystem
import CBerth
import Foundation
import Glibc
import Testing
import TestSupport

@Suite struct RootfsChangesTests {
    static func unpack(_ tar: TarBuilder, into dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let options = UnpackOptions(opaqueXattr: "trusted.overlay.opaque", canChown: true, canCreateDevices: true)
        try LayerUnpacker(directory: dir, location: dir, options: options).unpack(TarReader(MemoryStream(tar.bytes()), location: dir))
    }

    static func setTime(_ path: String, _ seconds: Int) {
        var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW)
    }

    static func markOpaque(_ path: String) throws {
        let fd = try FileDescriptor.open(path, O_RDONLY | O_DIRECTORY)
        #expect(berth_fsetxattr(fd.raw, "trusted.overlay.opaque", "y", 1) == 0)
    }

    /// The lower layer and, made by hand, the upper dir overlay would leave after
    /// `echo new > /etc/new; echo more >> /etc/passwd; rm /usr/share/doc/a;
    /// rm -rf /usr/share/doc/sub; mkdir /usr/share/doc/sub; touch /usr/share/doc/sub/g;
    /// mkdir -p /a/b/c; touch /a/b/c/d; ln -s /x /root/lnk`.
    static func scenario(_ tmp: TemporaryDirectory) throws -> (upper: String, lower: MergedRootfs) {
        var tar = TarBuilder()
        for dir in ["etc", "root", "usr", "usr/share", "usr/share/doc", "usr/share/doc/sub"] { tar.directory(dir) }
        tar.file("etc/passwd", "root:x:0:0::/root:/bin/sh\n")
        tar.file("usr/share/doc/a", "a")
        tar.file("usr/share/doc/b", "b")
        tar.file("usr/share/doc/sub/f", "f")
        let lower = tmp.path("lower")
        try unpack(tar, into: lower)
        let upper = tmp.path("upper")
        let fm = FileManager.default
        for dir in ["a/b/c", "etc", "root", "usr/share/doc/sub"] {
            try fm.createDirectory(atPath: upper + "/" + dir, withIntermediateDirectories: true)
        }
        try tmp.write("", to: "upper/a/b/c/d")
        try tmp.write("new\n", to: "upper/etc/new")
        try tmp.write("root:x:0:0::/root:/bin/sh\nmore\n", to: "upper/etc/passwd")
        symlink("/x", upper + "/root/lnk")
        mknod(upper + "/usr/share/doc/a", S_IFCHR, 0)
        try markOpaque(upper + "/usr/share/doc/sub")
        try tmp.write("", to: "upper/usr/share/doc/sub/g")
        // Copied-up directories keep the lower's times; changed ones got new times.
        for dir in ["usr", "usr/share"] { setTime(upper + "/" + dir, 1000); setTime(lower + "/" + dir, 1000) }
        for dir in ["etc", "root", "usr/share/doc"] { setTime(upper + "/" + dir, 2000); setTime(lower + "/" + dir, 1000) }
        return (upper, try MergedRootfs(layers: [lower], location: "lower", opaqueXattr: "trusted.overlay.opaque"))
    }

    @Test func lists_changes_as_podman_does() throws {
        let tmp = try TemporaryDirectory("berth-changes")
        let (upper, lower) = try Self.scenario(tmp)
        let listed = try RootfsChanges.list(upper: upper, lower: lower).map { "\($0.kind.rawValue) \($0.path)" }
        // podman 4.3 `diff` of a container that ran the commands above, verbatim.
        #expect(listed == [
            "A /a", "A /a/b", "A /a/b/c", "A /a/b/c/d", "C /etc", "A /etc/new", "C /etc/passwd", "C /root",
            "A /root/lnk", "C /usr/share/doc", "C /usr", "C /usr/share", "D /usr/share/doc/a", "D /usr/share/doc/sub",
            "A /usr/share/doc/sub/g",
        ])
    }

    @Test func compares_two_whole_trees() throws {
        let tmp = try TemporaryDirectory("berth-changes")
        let (upper, _) = try Self.scenario(tmp)
        let old = try MergedRootfs(layers: [tmp.path("lower")], location: "old", opaqueXattr: "trusted.overlay.opaque")
        let new = try MergedRootfs(layers: [upper, tmp.path("lower")], location: "new", opaqueXattr: "trusted.overlay.opaque")
        let listed = try RootfsChanges.compare(new, to: old).map { "\($0.kind.rawValue) \($0.path)" }
        #expect(listed.contains("A /a/b/c/d") && listed.contains("D /usr/share/doc/a") && listed.contains("C /etc/passwd"))
        #expect(listed.contains("D /usr/share/doc/sub/f") && listed.contains("A /usr/share/doc/sub/g"))
        #expect(!listed.contains("C /usr/share/doc/b"), "\(listed)")
        #expect(try RootfsChanges.compare(old, to: old).isEmpty)
    }

    @Test func squash_applies_whiteouts_and_opaque_directories() throws {
        let tmp = try TemporaryDirectory("berth-squash")
        var bottom = TarBuilder()
        bottom.file("a", "a")
        bottom.directory("d")
        bottom.file("d/x", "x")
        bottom.file("keep", "k")
        try Self.unpack(bottom, into: tmp.path("l1"))
        var top = TarBuilder()
        top.file(".wh.a", "")
        top.directory("d")
        top.file("d/.wh..wh..opq", "")
        top.file("d/z", "z")
        top.file("b", "b")
        try Self.unpack(top, into: tmp.path("l2"))
        let into = tmp.path("out")
        try FileManager.default.createDirectory(atPath: into, withIntermediateDirectories: true)
        try LayerSquash.flatten([tmp.path("l1"), tmp.path("l2")], into: into)
        let (entries, _, _) = try LayerTarWriterTests.tar(into)
        #expect(entries.map(\.path) == ["b", "d/", "d/z", "keep"])
        #expect(try readText(into + "/d/z") == "z")
    }
}
