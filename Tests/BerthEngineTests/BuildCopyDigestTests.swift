// COPY/ADD cache keys: content and metadata decide them, timestamps never do,
// and the stat-keyed digest cache means an unchanged rebuild reads no content.
@testable import BerthEngine
import BerthImage
import Foundation
import Glibc
import Testing
import TestSupport

@Suite struct BuildCopyDigestTests {
    private func digest(_ fixture: CopyFixture, _ request: CopyRequest, cache: ContextDigestCache) throws -> Digest {
        try CopyStep.cacheDigest(request, from: fixture.source, digestCache: cache)
    }

    private func touch(_ path: String, seconds: Int) {
        var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        utimensat(AT_FDCWD, path, &times, 0)
    }

    @Test func touching_keeps_the_digest_and_one_changed_byte_changes_it() throws {
        let fixture = try CopyFixture()
        let file = try fixture.file("dir/data", "content-1")
        try fixture.file("dir/other", "unchanged")
        let cache = ContextDigestCache(directory: fixture.directory.path("build-cache"))
        let request = CopyRequest(sources: ["dir"], destination: "/dst")
        let first = try digest(fixture, request, cache: cache)
        touch(file, seconds: 1_234_567)
        #expect(try digest(fixture, request, cache: cache) == first)
        try fixture.file("dir/data", "content-2")
        touch(file, seconds: 1_234_567)
        #expect(try digest(fixture, request, cache: cache) != first)
    }

    @Test func metadata_and_options_are_part_of_the_key() throws {
        let fixture = try CopyFixture()
        let file = try fixture.file("a", "A")
        let cache = ContextDigestCache(directory: nil)
        let base = try digest(fixture, CopyRequest(sources: ["a"], destination: "/a"), cache: cache)
        #expect(try digest(fixture, CopyRequest(sources: ["a"], destination: "/b"), cache: cache) != base)
        #expect(try digest(fixture, CopyRequest(sources: ["a"], destination: "/a", chmod: "0700"), cache: cache) != base)
        #expect(try digest(fixture, CopyRequest(sources: ["a"], destination: "/a", chown: "1:1"), cache: cache) != base)
        chmod(file, 0o600)
        #expect(try digest(fixture, CopyRequest(sources: ["a"], destination: "/a"), cache: cache) != base)
        chmod(file, 0o644)
        #expect(try digest(fixture, CopyRequest(sources: ["a"], destination: "/a"), cache: cache) == base)
        try fixture.symlink("link", to: "a")
        let linked = try digest(fixture, CopyRequest(sources: ["*"], destination: "/d/"), cache: cache)
        try FileManager.default.removeItem(atPath: fixture.context + "/link")
        try fixture.symlink("link", to: "b")
        try fixture.file("b", "A")
        #expect(try digest(fixture, CopyRequest(sources: ["*"], destination: "/d/"), cache: cache) != linked)
    }

    @Test func ignored_files_do_not_change_the_key() throws {
        let fixture = try CopyFixture()
        try fixture.file("dir/keep", "K")
        try fixture.file("dir/log", "1")
        fixture.ignored = ["dir/log"]
        let cache = ContextDigestCache(directory: nil)
        let first = try digest(fixture, CopyRequest(sources: ["dir"], destination: "/d"), cache: cache)
        try fixture.file("dir/log", "2")
        #expect(try digest(fixture, CopyRequest(sources: ["dir"], destination: "/d"), cache: cache) == first)
    }

    @Test func a_rebuild_with_nothing_changed_reads_no_file_content() throws {
        let fixture = try CopyFixture()
        for index in 0..<20 { try fixture.file("dir/f\(index)", "data \(index)") }
        let directory = fixture.directory.path("build-cache")
        let request = CopyRequest(sources: ["dir"], destination: "/dst")
        let first = ContextDigestCache(directory: directory)
        let expected = try digest(fixture, request, cache: first)
        #expect(first.filesHashed == 20)
        // A new process: the cache comes from disk.
        let second = ContextDigestCache(directory: directory)
        #expect(try digest(fixture, request, cache: second) == expected)
        #expect(second.filesHashed == 0)
        try fixture.file("dir/f3", "changed")
        let third = ContextDigestCache(directory: directory)
        #expect(try digest(fixture, request, cache: third) != expected)
        #expect(third.filesHashed == 1)
    }

    @Test func a_damaged_cache_file_is_ignored() throws {
        let fixture = try CopyFixture()
        try fixture.file("a", "A")
        let directory = fixture.directory.path("build-cache")
        let request = CopyRequest(sources: ["a"], destination: "/a")
        let expected = try digest(fixture, request, cache: ContextDigestCache(directory: nil))
        for damage in ["garbage\u{0}\u{1}", "berth-context-digests 1\nkey nothex\n", ""] {
            try fixture.directory.write(damage, to: "build-cache/context-digests")
            let cache = ContextDigestCache(directory: directory)
            #expect(try digest(fixture, request, cache: cache) == expected)
            #expect(cache.filesHashed == 1)
        }
        // A wrong digest under the right key would be believed, so the key must
        // change with the file: rewrite the file, the entry no longer applies.
        try fixture.file("a", "B")
        #expect(try digest(fixture, request, cache: ContextDigestCache(directory: directory)) != expected)
    }

    @Test func sources_from_another_tree_include_owners() throws {
        let fixture = try CopyFixture()
        try fixture.base("srv/f", "F")
        let cache = ContextDigestCache(directory: nil)
        let request = CopyRequest(sources: ["/srv"], destination: "/d")
        let first = try CopyStep.cacheDigest(request, from: .rootfs(try fixture.image()), digestCache: cache)
        if geteuid() == 0 {
            chown(fixture.directory.path("base/srv/f"), 12, 34)
            #expect(try CopyStep.cacheDigest(request, from: .rootfs(try fixture.image()), digestCache: cache) != first)
        }
    }
}
