// Foreground `run` as podman 4.3 does it where a detached container's machinery
// is involved: a restart policy (the run prints the first run's output and exits
// with its code; the restarts follow, detached), and `-t` without `-i`, whose
// output is logged as a detached terminal's is. Root and rootless.
import Foundation
import Testing
import TestSupport

@Suite struct ForegroundRunTests {
    @Test(arguments: Mode.available)
    func a_foreground_run_hands_its_restart_policy_to_a_monitor(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let ran = sb.berth("run", "--name", "rf", "--restart", "on-failure:2", "img", "sh", "-c", "echo hi; exit 3")
        #expect(ran.status == 3 && ran.stdout == "hi\n", "the first run's output and code, as podman: \(ran)")
        var seen = ""
        for _ in 0..<100 {
            seen = sb.berth("inspect", "--format", "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}", "rf").stdout
            if seen == "exited 2 3\n" { break }
            usleep(100_000)
        }
        #expect(seen == "exited 2 3\n", "on-failure:2 restarted it twice after the run returned")
        #expect(sb.berth("logs", "rf").stdout == "hi\nhi\nhi\n")

        // `always` keeps it running once the run returned; stop ends the policy.
        let always = sb.berth("run", "--name", "ra", "--restart", "always", "img", "sh", "-c", "exit 0")
        #expect(always.status == 0, "\(always)")
        var count = 0
        for _ in 0..<100 where count < 1 {
            count = Int(sb.berth("inspect", "--format", "{{.RestartCount}}", "ra").stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            if count < 1 { usleep(100_000) }
        }
        #expect(count >= 1, "always restarted it")
        #expect(sb.berth("stop", "-t", "0", "ra").status == 0)
        #expect(sb.berth("rm", "-f", "rf", "ra").status == 0)
    }

    @Test(arguments: Mode.available)
    func run_t_without_i_keeps_a_log(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let ran = sb.berth("run", "-t", "--name", "tty", "img", "sh", "-c", "echo hello; exit 4")
        #expect(ran.status == 4 && ran.stdout.contains("hello"), "\(ran)")
        let logs = sb.berth("logs", "tty")
        #expect(logs.status == 0 && logs.stdout.contains("hello"), "\(logs)")
        #expect(sb.berth("start", "-a", "tty").status == 4, "start -a of the -t container")
        #expect(sb.berth("logs", "tty").stdout.components(separatedBy: "hello").count == 3, "both runs are in the log")
        #expect(sb.berth("rm", "tty").status == 0)
    }
}
