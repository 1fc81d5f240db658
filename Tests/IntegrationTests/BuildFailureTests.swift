// A build that fails (issue 10 §2, §6) says where, exits as podman does, and
// leaves nothing: no image, container, mount, layer, blob or scratch directory.
import Foundation
import Glibc
import Testing
import TestSupport

@Suite struct BuildFailureTests {
    /// Runs a failing build and checks the store is as it was before it.
    private func failingBuild(_ mode: Mode, _ dockerfile: String) throws -> (CommandResult, Sandbox) {
        let sb = try Sandbox(mode)
        try sb.loadBaseImage()
        let context = try sb.makeContext("ctx", [.text("Containerfile", dockerfile), .text("file", "x\n")])
        let before = try storeSnapshot(sb)
        let built = sb.berth("build", "-t", "localhost/failed", context)
        #expect(try storeSnapshot(sb) == before, "no image, layer or blob is left: \(built)")
        #expect(try scratchEntries(sb).isEmpty, "no scratch directory is left")
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty, "no build container is left")
        #expect(sb.berth("image", "exists", "localhost/failed").status == 1)
        #expect(sb.leftovers().isEmpty, "no mount is left")
        return (built, sb)
    }

    @Test(arguments: Mode.available)
    func a_syntax_error_names_the_file_line_and_column_and_exits_125(mode: Mode) throws {
        let (built, sb) = try failingBuild(mode, "FROM localhost/base\nRUN echo ok\n  BOGUS thing\n")
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(built.status == 125, "podman exits 125 too: \(built)")
        let lines = built.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("Error: ") && lines[0].contains("Containerfile:3:3"),
                "one line naming the file, line and column: \(built)")
        #expect(built.stderr.lowercased().contains("bogus"), "and the instruction: \(built)")
        #expect(!built.stdout.contains("STEP 2/"), "nothing ran before the whole file parsed: \(built)")
    }

    @Test(arguments: Mode.available)
    func an_instruction_without_its_arguments_is_a_syntax_error(mode: Mode) throws {
        let (built, sb) = try failingBuild(mode, "FROM localhost/base\nCOPY\n")
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(built.status == 125, "\(built)")
        #expect(built.stderr.hasPrefix("Error: ") && built.stderr.contains("Containerfile:2"), "\(built)")
    }

    @Test(arguments: Mode.available)
    func a_failing_run_stops_the_build_with_its_exit_code_and_podmans_message(mode: Mode) throws {
        let (built, sb) = try failingBuild(mode, "FROM localhost/base\nRUN exit 7\nCOPY file /file\n")
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(built.status == 7, "podman exits with the step's code: \(built)")
        #expect(built.stderr.hasSuffix("Error: building at STEP \"RUN exit 7\": while running runtime: exit status 7\n"),
                "\(built)")
        #expect(!built.stdout.contains("STEP 3/3"), "the build stopped at the failing step: \(built)")
    }

    /// The message and exit code are podman's own, checked against podman here.
    @Test(.enabled(if: geteuid() == 0, "podman, the judge, runs as root here"))
    func podman_fails_the_same_way() throws {
        let podman = try PodmanStore()
        defer { podman.cleanup() }
        try podman.loadBaseImage()
        let context = podman.dir + "/tmp/ctx"
        try writeBytes(Array("FROM localhost/base\nRUN exit 7\n".utf8), to: context + "/Containerfile")
        let failed = podman.build([], context: context)
        #expect(failed.status == 7, "\(failed)")
        #expect(failed.stderr.hasSuffix("Error: building at STEP \"RUN exit 7\": while running runtime: exit status 7\n"), "\(failed)")
        try writeBytes(Array("FROM localhost/base\nBOGUS thing\n".utf8), to: context + "/Containerfile")
        #expect(podman.build([], context: context).status == 125)
    }
}
