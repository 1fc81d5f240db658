// Peers as outside judges: skopeo writes what we load and reads what we save.
import Foundation
import Testing
import TestSupport

@Suite struct InteropTests {
    private func layerDigests(_ sb: Sandbox, _ transport: String) throws -> [String] {
        let out = sb.run(try requiredTool("skopeo"), ["inspect", "--format", "{{range .Layers}}{{.}} {{end}}", transport], asTestUser: sb.mode == .rootless)
        return out.stdout.split(separator: " ").map(String.init).filter { $0.hasPrefix("sha256:") }
    }

    @Test(arguments: Mode.available, LayerCompression.allCases)
    func loads_oci_layouts_and_skopeo_docker_archives(mode: Mode, compression: LayerCompression) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let layout = sb.path("layout")
        let info = try Fixtures.ociLayout(at: layout, layers: [Fixtures.busyboxRootfs().bytes()], compression: compression)
        try sb.handOver(layout)
        let loaded = sb.berth("load", "-i", layout)
        #expect(loaded.status == 0, "\(loaded)")
        #expect(imageIDs(sb) == [info.imageID])

        // Docker's format has no zstd layers: skopeo refuses that conversion itself.
        guard compression != .zstd else { return }
        let archive = sb.path("skopeo.tar")
        let copied = sb.run(try requiredTool("skopeo"), ["copy", "oci:\(layout):latest", "docker-archive:\(archive):example.com/fixture:v1"],
                            asTestUser: mode == .rootless)
        #expect(copied.status == 0, "\(copied)")
        #expect(sb.berth("rmi", "-a", "-f").status == 0)
        let fromSkopeo = sb.berth("load", "-i", archive)
        #expect(fromSkopeo.stdout == "Loaded image: example.com/fixture:v1\n", "\(fromSkopeo)")
        let fromStdin = sb.berth(["load"], stdin: try readBytes(archive))
        #expect(fromStdin.stdout == "Loaded image: example.com/fixture:v1\n", "load reads stdin without -i: \(fromStdin)")
        #expect(imageIDs(sb) == [info.imageID], "the config, and so the image ID, survives")
    }

    @Test(arguments: Mode.available)
    func skopeo_reads_what_save_writes_and_load_save_load_keeps_the_id(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let layout = sb.path("layout")
        let info = try Fixtures.ociLayout(at: layout, layers: [Fixtures.busyboxRootfs().bytes()], compression: .gzip)
        try sb.handOver(layout)
        #expect(sb.berth("load", "-i", layout).status == 0)
        #expect(sb.berth("tag", info.imageID, "example.com/saved:v2").status == 0)
        for (format, transport) in [("docker-archive", "docker-archive"), ("oci-archive", "oci-archive"), ("oci-dir", "oci")] {
            let out = sb.path("saved-\(format)")
            let saved = sb.berth("save", "--format", format, "-o", out, "example.com/saved:v2")
            #expect(saved.status == 0, "\(saved)")
            let expected = format == "docker-archive" ? info.diffIDs : info.layerDigests
            #expect(try layerDigests(sb, "\(transport):\(out)") == expected, "\(format): skopeo sees our layers")
            let again = try Sandbox(mode)
            defer { #expect(again.cleanup().isEmpty) }
            if mode == .rootless {
                // The second sandbox's user reads the first one's archive.
                let opened = sb.run("/bin/chmod", ["-R", "o+rX", sb.dir], asTestUser: false)
                try #require(opened.status == 0, "\(opened)")
            }
            let reloaded = again.berth("load", "-i", out)
            #expect(reloaded.status == 0, "\(reloaded)")
            #expect(imageIDs(again) == [info.imageID], "\(format): load → save → load keeps the image ID")
        }
    }
}
