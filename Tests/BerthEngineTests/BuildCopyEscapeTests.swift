// Nothing COPY reads comes from outside the context or the source image, and
// nothing it writes lands outside the new layer, whatever the context's
// symlinks, the sources' `..` or the base image's symlinks at the destination say.
@testable import BerthEngine
import BerthImage
import Foundation
import Glibc
import Testing
import TestSupport

@Suite struct BuildCopyEscapeTests {
    @Test func a_context_symlink_to_a_host_file_is_resolved_inside_the_context() throws {
        let fixture = try CopyFixture()
        let secret = try fixture.directory.write("host secret\n", to: "outside/secret")
        try fixture.symlink("abs", to: secret)
        try fixture.symlink("rel", to: "../outside/secret")
        try fixture.symlink("shadow", to: "/etc/shadow")
        for source in ["abs", "rel", "shadow"] {
            let message = try #require(fixture.failure(CopyRequest(sources: [source], destination: "/s")))
            #expect(message.contains("no such file or directory"), "\(source): \(message)")
        }
        #expect(try fixture.tree() == [])
        // The same absolute path inside the context is what the link means.
        try fixture.file(String(secret.dropFirst()), "context copy\n")
        try fixture.copy(CopyRequest(sources: ["abs"], destination: "/s"))
        #expect(try fixture.text("s") == "context copy\n")
    }

    @Test func a_context_symlink_to_root_means_the_context_root() throws {
        let fixture = try CopyFixture()
        try fixture.symlink("root", to: "/")
        try fixture.file("a", "A")
        #expect(fixture.failure(CopyRequest(sources: ["root/etc/hostname"], destination: "/h"))?.contains("no such file") == true)
        try fixture.copy(CopyRequest(sources: ["root/a"], destination: "/a"))
        #expect(try fixture.text("a") == "A")
        try fixture.copy(CopyRequest(sources: ["root"], destination: "/all/"))
        #expect(try fixture.tree() == ["a", "all/", "all/a", "all/root -> /"])
    }

    @Test func dotdot_and_absolute_sources_stay_in_the_context() throws {
        let fixture = try CopyFixture()
        try fixture.directory.write("outside\n", to: "x")
        let message = try #require(fixture.failure(CopyRequest(sources: ["../x"], destination: "/x")))
        #expect(message == "checking on sources under \"\(fixture.context)\": possible escaping context directory error: copier: stat: \"/x\": no such file or directory")
        #expect(fixture.failure(CopyRequest(sources: ["/../../x"], destination: "/x")) != nil)
        try fixture.file("x", "inside\n")
        try fixture.copy(CopyRequest(sources: ["../../x"], destination: "/x"))
        #expect(try fixture.text("x") == "inside\n")
    }

    @Test(arguments: ["/", "/etc/..", "../../../../..", "/proc/self/root"])
    func a_destination_symlinked_out_of_the_image_writes_into_the_image_root(target: String) throws {
        let fixture = try CopyFixture()
        try fixture.baseSymlink("dest", to: target)
        let name = "berth-escape-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        try fixture.file(name, "payload")
        try fixture.copy(CopyRequest(sources: [name], destination: "/dest/"))
        #expect(!FileManager.default.fileExists(atPath: "/" + name))
        #expect(!FileManager.default.fileExists(atPath: "/proc/self/root/" + name))
        // The image's root (a missing /proc/self/root is made inside the image).
        let expected = target == "/proc/self/root" ? "proc/self/root/\(name)" : name
        #expect(try fixture.text(expected) == "payload")
    }

    @Test func a_link_written_by_the_same_copy_is_replaced_never_followed() throws {
        let fixture = try CopyFixture()
        let hostDir = fixture.directory.path("host-dir")
        try FileManager.default.createDirectory(atPath: hostDir, withIntermediateDirectories: true)
        try fixture.dir("one")
        try fixture.symlink("one/sub", to: hostDir)
        try fixture.file("two/sub/evil", "evil")
        try fixture.copy(CopyRequest(sources: ["one", "two"], destination: "/dst/"))
        #expect(try directoryEntries(hostDir) == [])
        #expect(try fixture.tree() == ["dst/", "dst/sub/", "dst/sub/evil"])
    }

    @Test func a_hardlink_to_a_file_outside_is_copied_as_the_context_file_it_is() throws {
        let fixture = try CopyFixture()
        let outside = try fixture.directory.write("shared\n", to: "outside-file")
        try fixture.dir("ctxdir")
        guard link(outside, fixture.context + "/ctxdir/linked") == 0 else { return } // protected_hardlinks may refuse
        try fixture.copy(CopyRequest(sources: ["ctxdir"], destination: "/d"))
        #expect(try fixture.text("d/linked") == "shared\n")
        #expect(fixture.status("d/linked")?.st_nlink == 1)
    }

    @Test func fifos_are_recreated_never_opened_and_devices_refused_unprivileged() throws {
        let fixture = try CopyFixture()
        try fixture.dir("dir")
        #expect(mkfifo(fixture.context + "/dir/pipe", 0o640) == 0)
        try fixture.copy(CopyRequest(sources: ["dir"], destination: "/d"))
        #expect(fixture.status("d/pipe").map { $0.st_mode & S_IFMT } == S_IFIFO)
        try fixture.copy(CopyRequest(sources: ["dir/pipe"], destination: "/p"))
        #expect(fixture.status("p").map { $0.st_mode & S_IFMT } == S_IFIFO)
        guard geteuid() == 0 else { return }
        #expect(mknod(fixture.context + "/zero", S_IFCHR | 0o666, dev_t((1 << 8) | 5)) == 0)
        let message = fixture.failure(CopyRequest(sources: ["zero"], destination: "/z"))
        #expect(message?.contains("only root can create device nodes") == true, "\(message ?? "")")
    }
}
