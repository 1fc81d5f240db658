// kill, restart, rename, port, top, init, pause/unpause as a podman user's
// scripts see them: output, `Error:` lines and exit codes. Root and rootless.
import Foundation
import Testing
import TestSupport

@Suite struct ContainerControlTests {
    @Test(arguments: Mode.available)
    func kill_sends_the_signal_and_restart_starts_again(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { #expect(sb.berth("rm", "-a", "-f", "-t", "0").status == 0) }
        // A shell that reports USR1 and ends on TERM with its own code.
        let script = "trap 'echo got-usr1 > /tmp/usr1' USR1; trap 'exit 42' TERM; while true; do sleep 0.1; done"
        #expect(sb.berth("run", "-d", "--name", "t", "img", "sh", "-c", script).status == 0)
        #expect(sb.berth("create", "--name", "idle", "img", "true").status == 0)

        let usr1 = sb.berth("kill", "-s", "USR1", "t")
        #expect(usr1.status == 0 && usr1.stdout == "t\n", "\(usr1)")
        var seen = ""
        for _ in 0..<50 where seen.isEmpty {
            seen = sb.berth("exec", "t", "cat", "/tmp/usr1").stdout
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(seen == "got-usr1\n", "the signal reached the container's process")
        let bad = sb.berth("kill", "-s", "BOGUS", "t")
        #expect(bad.status == 125 && bad.stderr == "Error: invalid signal: BOGUS\n", "\(bad)")
        let notRunning = sb.berth("kill", "idle")
        #expect(notRunning.status == 125 && notRunning.stderr.hasPrefix("Error: can only kill running containers.")
                && notRunning.stderr.hasSuffix("is in state created: container state improper\n"), "\(notRunning)")

        let restarted = sb.berth("restart", "-t", "5", "t")
        #expect(restarted.status == 0 && restarted.stdout == "t\n", "\(restarted)")
        #expect(sb.berth("ps", "--format", "{{.Names}} {{.State}}").stdout == "t running\n")
        #expect(sb.berth("exec", "t", "cat", "/tmp/usr1").stdout == "got-usr1\n", "the same container started again: its files stay")

        let term = sb.berth("kill", "-s", "TERM", "t")
        #expect(term.status == 0)
        #expect(sb.berth("wait", "t").stdout == "42\n", "the TERM trap's exit code is recorded")
        #expect(sb.berth("run", "-d", "--name", "u", "img", "sleep", "100").status == 0)
        let all = sb.berth("kill", "-a")
        #expect(all.status == 0 && all.stdout.count == 65, "only the running container, by ID: \(all)")
        #expect(sb.berth("wait", "u").stdout == "137\n")
    }

    @Test(arguments: Mode.available)
    func rename_port_init_pause_and_top(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { #expect(sb.berth("rm", "-a", "-f", "-t", "0").status == 0) }
        #expect(sb.berth("run", "-d", "--name", "web", "img", "sleep", "1000").status == 0)
        #expect(sb.berth("create", "--name", "old", "img", "true").status == 0)

        // Names that are no hex prefix: like podman, `container exists b` finds a
        // container whose ID starts with b, which one in eight runs had.
        let renamed = sb.berth("rename", "old", "new")
        #expect(renamed.status == 0 && renamed.stdout.isEmpty, "\(renamed)")
        #expect(sb.berth("container", "exists", "new").status == 0 && sb.berth("container", "exists", "old").status == 1)
        #expect(sb.berth("create", "--name", "old", "img", "true").status == 0, "the old name is free again")
        let taken = sb.berth("rename", "new", "web")
        #expect(taken.status == 125 && taken.stderr.contains("name web already in use"), "\(taken)")
        let invalid = sb.berth("rename", "new", "bad name")
        #expect(invalid.status == 125 && invalid.stderr == "Error: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument\n")

        let port = sb.berth("port", "web")
        #expect(port.status == 0 && port.stdout.isEmpty, "no published ports: \(port)")
        #expect(sb.berth("port", "missing").status == 125)

        let initialized = sb.berth("init", "new")
        #expect(initialized.status == 0 && initialized.stdout == "new\n", "\(initialized)")
        let initRunning = sb.berth("init", "web")
        #expect(initRunning.status == 125 && initRunning.stderr.hasSuffix("has already been created in runtime: container state improper\n"))

        let pause = sb.berth("pause", "web")
        if mode == .root {
            // The freezer of its own cgroup (StatsPauseTests has the counter that stops).
            #expect(pause.status == 0 && pause.stdout == "web\n", "\(pause)")
            #expect(sb.berth("unpause", "web").status == 0)
        } else {
            // Rootless on cgroup v1: no cgroup to freeze, and a clear reason.
            #expect(pause.status == 125 && pause.stderr.hasPrefix("Error: cannot pause container web: it has no cgroup to freeze"), "\(pause)")
        }
        #expect(sb.berth("pause", "new").stderr == "Error: \"new\" is not running, can't pause: container state improper\n")
        #expect(sb.berth("unpause", "web").stderr == "Error: \"web\" is not paused, can't unpause: container state improper\n")

        #expect(sb.berth("exec", "-d", "web", "sleep", "999").status == 0)
        let top = sb.berth("top", "web")
        let lines = top.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(top.status == 0 && lines.first == ["USER", "PID", "PPID", "%CPU", "ELAPSED", "TTY", "TIME", "COMMAND"], "\(top)")
        // The exec'd sleep: a pid of the container's namespace, its parent pid 1.
        #expect(lines.dropFirst().map { [$0[0], $0[1] == "1" ? "1" : "N", $0[2], $0[5]] + $0.suffix(2) }
                == [["root", "1", "0", "?", "sleep", "1000"], ["root", "N", "1", "?", "sleep", "999"]], "\(top)")
        let chosen = sb.berth("top", "web", "pid,comm", "user")
        let chosenRows: [[String]] = chosen.stdout.split(separator: "\n").map { line in
            var cells = line.split(separator: " ").map(String.init)
            if cells[0] != "PID" && cells[0] != "1" { cells[0] = "N" }
            return cells
        }
        #expect(chosenRows == [["PID", "COMMAND", "USER"], ["1", "sleep", "root"], ["N", "sleep", "root"]], "\(chosen)")
        let ps = sb.berth("top", "web", "-o", "pid,comm")
        #expect(ps.status == 0 && ps.stdout.contains("ps") && ps.stdout.hasPrefix("PID"), "plain ps options run ps in the container: \(ps)")
        #expect(sb.berth("top", "new").stderr == "Error: top can only be used on running containers\n")
    }
}
