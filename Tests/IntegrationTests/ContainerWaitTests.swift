// `wait` on a container that --rm removes when it exits: as docker's and podman's, it
// prints the container's exit code and exits 0 (the code is kept a while after the
// removal, ContainerWaitExitCodes.swift). Root and rootless.
import Testing
import TestSupport

@Suite struct ContainerWaitTests {
    @Test(arguments: Mode.available)
    func wait_prints_the_exit_code_of_a_container_removed_by_rm(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { _ = sb.berth("rm", "-a", "-f", "-t", "0") }
        for round in 1...20 {
            let started = sb.berth("run", "-d", "--rm", "img", "sh", "-c", "sleep 1; exit 7")
            try #require(started.status == 0, "round \(round): \(started)")
            let id = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let waited = sb.berth("wait", id)
            try #require(waited.status == 0 && waited.stdout == "7\n", "round \(round): \(waited)")
        }
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty, "--rm removed every one")
    }
}
