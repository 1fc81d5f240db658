// `berth build` judged by `podman build` of the same context (issue 10, "Must
// show"): both results are saved, unpacked layer by layer and compared file by
// file (path, type, mode, owner, size, content hash, symlink target) and by the
// config fields a Dockerfile sets. podman builds as root in its own store;
// berth builds root and rootless from the same context.
import Foundation
import Glibc
import Testing
import TestSupport

@Suite struct BuildParityTests {
    @Test(.enabled(if: geteuid() == 0, "podman, the judge, runs as root here"), arguments: parityCases)
    func berth_and_podman_build_the_same_image(_ parity: ParityCase) throws {
        let podman = try PodmanStore()
        defer { podman.cleanup() }
        try podman.loadBaseImage()
        let podmanContext = try makePodmanContext(podman, parity)
        var expected: [String: ImageTree] = [:]
        for build in parity.builds {
            let built = podman.build(["-t", build.tag] + (build.podmanArguments ?? build.arguments), context: podmanContext)
            try #require(built.status == 0, "podman build of \(parity.name) (the judge) failed: \(built)")
            expected[build.tag] = try podman.savedTree(build.tag)
        }

        for mode in Mode.available {
            let sb = try Sandbox(mode)
            defer { #expect(sb.cleanup().isEmpty) }
            try sb.loadBaseImage()
            let context = try sb.makeContext("ctx", parity.context)
            for build in parity.builds {
                let built = sb.berth(["build", "-t", build.tag] + build.arguments + [context])
                try #require(built.status == 0, "\(mode): berth build of \(parity.name) failed: \(built)")
                let tree = try sb.savedTree(build.tag)
                let differences = ImageComparison.differences(tree, "berth", try #require(expected[build.tag]), "podman")
                #expect(differences.isEmpty, """
                    \(mode): \(parity.name), \(build.tag): berth's image differs from podman's:
                    \(differences.joined(separator: "\n"))
                    """)
            }
        }
    }

    /// podman reads its own copy of the context: the same entries, owned by root.
    private func makePodmanContext(_ podman: PodmanStore, _ parity: ParityCase) throws -> String {
        let scratch = podman.dir + "/tmp/context-owner"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        // Sandbox(.root) only writes files; its store is never used.
        let writer = try Sandbox(.root)
        defer { writer.cleanup() }
        let made = try writer.makeContext("ctx", parity.context)
        let target = podman.dir + "/tmp/ctx"
        let copied = writer.run("/bin/cp", ["-a", made, target], asTestUser: false)
        try #require(copied.status == 0, "\(copied)")
        return target
    }
}
