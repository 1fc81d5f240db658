// FileSystem: removing a tree never follows a symlink out of it, and the path
// helpers behave as their names say.
import BerthSystem
import Foundation
import Glibc
import Testing
import TestSupport

@Suite struct FileSystemTests {
    @Test func remove_tree_removes_symlinks_not_what_they_point_to() throws {
        let dir = try TemporaryDirectory("berth-system-test")
        // Outside the tree: a directory and a file symlinks inside will point at.
        try dir.write("keep me", to: "outside/precious")
        try dir.write("keep me too", to: "outside-file")
        try FileSystem.makeDirectories(dir.path("tree/sub/deeper"))
        try dir.write("x", to: "tree/sub/deeper/file")
        #expect(symlink(dir.path("outside"), dir.path("tree/to-dir")) == 0)
        #expect(symlink(dir.path("outside-file"), dir.path("tree/sub/to-file")) == 0)
        #expect(symlink("../../outside", dir.path("tree/sub/relative")) == 0)
        // A directory its owner may not search (overlay leaves work/work at 000).
        try FileSystem.makeDirectories(dir.path("tree/locked/inner"))
        #expect(chmod(dir.path("tree/locked"), 0) == 0)

        try FileSystem.removeTree(dir.path("tree"))
        #expect(!FileSystem.exists(dir.path("tree")))
        #expect(try directoryEntries(dir.path("outside")) == ["precious"])
        #expect(try readText(dir.path("outside/precious")) == "keep me")
        #expect(try readText(dir.path("outside-file")) == "keep me too")
    }

    @Test func remove_tree_of_a_symlink_to_a_directory_removes_only_the_link() throws {
        let dir = try TemporaryDirectory("berth-system-test")
        try dir.write("data", to: "target/file")
        #expect(symlink(dir.path("target"), dir.path("link")) == 0)
        try FileSystem.removeTree(dir.path("link"))
        #expect(try directoryEntries(dir.path) == ["target"])
        #expect(try directoryEntries(dir.path("target")) == ["file"])
        try FileSystem.removeTree(dir.path("never-existed"))
    }

    @Test func list_names_entries_and_treats_a_missing_directory_as_empty() throws {
        let dir = try TemporaryDirectory("berth-system-test")
        try dir.write("", to: "a")
        try dir.write("", to: ".hidden")
        try FileSystem.makeDirectories(dir.path("b/c"), mode: 0o700)
        #expect(try FileSystem.list(dir.path).sorted() == [".hidden", "a", "b"])
        #expect(try FileSystem.list(dir.path("missing")) == [])
        #expect(FileSystem.isDirectory(dir.path("b/c")) && !FileSystem.isDirectory(dir.path("a")))
        #expect(try permissionBits(dir.path("b/c")) == 0o700)
        let error = try #require(throws: SystemError.self) { try FileSystem.list(dir.path("a")) }
        #expect(error.errno == ENOTDIR && error.description.contains(dir.path("a")), "\(error)")
    }

    @Test func path_helpers() {
        #expect(FileSystem.dirname(of: "/a/b/c") == "/a/b")
        #expect(FileSystem.dirname(of: "/a") == "/")
        #expect(FileSystem.dirname(of: "a") == ".")
        #expect(FileSystem.basename(of: "/a/b/c.json") == "c.json")
        #expect(FileSystem.basename(of: "plain") == "plain")
        #expect(FileSystem.absolute("/already") == "/already")
        let cwd = FileManager.default.currentDirectoryPath
        #expect(FileSystem.absolute("rel/x") == cwd + "/rel/x")
        #expect(FileSystem.absolute(".") == cwd)
    }
}
