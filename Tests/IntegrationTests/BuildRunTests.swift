// A build's RUN steps: containers started from inside the rootless user
// namespace (where `build` runs), RUN --mount, --secret, --network and cleanup,
// through the real binary.
import Foundation
import Testing
import TestSupport

@Suite struct BuildRunTests {
    /// `build` runs rootless as root of the pause process's user namespace; a
    /// container started from there shares it (a second setns into it fails with
    /// EINVAL, and it has no maps to write). `unshare` puts a command there too.
    @Test(.enabled(if: Mode.available.contains(.rootless), "needs the rootless mode"))
    func a_container_started_inside_the_rootless_user_namespace_stays_in_it() throws {
        let sb = try sandboxWithImage(.rootless)
        defer { #expect(sb.cleanup().isEmpty) }
        let outside = sb.berth("unshare", "readlink", "/proc/self/ns/user").stdout
        let script = "mkdir /d && touch /d/f && chown -R 7:7 /d && readlink /proc/self/ns/user && id -u && cat /proc/self/uid_map"
        let run = sb.berth("unshare", Sandbox.binary, "--root", sb.root, "--runroot", sb.runroot,
                           "run", "--rm", "--name", "inner", "img", "sh", "-c", script)
        #expect(run.status == 0, "\(run)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == outside.trimmingCharacters(in: .whitespacesAndNewlines), "the same user namespace: \(run)")
        #expect(lines.dropFirst().first == "0", "root inside: \(run)")
        #expect(lines.count == 4, "the user and the subordinate range mapped: \(run)")
        #expect(sb.berth("ps", "-a", "--format", "{{.Names}}").stdout == "", "--rm removed it, subordinate-owned files and all")
    }
}
