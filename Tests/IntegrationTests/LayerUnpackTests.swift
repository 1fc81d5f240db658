// Whiteouts and opaque directories, checked through a real overlay mount.
import Foundation
import Testing
import TestSupport

@Suite struct LayerUnpackTests {
    @Test(arguments: Mode.available)
    func three_layers_with_whiteout_and_opaque_dir_mount_to_the_right_tree(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        var base = try Fixtures.busyboxRootfs()
        base.file("keep", "k")
        base.file("gone", "g")
        base.directory("dir")
        base.file("dir/old", "o")
        base.symlink("link", to: "keep")
        base.hardlink("hard", to: "keep")
        base.file("owned", "u", mode: 0o4750, uid: 1000, gid: 100)
        var second = TarBuilder()
        second.whiteout("gone")
        second.file("added", "a")
        var third = TarBuilder()
        third.directory("dir")
        third.opaque("dir")
        third.file("dir/new", "n")
        let layout = sb.path("layout")
        try Fixtures.ociLayout(at: layout, layers: [base.bytes(), second.bytes(), third.bytes()], compression: .gzip)
        try sb.handOver(layout)
        let loaded = sb.berth("load", "-i", layout)
        #expect(loaded.status == 0, "\(loaded)")
        let lowers = sb.berth("image", "inspect", "--format", "{{.GraphDriver.Data.UpperDir}}:{{.GraphDriver.Data.LowerDir}}",
                              imageIDs(sb)[0]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let mnt = sb.path("mnt")
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: true)
        try sb.handOver(mnt)
        let script = """
            mount -t overlay overlay -o lowerdir=\(lowers)\(mode == .rootless ? ",userxattr" : "") \(mnt) || exit 90
            cd \(mnt); ls -a . dir; cat keep hard; readlink link; stat -c '%u:%g %a' owned; cd /; umount \(mnt)
            """
        let listing = mode == .root
            ? sb.run("/usr/bin/unshare", ["-m", "sh", "-c", script], asTestUser: false)
            : sb.berth("unshare", "unshare", "-m", "sh", "-c", script)
        #expect(listing.status == 0, "\(listing)")
        let out = listing.stdout
        #expect(out.contains("keep") && out.contains("added") && out.contains("new"), "\(out)")
        #expect(!out.contains("gone"), "layer 2's whiteout hides the file")
        #expect(!out.contains("old"), "layer 3's opaque dir hides layer 1's content")
        #expect(out.contains("kkkeep\n"), "hardlink and symlink")
        #expect(out.contains("1000:100 4750"), "owner and set-id mode kept: \(out)")
    }
}
