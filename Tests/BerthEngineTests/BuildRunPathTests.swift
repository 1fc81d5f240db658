// The host-side paths of a RUN step: a bind source resolved inside its tree
// (never out through `..` or a symlink), and mount points taken out of a stopped
// container's upper dir without following anything it planted.
import BerthImage
@testable import BerthEngine
import Foundation
import Testing
import TestSupport

@Suite struct BuildRunPathTests {
    @Test func a_bind_source_resolves_inside_its_tree() throws {
        let tmp = try TemporaryDirectory()
        let ctx = tmp.path + "/ctx"
        let fm = FileManager.default
        try fm.createDirectory(atPath: ctx + "/etc", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: ctx + "/shadow", withDestinationPath: "/etc/shadow")
        try fm.createSymbolicLink(atPath: ctx + "/up", withDestinationPath: "../../..")
        try fm.createSymbolicLink(atPath: ctx + "/rel", withDestinationPath: "etc")
        #expect(try ContextPath.resolve("shadow", beneath: ctx) == ctx + "/etc/shadow", "an absolute link stays in the context")
        #expect(try ContextPath.resolve("../../etc/passwd", beneath: ctx) == ctx + "/etc/passwd")
        #expect(try ContextPath.resolve("up/x", beneath: ctx) == ctx + "/x")
        #expect(try ContextPath.resolve("rel/./y", beneath: ctx) == ctx + "/etc/y")
        #expect(try ContextPath.resolve("/", beneath: ctx) == ctx)
        try fm.createSymbolicLink(atPath: ctx + "/loop", withDestinationPath: "loop")
        #expect(throws: ContainerError.self) { try ContextPath.resolve("loop", beneath: ctx) }
    }

    @Test func mount_points_leave_the_upper_dir_only_when_empty_and_never_through_a_symlink() throws {
        let tmp = try TemporaryDirectory()
        let upper = tmp.path + "/upper", outside = tmp.path + "/outside"
        let fm = FileManager.default
        for dir in ["/a/b/c", "/keep/d", "/run/secrets", "/run"] { try fm.createDirectory(atPath: upper + dir, withIntermediateDirectories: true) }
        try Data("written".utf8).write(to: URL(fileURLWithPath: upper + "/keep/d/file"))
        try Data().write(to: URL(fileURLWithPath: upper + "/run/secrets/token"))
        try fm.createDirectory(atPath: outside + "/victim", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: upper + "/link", withDestinationPath: outside)

        Engine.removeMountPoints(["/a", "/a/b", "/a/b/c", "/keep", "/keep/d", "/run", "/run/secrets", "/run/secrets/token",
                                  "/link", "/link/victim"], upper: upper)
        #expect(!fm.fileExists(atPath: upper + "/a"), "an empty chain goes, deepest first")
        #expect(fm.fileExists(atPath: upper + "/keep/d/file"), "what the step wrote stays")
        #expect(!fm.fileExists(atPath: upper + "/run/secrets") && fm.fileExists(atPath: upper + "/run"), "podman's /run stays")
        #expect(fm.fileExists(atPath: outside + "/victim"), "nothing is removed through a symlink")
    }
}
