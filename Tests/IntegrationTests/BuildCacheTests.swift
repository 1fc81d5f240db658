// The build cache as a user sees it (issue 10 §5): `--> Using cache` for each
// step, RUN steps that do not run (a host file they append to through `-v`
// stays as it was), no new layer or image in the store; what invalidates a
// step and what does not; `--no-cache`; records that outlive `rmi` and go with
// `image prune` / `builder prune`.
import Foundation
import Glibc
import Testing
import TestSupport

@Suite struct BuildCacheTests {
    private static let dockerfile = """
        FROM localhost/base
        RUN echo first >> /witness/log
        COPY data.txt /data.txt
        RUN echo "after copy" >> /witness/log
        ARG LATE
        ENV STAGE=test
        RUN echo "late=$LATE" >> /witness/log
        """

    private func setUp(_ mode: Mode) throws -> (Sandbox, String, RunWitness) {
        let sb = try Sandbox(mode)
        try sb.loadBaseImage()
        let context = try sb.makeContext("ctx", [
            .text("Containerfile", Self.dockerfile),
            .text("data.txt", "version 1\n"),
        ])
        return (sb, context, try RunWitness(sb))
    }

    @Test(arguments: Mode.available)
    func a_second_build_uses_the_cache_for_every_step_and_runs_nothing(mode: Mode) throws {
        let (sb, context, witness) = try setUp(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let args = witness.volumeArguments + ["-t", "localhost/cached"]
        let first = sb.build(args, context: context)
        try #require(first.result.status == 0, "\(first.result)")
        #expect(witness.runs() == ["first", "after copy", "late="])
        #expect(first.cacheUse.allSatisfy { !$0.cached }, "an empty cache serves nothing: \(first.result)")
        let before = try storeSnapshot(sb)

        let second = sb.build(args, context: context)
        try #require(second.result.status == 0, "\(second.result)")
        #expect(second.cacheUse.count == 6, "\(second.result)")
        for use in second.cacheUse {
            #expect(use.cached, "\(use.step) says `--> Using cache`: \(second.result)")
        }
        #expect(witness.runs() == ["first", "after copy", "late="], "no RUN ran again")
        #expect(try storeSnapshot(sb) == before, "a cached rebuild writes no layer, blob or image")
        #expect(second.imageID == first.imageID)
        #expect(second.imageID.count == 64, "the full image ID is the last line: \(second.result)")
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty, "no build container is left")
    }

    @Test(arguments: Mode.available)
    func touching_a_copied_file_keeps_the_cache_and_changing_it_rebuilds_from_that_copy(mode: Mode) throws {
        let (sb, context, witness) = try setUp(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let args = witness.volumeArguments
        try #require(sb.build(args, context: context).result.status == 0)
        let data = context + "/data.txt"
        var times = [timespec(tv_sec: 1_600_000_000, tv_nsec: 0), timespec(tv_sec: 1_600_000_000, tv_nsec: 0)]
        try #require(utimensat(AT_FDCWD, data, &times, 0) == 0, "touch data.txt")

        let touched = sb.build(args, context: context)
        try #require(touched.result.status == 0, "\(touched.result)")
        #expect(touched.allCached, "a new mtime is not new content: \(touched.result)")
        #expect(witness.runs().count == 3)

        try sb.makeFile("ctx/data.txt", "version 2\n")
        let changed = sb.build(args, context: context)
        try #require(changed.result.status == 0, "\(changed.result)")
        #expect(changed.cacheUse.map(\.cached) == [true, false, false, false, false, false],
                "the RUN before the COPY is cached, the COPY and all after it are not: \(changed.result)")
        #expect(witness.runs() == ["first", "after copy", "late=", "after copy", "late="])
    }

    @Test(arguments: Mode.available)
    func a_build_arg_invalidates_only_the_steps_that_can_see_it(mode: Mode) throws {
        let (sb, context, witness) = try setUp(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let base = witness.volumeArguments
        try #require(sb.build(base + ["--build-arg", "LATE=1"], context: context).result.status == 0)

        // UNDECLARED is no ARG of the Dockerfile: no step sees it.
        let unseen = sb.build(base + ["--build-arg", "LATE=1", "--build-arg", "UNDECLARED=x"], context: context)
        try #require(unseen.result.status == 0, "\(unseen.result)")
        #expect(unseen.allCached, "\(unseen.result)")
        #expect(unseen.result.stderr.contains("[Warning] one or more build args were not consumed: [UNDECLARED]"),
                "podman's warning: \(unseen.result)")

        // LATE is declared after the first three steps: only the last RUN sees it.
        // podman 4.3 keeps `ARG LATE` and `ENV` cached too (checked by hand): the
        // ARG step's image does not depend on the value, only what runs after it.
        let seen = sb.build(base + ["--build-arg", "LATE=2"], context: context)
        try #require(seen.result.status == 0, "\(seen.result)")
        #expect(seen.cacheUse.map(\.cached) == [true, true, true, true, true, false], "\(seen.result)")
        #expect(witness.runs() == ["first", "after copy", "late=1", "late=2"])
    }

    @Test(arguments: Mode.available)
    func no_cache_rebuilds_every_step(mode: Mode) throws {
        let (sb, context, witness) = try setUp(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        try #require(sb.build(witness.volumeArguments, context: context).result.status == 0)
        let again = sb.build(witness.volumeArguments + ["--no-cache"], context: context)
        try #require(again.result.status == 0, "\(again.result)")
        #expect(!again.result.stdout.contains("Using cache"), "\(again.result)")
        #expect(witness.runs().count == 6, "every RUN ran twice")
    }

    /// podman has no `builder prune`; berth's is docker's name for collecting the cache.
    @Test(arguments: Mode.available, [["image", "prune", "-f"], ["builder", "prune", "-f"]])
    func the_cache_outlives_rmi_and_prune_collects_it(mode: Mode, prune: [String]) throws {
        let (sb, context, witness) = try setUp(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let args = witness.volumeArguments + ["-t", "localhost/kept"]
        try #require(sb.build(args, context: context).result.status == 0)
        let removed = sb.berth("rmi", "localhost/kept")
        try #require(removed.status == 0, "\(removed)")
        // As podman: the records of the steps before survive; the last step's
        // result was the image removed, so that step runs again.
        let rebuilt = sb.build(args, context: context)
        try #require(rebuilt.result.status == 0, "\(rebuilt.result)")
        #expect(rebuilt.cacheUse.map(\.cached) == [true, true, true, true, true, false],
                "cache records survive rmi of the result: \(rebuilt.result)")
        #expect(witness.runs().count == 4)

        try #require(sb.berth("rmi", "localhost/kept").status == 0)
        let pruned = sb.berth(prune)
        try #require(pruned.status == 0, "\(pruned)")
        let fresh = sb.build(args, context: context)
        try #require(fresh.result.status == 0, "\(fresh.result)")
        #expect(!fresh.result.stdout.contains("Using cache"), "\(prune.joined(separator: " ")) collected the cache: \(fresh.result)")
        #expect(witness.runs().count == 7)
    }
}
