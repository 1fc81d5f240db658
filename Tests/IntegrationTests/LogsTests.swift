// `logs` as a user sees it: both streams kept apart in podman's k8s-file format,
// --tail, --since/--until, -t, -f until the container exits (also across
// restarts), several containers with -n, and the log driver and options.
// Root and rootless.
import Foundation
import Testing
import TestSupport

private let recordPattern = #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) [FP] "#

/// Polls `logs NAME` until its stdout contains `text` (the monitor writes as the container does).
private func waitForLog(_ sb: Sandbox, _ name: String, _ text: String) -> Sandbox.Result {
    var result = sb.berth("logs", name)
    for _ in 0..<100 where !result.stdout.contains(text) {
        Thread.sleep(forTimeInterval: 0.05)
        result = sb.berth("logs", name)
    }
    return result
}

private func logFile(_ sb: Sandbox, _ name: String) throws -> String {
    let id = sb.berth("inspect", "-f", "{{.Id}}", name).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    return try String(contentsOfFile: sb.root + "/containers/\(id)/userdata/ctr.log", encoding: .utf8)
}

@Suite struct LogsTests {
    @Test(arguments: Mode.available)
    func stdout_and_stderr_are_kept_apart_in_k8s_file_records(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let run = sb.berth("run", "-d", "--name", "c", "img", "sh", "-c", "echo out; echo err >&2; sleep 100")
        #expect(run.status == 0, "\(run)")
        let logs = waitForLog(sb, "c", "out")
        #expect(logs.status == 0 && logs.stdout == "out\n" && logs.stderr == "err\n", "\(logs)")
        let lines = try logFile(sb, "c").split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.allSatisfy { $0.range(of: recordPattern, options: .regularExpression) != nil }, "\(lines)")
        #expect(lines.contains { $0.hasSuffix(" stdout F out") } && lines.contains { $0.hasSuffix(" stderr F err") }, "\(lines)")
        let stamped = sb.berth("logs", "-t", "c")
        #expect(stamped.stdout.range(of: #"^\d{4}-\d\d-\d\dT[0-9:.]+Z out\n$"#, options: .regularExpression) != nil, "\(stamped)")
        #expect(sb.berth("rm", "-f", "-t", "0", "c").status == 0)
    }

    @Test(arguments: Mode.available)
    func a_foreground_run_shows_its_output_and_logs_it_too(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let run = sb.berth("run", "--name", "fg", "img", "sh", "-c", "echo out; echo err >&2; printf open; exit 3")
        #expect(run.status == 3 && run.stdout == "out\nopen" && run.stderr == "err\n", "\(run)")
        let logs = sb.berth("logs", "fg")
        #expect(logs.stdout == "out\nopen" && logs.stderr == "err\n", "\(logs)")
        let lines = try logFile(sb, "fg").split(separator: "\n")
        #expect(lines.count == 3 && lines.allSatisfy { $0.range(of: recordPattern, options: .regularExpression) != nil }, "\(lines)")
        // Through a closed pipe: the container's output is cut short, berth is not killed by SIGPIPE.
        let piped = shell(sb, "\(berthLine(sb)) run --rm img sh -c 'i=0; while [ $i -lt 20000 ]; do echo line$i; i=$((i+1)); done' | head -n 1; echo status=${PIPESTATUS:-x}")
        #expect(piped.stdout.hasPrefix("line0\n"), "\(piped)")
    }

    @Test(arguments: Mode.available)
    func tail_since_and_until_slice_the_log(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "-d", "--name", "c", "img", "sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done").status == 0)
        #expect(sb.berth("wait", "c").stdout == "0\n")
        #expect(sb.berth("logs", "c").stdout == "line1\nline2\nline3\nline4\nline5\n")
        #expect(sb.berth("logs", "--tail", "1", "c").stdout == "line5\n")
        #expect(sb.berth("logs", "--tail", "2", "c").stdout == "line4\nline5\n")
        #expect(sb.berth("logs", "--tail", "0", "c").stdout == "")
        #expect(sb.berth("logs", "--tail", "99", "c").stdout.split(separator: "\n").count == 5)
        #expect(sb.berth("logs", "--since", "10m", "c").stdout.split(separator: "\n").count == 5)
        #expect(sb.berth("logs", "--since", "2999-01-01T00:00:00Z", "c").stdout == "")
        #expect(sb.berth("logs", "--until", "2000-01-01T00:00:00+01:00", "c").stdout == "")
        #expect(sb.berth("logs", "--until", "0s", "--since", "2000-01-01", "c").stdout.split(separator: "\n").count == 5)
        for bad in [["--tail", "x"], ["--since", "yesterday"], ["--until", "2026-13-01"]] {
            let refused = sb.berth(["logs"] + bad + ["c"])
            #expect(refused.status == 125 && refused.stderr.hasPrefix("Error: ")
                    && refused.stderr.split(separator: "\n").count == 1, "\(refused)")
        }
        let missing = sb.berth("logs", "nosuch")
        #expect(missing.status == 125 && missing.stderr.hasPrefix("Error: ") && missing.stderr.contains("nosuch"), "\(missing)")
    }

    @Test(arguments: Mode.available)
    func partial_lines_are_marked_and_joined(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "-d", "--name", "c", "img", "sh", "-c", "printf abc; sleep 0.3; echo def; printf end").status == 0)
        #expect(sb.berth("wait", "c").stdout == "0\n")
        let lines = try logFile(sb, "c").split(separator: "\n")
        #expect(lines.count == 3 && lines[0].hasSuffix(" stdout P abc") && lines[1].hasSuffix(" stdout F def")
                && lines[2].hasSuffix(" stdout P end"), "\(lines)")
        #expect(sb.berth("logs", "c").stdout == "abcdef\nend", "a line the container left open stays open")
        #expect(sb.berth("logs", "--tail", "1", "c").stdout == "abcdef\nend")
    }

    @Test(arguments: Mode.available)
    func follow_streams_new_lines_and_returns_when_the_container_exits(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "-d", "--name", "c", "img", "sh", "-c", "echo first; sleep 1.5; echo second").status == 0)
        let out = sb.work + "/follow.txt"
        // A snapshot while the container sleeps holds the first line only; -f then ends with the container.
        let script = """
            \(berthLine(sb)) logs -f c > \(out) & pid=$!
            sleep 0.7; cat \(out); echo ---
            wait $pid; echo status=$?; cat \(out)
            """
        let began = Date()
        let followed = shell(sb, script)
        #expect(followed.stdout == "first\n---\nstatus=0\nfirst\nsecond\n", "\(followed)")
        #expect(Date().timeIntervalSince(began) < 10)
        #expect(sb.berth("logs", "-f", "c").stdout == "first\nsecond\n", "-f of an exited container returns at once")
    }

    @Test(arguments: Mode.available)
    func follow_goes_on_across_restarts(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "-d", "--name", "c", "--restart", "on-failure:2", "img", "sh", "-c", "echo run; exit 1").status == 0)
        let followed = sb.berth("logs", "-f", "c")
        #expect(followed.status == 0 && followed.stdout == "run\nrun\nrun\n", "the first run and two restarts: \(followed)")
    }

    @Test(arguments: Mode.available)
    func several_containers_are_told_apart_by_id_or_name(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "-d", "--name", "one", "img", "echo", "from-one").status == 0)
        #expect(sb.berth("run", "-d", "--name", "two", "img", "echo", "from-two").status == 0)
        _ = sb.berth("wait", "one", "two")
        #expect(sb.berth("logs", "-n", "one", "two").stdout == "one from-one\ntwo from-two\n")
        let id = String(sb.berth("inspect", "-f", "{{.Id}}", "one").stdout.prefix(12))
        #expect(sb.berth("logs", "one", "two").stdout.hasPrefix("\(id) from-one\n"))
        #expect(sb.berth("logs", "-n", "one").stdout == "from-one\n", "one container: no prefix, as podman's")
    }

    @Test(arguments: Mode.available)
    func log_driver_and_options(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        // path=: the log where the user asked for it, in the same format.
        let path = sb.work + "/my.log"
        #expect(sb.berth("run", "-d", "--name", "p", "--log-opt", "path=\(path)", "img", "echo", "hello").status == 0)
        #expect(sb.berth("wait", "p").stdout == "0\n")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.range(of: recordPattern + "hello\n$", options: .regularExpression) != nil, "\(text)")
        #expect(sb.berth("logs", "p").stdout == "hello\n")

        // max-size=: the log is emptied before it would grow past the limit.
        #expect(sb.berth("run", "-d", "--name", "m", "--log-opt", "max-size=1k", "img", "sh", "-c",
                         "i=0; while [ $i -lt 200 ]; do echo line$i; i=$((i+1)); done").status == 0)
        #expect(sb.berth("wait", "m").stdout == "0\n")
        let rotated = try logFile(sb, "m")
        #expect(rotated.utf8.count <= 1000 && rotated.hasSuffix(" stdout F line199\n"), "\(rotated.utf8.count) bytes")
        #expect(sb.berth("logs", "--tail", "1", "m").stdout == "line199\n")

        // none: nothing kept, and logs says so.
        #expect(sb.berth("run", "-d", "--name", "n", "--log-driver", "none", "img", "echo", "lost").status == 0)
        #expect(sb.berth("wait", "n").stdout == "0\n")
        let none = sb.berth("logs", "n")
        #expect(none.status == 125 && none.stderr.contains("\"none\" log driver"), "\(none)")

        // passthrough in the foreground is the terminal's own stdio.
        let through = sb.berth("run", "--rm", "--log-driver", "passthrough", "img", "echo", "direct")
        #expect(through.status == 0 && through.stdout == "direct\n", "\(through)")

        let before = sb.berth("ps", "-aq").stdout
        for bad in [["-d", "--log-driver", "passthrough"], ["-d", "--log-driver", "journald"], ["--log-driver", "bogus"],
                    ["--log-opt", "max-size=lots"], ["--log-opt", "max-size"], ["--log-opt", "colour=blue"]] {
            let refused = sb.berth(["run"] + bad + ["img", "true"])
            #expect(refused.status == 125 && refused.stderr.hasPrefix("Error: ")
                    && refused.stderr.split(separator: "\n").count == 1, "\(bad): \(refused)")
        }
        #expect(sb.berth("ps", "-aq").stdout == before, "a refused log flag creates nothing")
    }
}
