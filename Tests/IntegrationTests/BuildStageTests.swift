// Multi-stage builds: only the stages the target needs are built, independent
// stages build at the same time, COPY --from takes an earlier stage's files.
import Foundation
import Testing
import TestSupport

@Suite struct BuildStageTests {
    /// Each RUN records the uptime before and after a one-second sleep.
    static let stages = """
        FROM img AS a
        RUN (cut -d' ' -f1 /proc/uptime; sleep 1; cut -d' ' -f1 /proc/uptime) > /t
        FROM img AS b
        RUN (cut -d' ' -f1 /proc/uptime; sleep 1; cut -d' ' -f1 /proc/uptime) > /t
        FROM img AS unused
        RUN echo THE-UNUSED-STAGE-RAN
        FROM img
        COPY --from=a /t /ta
        COPY --from=b /t /tb
        CMD ["cat", "/ta", "/tb"]

        """

    @Test(arguments: Mode.available)
    func independent_stages_build_at_the_same_time_and_unused_ones_not_at_all(mode: Mode) throws {
        let sb = try buildSandbox(mode, files: ["Containerfile": Self.stages])
        defer { #expect(sb.cleanup().isEmpty) }
        let built = berthBuild(sb, ["-t", "multi"])
        #expect(built.status == 0, "\(built)")
        #expect(!built.stdout.contains("THE-UNUSED-STAGE-RAN") && !built.stdout.contains("[3/4]"), "\(built.stdout)")
        #expect(built.stdout.contains("[1/4] STEP 1/2: FROM img AS a\n") && built.stdout.contains("[4/4] COMMIT multi\n"), "\(built.stdout)")
        let times = sb.berth("run", "--rm", "multi").stdout.split(separator: "\n").compactMap { Double($0) }
        try #require(times.count == 4, "\(times)")
        #expect(times[0] < times[3] && times[2] < times[1], "the two RUNs overlapped in time: \(times)")
    }

    @Test(arguments: Mode.available)
    func target_stops_at_the_named_stage(mode: Mode) throws {
        let sb = try buildSandbox(mode, files: ["Containerfile": Self.stages])
        defer { #expect(sb.cleanup().isEmpty) }
        let built = berthBuild(sb, ["--target", "b", "-t", "onlyb"])
        #expect(built.status == 0, "\(built)")
        #expect(built.stdout.contains("[2/4] STEP 2/2: RUN") && !built.stdout.contains("[1/4]") && !built.stdout.contains("[4/4]"),
                "\(built.stdout)")
        let file = sb.berth("run", "--rm", "onlyb", "cat", "/t")
        #expect(file.status == 0 && file.stdout.split(separator: "\n").count == 2, "\(file)")
        let unknown = berthBuild(sb, ["--target", "nosuch"])
        #expect(unknown.status == 125 && unknown.stderr.contains("nosuch"), "\(unknown)")
    }

    @Test(arguments: Mode.available)
    func a_static_binary_from_a_builder_stage_runs_in_scratch(mode: Mode) throws {
        let file = "FROM img AS builder\nRUN cp /bin/busybox /busybox\nFROM scratch\nCOPY --from=builder /busybox /busybox\nENTRYPOINT [\"/busybox\", \"echo\", \"from scratch\"]\n"
        let sb = try buildSandbox(mode, files: ["Containerfile": file])
        defer { #expect(sb.cleanup().isEmpty) }
        let built = berthBuild(sb, ["-t", "tiny"])
        #expect(built.status == 0, "\(built)")
        let ran = sb.berth("run", "--rm", "tiny")
        #expect(ran.status == 0 && ran.stdout == "from scratch\n", "\(ran)")
    }
}
