// `attach`, `run -it`, `start -ai` and the detach keys as a user at a real
// terminal sees them (issue 11 §2): the container runs under its monitor, which
// keeps its pty; typing reaches it, the window size follows the user's terminal,
// ctrl-p ctrl-q leaves it running, its exit code comes back, its output is in
// `logs`. Root and rootless.
import Foundation
import Testing
import TestSupport

private let detach = "\u{10}\u{11}"

/// `name` running an interactive shell on a terminal, detached.
private func detachedShell(_ sb: Sandbox, _ name: String) throws {
    let started = sb.berth("run", "-dit", "--name", name, "img", "sh")
    try #require(started.status == 0, "\(started)")
}

private func state(_ sb: Sandbox, _ name: String) -> String {
    sb.berth("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name).stdout
}

/// Every container of the sandbox removed, so that cleanup finds no process.
private func removeAll(_ sb: Sandbox) {
    #expect(sb.berth("rm", "-a", "-f", "-t", "0").status == 0)
}

@Suite struct AttachTests {
    @Test(arguments: Mode.available)
    func attach_types_into_a_detached_shell_follows_the_window_and_detaches(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { removeAll(sb) }
        try detachedShell(sb, "c")
        let session = try sb.berthInTerminal(["attach", "c"], [
            .type("echo typed-$((6*7)); stty size\r"), .expect("typed-42"), .expect("33 77"),
            .resize(rows: 40, columns: 100), .wait(0.3), .type("stty size\r"), .expect("40 100"),
            .type(detach),
        ])
        #expect(session.matchedAll && session.status == 0, "\(session)")
        #expect(!session.output.contains("Error"), "detaching prints nothing odd: \(session)")
        #expect(state(sb, "c") == "running 0\n", "the container runs on")

        // Attached again, the shell's exit is attach's exit.
        let again = try sb.berthInTerminal(["attach", "c"], [.type("echo back-$((1+1))\r"), .expect("back-2"), .type("exit 3\r")])
        #expect(again.matchedAll && again.status == 3, "\(again)")
        #expect(state(sb, "c") == "exited 3\n")
    }

    @Test(arguments: Mode.available)
    func run_it_detaches_and_start_ai_attaches_again(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { removeAll(sb) }
        let run = try sb.berthInTerminal(["run", "-it", "--name", "c", "img", "sh"], [
            .type("stty size; echo run-$((2+3))\r"), .expect("33 77"), .expect("run-5"), .type(detach),
        ])
        #expect(run.matchedAll && run.status == 0, "\(run)")
        #expect(state(sb, "c") == "running 0\n", "run -it detached: the container runs on")
        let attached = try sb.berthInTerminal(["attach", "c"], [.type("exit 4\r")])
        #expect(attached.status == 4, "\(attached)")

        let start = try sb.berthInTerminal(["start", "-ai", "c"], [
            .type("echo started-$((2*3))\r"), .expect("started-6"), .type("exit 2\r"),
        ])
        #expect(start.matchedAll && start.status == 2, "\(start)")
        #expect(state(sb, "c") == "exited 2\n")

        // run --rm -it returns once the container is gone.
        let removed = try sb.berthInTerminal(["run", "--rm", "-it", "img", "sh"], [.type("exit 5\r")])
        #expect(removed.status == 5, "\(removed)")
        #expect(sb.berth("ps", "-a", "--format", "{{.Names}}").stdout == "c\n", "--rm removed it")
    }

    @Test(arguments: Mode.available)
    func detach_keys_can_be_chosen_and_bad_ones_are_refused(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { removeAll(sb) }
        try detachedShell(sb, "c")
        let custom = try sb.berthInTerminal(["attach", "--detach-keys", "ctrl-x,e", "c"], [
            .type("echo ctrl-$((3*3))\r"), .expect("ctrl-9"), .type(detach), .wait(0.5), .type("\u{18}e"),
        ])
        #expect(custom.matchedAll && custom.status == 0, "ctrl-p ctrl-q do nothing, ctrl-x e detaches: \(custom)")
        #expect(state(sb, "c") == "running 0\n")

        for args in [["attach", "--detach-keys", "foo", "c"], ["run", "--detach-keys", "ctrl-1", "-it", "--name", "d", "img", "sh"],
                     ["start", "--detach-keys", "ctrl-", "-ai", "c"]] {
            let bad = sb.berth(args)
            #expect(bad.status == 125 && bad.stderr.hasPrefix("Error: invalid detach keys: Unknown character: '"), "\(args): \(bad)")
        }
        #expect(sb.berth("ps", "-a", "--format", "{{.Names}}").stdout == "c\n", "a refused run creates nothing")
        let stopped = sb.berth("create", "--name", "s", "img", "true")
        try #require(stopped.status == 0)
        let notRunning = sb.berth("attach", "s")
        #expect(notRunning.status == 125 && notRunning.stderr == "Error: you can only attach to running containers\n", "\(notRunning)")
    }

    @Test(arguments: Mode.available)
    func no_stdin_and_sig_proxy(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { removeAll(sb) }
        try detachedShell(sb, "c")
        // --no-stdin: what is typed never reaches the shell (nor can it detach);
        // --sig-proxy=false: the SIGTERM ends attach, not the container.
        let watching = try sb.berthInTerminal(["attach", "--no-stdin", "--sig-proxy=false", "c"], [
            .wait(0.5), .type("echo nostdin-$((3+4))\r"), .wait(1), .signal(SIGTERM),
        ])
        #expect(!watching.output.contains("nostdin-7"), "\(watching)")
        #expect(state(sb, "c") == "running 0\n")

        // --sig-proxy (the default): the signal reaches the container's process.
        let trapped = sb.berth("run", "-d", "--name", "t", "img", "sh", "-c", "trap 'echo got-term; exit 9' TERM; while true; do sleep 0.1; done")
        try #require(trapped.status == 0, "\(trapped)")
        let proxied = try sb.berthInTerminal(["attach", "t"], [.wait(0.5), .signal(SIGTERM), .expect("got-term")])
        #expect(proxied.matchedAll && proxied.status == 9, "\(proxied)")
    }

    @Test(arguments: Mode.available)
    func attach_to_a_container_without_a_terminal_streams_its_output_and_stdin(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { removeAll(sb) }
        let started = sb.berth("run", "-di", "--name", "c", "img", "sh", "-c",
                               "while read l; do echo \"out $l\"; echo \"err $l\" >&2; done; echo bye; exit 7")
        try #require(started.status == 0, "\(started)")
        let attached = sb.berth(["attach", "c"], stdin: Array("one\ntwo\n".utf8))
        #expect(attached.status == 7, "\(attached)")
        #expect(attached.stdout == "out one\nout two\nbye\n" && attached.stderr == "err one\nerr two\n", "stdout and stderr apart: \(attached)")
        let logs = sb.berth("logs", "c")
        #expect(logs.stdout == "out one\nout two\nbye\n" && logs.stderr == "err one\nerr two\n", "\(logs)")
    }

    @Test(arguments: Mode.available)
    func logs_of_a_terminal_container_show_its_output(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { removeAll(sb) }
        let started = sb.berth("run", "-dt", "--name", "c", "img", "sh", "-c", "echo tty-out; echo done-$((1+1)); sleep 100")
        try #require(started.status == 0, "\(started)")
        var logs = sb.berth("logs", "c")
        for _ in 0..<50 where !logs.stdout.contains("done-2") {
            Thread.sleep(forTimeInterval: 0.1)
            logs = sb.berth("logs", "c")
        }
        #expect(logs.stdout == "tty-out\r\ndone-2\r\n" && logs.stderr.isEmpty, "a terminal's output is logged as stdout: \(logs)")
        let log = sb.berth("inspect", "--format", "{{.HostConfig.LogConfig.Path}}", "c").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        if let text = try? String(contentsOfFile: log, encoding: .utf8) {
            #expect(text.contains(" stdout F tty-out") && !text.contains(" stderr "), "\(text)")
        }
    }

    @Test(arguments: Mode.available)
    func exec_it_detaches_and_its_process_runs_on(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { removeAll(sb) }
        let started = sb.berth("run", "-d", "--name", "c", "img", "sleep", "1000")
        try #require(started.status == 0, "\(started)")
        let exec = try sb.berthInTerminal(["exec", "-it", "c", "sh"], [
            .type("echo $$ > /exec-pid; echo exec-$((4+4))\r"), .expect("exec-8"), .type(detach),
        ])
        #expect(exec.matchedAll && exec.status == 0, "\(exec)")
        Thread.sleep(forTimeInterval: 0.3)
        let alive = sb.berth("exec", "c", "sh", "-c", "kill -0 $(cat /exec-pid) && echo alive")
        #expect(alive.stdout == "alive\n", "the exec'd shell runs on after the detach: \(alive)")
    }
}
