// Nothing a build reads comes from outside its context, and nothing it writes
// lands outside the image (issue 10 §4), root and rootless: `COPY ../x` and
// absolute sources are resolved inside the context (podman does the same: see
// the tests' expectations), context symlinks to host files copy nothing of the
// host, and a base image's symlinked destination writes into the image's root.
import Foundation
import Glibc
import Testing
import TestSupport

@Suite struct BuildEscapeTests {
    /// A host file and directory the build must never read or write.
    private struct HostMarker {
        let file: String
        let directory: String
        let secret = "HOST-SECRET-\(UUID().uuidString)"

        init(_ sb: Sandbox) throws {
            file = sb.dir + "/host-marker"
            directory = sb.dir + "/host-marker-dir"
            try writeBytes(Array(secret.utf8), to: file)
            chmod(file, 0o644)   // readable by the rootless user too: only the build's rules may stop it
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            chmod(directory, 0o777)
        }
    }

    /// Every regular file of the tree whose content holds `secret`.
    private func filesHolding(_ secret: String, in tree: ImageTree) -> [String] {
        tree.nodes.keys.filter { tree.text($0)?.contains(secret) == true }.sorted()
    }

    @Test(arguments: Mode.available)
    func copy_of_a_parent_path_or_absolute_source_stays_in_the_context(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let marker = try HostMarker(sb)
        try sb.loadBaseImage()
        try sb.makeFile("x", marker.secret)   // work/x: right beside the context
        let context = try sb.makeContext("ctx", [
            .text("Containerfile", "FROM localhost/base\nCOPY ../x /from-parent\nCOPY /x /from-absolute\nCOPY ../../host-marker /marker\n"),
            .text("x", "inside the context\n"),
            .text("host-marker", "the context's own file\n"),
        ])
        let built = sb.build(["-t", "localhost/escape"], context: context)
        try #require(built.result.status == 0, "podman resolves ../x inside the context, so must berth: \(built.result)")
        let tree = try sb.savedTree("localhost/escape")
        #expect(tree.text("/from-parent") == "inside the context\n")
        #expect(tree.text("/from-absolute") == "inside the context\n")
        #expect(tree.text("/marker") == "the context's own file\n")
        #expect(filesHolding(marker.secret, in: tree).isEmpty)

        // With nothing of that name inside, the source is missing: an error, as podman's.
        try FileManager.default.removeItem(atPath: context + "/x")
        let missing = sb.build(["-t", "localhost/escape2", "--no-cache"], context: context)
        #expect(missing.result.status == 125, "\(missing.result)")
        #expect(missing.result.stderr.hasPrefix("Error: "), "\(missing.result)")
        #expect(sb.berth("image", "exists", "localhost/escape2").status == 1)
    }

    @Test(arguments: Mode.available)
    func context_symlinks_to_host_files_copy_nothing_of_the_host(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let marker = try HostMarker(sb)
        try sb.loadBaseImage()
        let shadowHash = try sha256Hex(fileAt: "/etc/shadow")
        let context = try sb.makeContext("ctx", [
            .text("Containerfile", "FROM localhost/base\nCOPY . /all/\n"),
            .symlink("shadow", to: "/etc/shadow"),
            .symlink("marker", to: marker.file),
            .symlink("up", to: "../../host-marker"),
            .symlink("markerdir", to: marker.directory),
        ])
        let whole = sb.build(["-t", "localhost/links"], context: context)
        try #require(whole.result.status == 0, "\(whole.result)")
        let tree = try sb.savedTree("localhost/links")
        #expect(tree.nodes["all/shadow"]?.type == "symlink", "a symlink is copied as itself, never followed")
        #expect(tree.nodes["all/marker"]?.type == "symlink")
        #expect(filesHolding(marker.secret, in: tree).isEmpty)
        #expect(!tree.nodes.values.contains { $0.sha256 == shadowHash }, "the host's /etc/shadow is in no file")

        // Named as a source, a link is resolved inside the context, where its
        // target does not exist: podman fails the same way (exit 125).
        for source in ["shadow", "marker", "up", "markerdir/"] {
            try sb.makeFile("ctx/Containerfile", "FROM localhost/base\nCOPY \(source) /copied\n")
            let named = sb.build(["-t", "localhost/named"], context: context)
            #expect(named.result.status == 125, "COPY \(source): \(named.result)")
            #expect(!named.result.stderr.contains(marker.secret))
            #expect(sb.berth("image", "exists", "localhost/named").status == 1, "COPY \(source) made no image")
        }
    }

    @Test(arguments: Mode.available)
    func a_symlinked_destination_in_the_base_image_writes_inside_the_image(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let marker = try HostMarker(sb)
        let hostName = "berth-escape-\(UUID().uuidString)"
        var links = TarBuilder()
        links.symlink("dest", to: "/")
        links.symlink("up", to: "../../../../..")
        links.symlink("hostdir", to: marker.directory)
        links.directory("etc")
        links.symlink("etc/written", to: "/\(hostName)-etc")
        try sb.loadBaseImage(name: "localhost/linked:latest", layers: BuildFixtures.baseLayers() + [links.bytes()])
        let context = try sb.makeContext("ctx", [
            .text("Containerfile", """
                FROM localhost/linked
                COPY file /dest/\(hostName)
                COPY file /up/\(hostName)-up
                COPY file /hostdir/planted
                COPY file /etc/written
                ADD archive.tar /dest/
                """),
            .text("file", "written by the build\n"),
            .file("archive.tar", {
                var tar = TarBuilder()
                tar.file("\(hostName)-add", "added\n")
                return tar.bytes()
            }()),
        ])
        let built = sb.build(["-t", "localhost/landed"], context: context)
        try #require(built.result.status == 0, "\(built.result)")

        for path in ["/\(hostName)", "/\(hostName)-up", "/\(hostName)-etc", "/\(hostName)-add"] {
            #expect(!FileManager.default.fileExists(atPath: path), "the host's \(path) was written")
        }
        #expect(try directoryEntries(marker.directory).isEmpty, "the host marker directory is untouched")

        let tree = try sb.savedTree("localhost/landed")
        #expect(tree.text("/\(hostName)") == "written by the build\n", "/dest -> / lands in the image's /")
        #expect(tree.text("/\(hostName)-up") == "written by the build\n", "../.. stops at the image's /")
        #expect(tree.text(marker.directory + "/planted") == "written by the build\n",
                "an absolute link names a path in the image")
        // Replacing the link or writing through it are both inside the image.
        #expect(tree.text("/\(hostName)-etc") == "written by the build\n" || tree.text("/etc/written") == "written by the build\n")
        #expect(tree.text("/\(hostName)-add") == "added\n")
        #expect(tree.nodes["dest"]?.type == "symlink", "the link itself is kept")
    }
}
