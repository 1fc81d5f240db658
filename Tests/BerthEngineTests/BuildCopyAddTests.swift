// ADD: local tar archives unpacked (plain, gzip, zstd) beneath the destination,
// other files copied as they are, remote files fetched over HTTP with their
// name, mode 0600, Last-Modified and a verified --checksum.
@testable import BerthEngine
import BerthImage
import Foundation
import Glibc
import Testing
import TestSupport

@Suite struct BuildCopyAddTests {
    private func archive() -> TarBuilder {
        var tar = TarBuilder()
        tar.directory("app", mode: 0o750)
        tar.file("app/run", "#!/bin/sh\n", mode: 0o755)
        tar.symlink("app/latest", to: "run")
        return tar
    }

    @Test(arguments: ["plain", "gzip", "zstd"])
    func local_tar_archives_are_unpacked_into_the_destination(format: String) throws {
        let fixture = try CopyFixture()
        let bytes = archive().bytes()
        let packed = format == "gzip" ? gzip(bytes) : format == "zstd" ? zstd(bytes) : bytes
        try writeBytes(packed, to: fixture.context + "/app.tar")
        try fixture.copy(CopyRequest(sources: ["app.tar"], destination: "/opt", isAdd: true))
        #expect(try fixture.tree() == ["opt/", "opt/app/", "opt/app/latest -> run", "opt/app/run"])
        #expect(fixture.status("opt/app").map { $0.st_mode & 0o7777 } == 0o750)
        // COPY never unpacks.
        let copied = try CopyFixture()
        try writeBytes(packed, to: copied.context + "/app.tar")
        try copied.copy(CopyRequest(sources: ["app.tar"], destination: "/opt/"))
        #expect(try copied.tree() == ["opt/", "opt/app.tar"])
    }

    @Test func an_archive_cannot_escape_its_destination() throws {
        let fixture = try CopyFixture()
        var tar = TarBuilder()
        tar.symlink("up", to: "/")
        tar.file("up/escaped", "x")
        try tar.write(to: fixture.context + "/evil.tar")
        #expect(fixture.failure(CopyRequest(sources: ["evil.tar"], destination: "/d", isAdd: true)) != nil)
        #expect(!FileManager.default.fileExists(atPath: "/escaped"))
        #expect(fixture.status("escaped") == nil)
    }

    @Test func compressed_files_that_are_not_tars_are_copied() throws {
        let fixture = try CopyFixture()
        try writeBytes(gzip(Array("just text\n".utf8)), to: fixture.context + "/notes.gz")
        try fixture.copy(CopyRequest(sources: ["notes.gz"], destination: "/d/", isAdd: true))
        #expect(try fixture.tree() == ["d/", "d/notes.gz"])
    }

    static let serverScript = """
        import http.server, os, sys
        os.chdir(sys.argv[1])
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args): pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """

    @Test func remote_files_are_fetched_with_their_name_mode_and_mtime() throws {
        let fixture = try CopyFixture()
        let served = fixture.directory.path("served")
        let file = try fixture.directory.write("remote data\n", to: "served/tool.sh")
        var times = [timespec(tv_sec: 1_577_836_800, tv_nsec: 0), timespec(tv_sec: 1_577_836_800, tv_nsec: 0)]
        utimensat(AT_FDCWD, file, &times, 0)
        let server = try PythonServer(script: Self.serverScript, arguments: [served], in: fixture.directory.path)
        let url = "http://127.0.0.1:\(server.port)/tool.sh"
        try fixture.copy(CopyRequest(sources: [url], destination: "/bin/", isAdd: true))
        #expect(try fixture.text("bin/tool.sh") == "remote data\n")
        let st = try #require(fixture.status("bin/tool.sh"))
        #expect(st.st_mode & 0o7777 == 0o600)
        #expect(st.st_mtim.tv_sec == 1_577_836_800)

        let good = Digest.of("remote data\n").description
        try fixture.copy(CopyRequest(sources: [url], destination: "/checked", isAdd: true, checksum: good))
        #expect(try fixture.text("checked") == "remote data\n")
        let bad = Digest.of("other").description
        let message = fixture.failure(CopyRequest(sources: [url], destination: "/bad", isAdd: true, checksum: bad))
        #expect(message == "ADD \(url): checksum mismatch: expected \(bad), got \(good)")
        #expect(fixture.status("bad") == nil)

        let cache = ContextDigestCache(directory: nil)
        let withChecksum = try CopyStep.cacheDigest(CopyRequest(sources: [url], destination: "/x", isAdd: true, checksum: good),
                                                    from: fixture.source, digestCache: cache)
        let fetched = try CopyStep.cacheDigest(CopyRequest(sources: [url], destination: "/x", isAdd: true),
                                               from: fixture.source, digestCache: cache)
        #expect(withChecksum != fetched)
        let missing = fixture.failure(CopyRequest(sources: ["http://127.0.0.1:\(server.port)/nope"], destination: "/n", isAdd: true))
        #expect(message != nil && missing?.contains("404") == true)
    }

    @Test func refusals_are_clear() throws {
        let fixture = try CopyFixture()
        try fixture.file("a", "A")
        #expect(fixture.failure(CopyRequest(sources: ["a"], destination: "/a", isAdd: true, checksum: Digest.of("A").description))
            == "checksum can't be specified for non-HTTP(S) sources")
        #expect(fixture.failure(CopyRequest(sources: ["https://example.com/x"], destination: "/x"))
            == "source can't be a URL for COPY: https://example.com/x")
        #expect(fixture.failure(CopyRequest(sources: ["https://example.com/repo.git"], destination: "/x", isAdd: true))?
            .contains("git sources are not supported") == true)
        #expect(fixture.failure(CopyRequest(sources: ["a"], destination: "/x", isAdd: true, keepGitDir: true))?
            .contains("git sources are not supported") == true)
        #expect(RemoteFetcher.httpDate("Wed, 21 Oct 2015 07:28:00 GMT") == 1_445_412_480)
    }
}
