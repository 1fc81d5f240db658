// The container verbs as a podman user's scripts see them: every named container
// acted on, each failure its own `Error:` line, podman's exit codes; selection by
// --all, --latest and --cidfile; generated names under parallel creates. Root and rootless.
import Foundation
import Testing
import TestSupport

private let missing = "Error: no container with name or ID \"missing\" found: no such container\n"

/// The names and states `ps -a` lists, sorted: "a running", "b exited".
private func states(_ sb: Sandbox) -> [String] {
    sb.berth("ps", "-a", "--format", "{{.Names}} {{.State}}").stdout.split(separator: "\n").map(String.init).sorted()
}

@Suite struct ContainerVerbTests {
    @Test(arguments: Mode.available)
    func verbs_act_on_every_named_container_and_report_the_missing_one(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        for name in ["a", "b"] { #expect(sb.berth("create", "--name", name, "img", "sleep", "100").status == 0) }

        let started = sb.berth("start", "a", "missing", "b")
        #expect(started.stdout == "a\nb\n" && started.stderr == missing && started.status == 125, "\(started)")
        #expect(states(sb) == ["a running", "b running"])

        let stopped = sb.berth("stop", "-t", "0", "a", "missing", "b")
        #expect(stopped.stdout == "a\nb\n" && stopped.stderr == missing && stopped.status == 125, "\(stopped)")
        #expect(states(sb) == ["a exited", "b exited"])
        let ignored = sb.berth("stop", "--ignore", "missing", "a")
        #expect(ignored.stdout == "a\n" && ignored.stderr.isEmpty && ignored.status == 0, "\(ignored)")

        let waited = sb.berth("wait", "a", "missing", "b")
        #expect(waited.stdout == "137\n137\n" && waited.stderr == missing && waited.status == 125, "\(waited)")
        let waitIgnoring = sb.berth("wait", "--ignore", "a", "missing")
        #expect(waitIgnoring.stdout == "137\n-1\n" && waitIgnoring.status == 0, "podman 5's -1 for a missing one: \(waitIgnoring)")

        let removed = sb.berth("rm", "a", "missing", "b")
        #expect(removed.stdout == "a\nb\n" && removed.stderr == missing && removed.status == 1, "podman's rm: 1 for no such container: \(removed)")
        #expect(states(sb).isEmpty)
        let removeIgnoring = sb.berth("rm", "--ignore", "missing")
        #expect(removeIgnoring.status == 0 && removeIgnoring.stdout.isEmpty && removeIgnoring.stderr.isEmpty, "\(removeIgnoring)")
        #expect(sb.berth("rm", "-f", "missing").status == 0, "--force ignores a missing container, as podman's")
        let onlyMissing = sb.berth("start", "missing")
        #expect(onlyMissing.status == 125 && onlyMissing.stderr == missing, "\(onlyMissing)")
        let none = sb.berth("stop")
        #expect(none.status == 125 && none.stderr == "Error: you must provide at least one name or id\n", "\(none)")
    }

    @Test(arguments: Mode.available)
    func rm_of_a_running_container_needs_force(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let id = sb.berth("run", "-d", "--name", "busy", "img", "sleep", "100").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.count == 64)
        #expect(sb.berth("create", "--name", "idle", "img", "true").status == 0)

        let refused = sb.berth("rm", "busy", "idle")
        #expect(refused.status == 2, "podman's exit code for a container in the wrong state: \(refused)")
        #expect(refused.stdout == "idle\n", "the others are still removed: \(refused)")
        #expect(refused.stderr == "Error: cannot remove container \(id) as it is running - running or paused containers cannot be removed without force: container state improper\n", "\(refused)")
        #expect(states(sb) == ["busy running"])

        let timeWithoutForce = sb.berth("rm", "-t", "0", "busy")
        #expect(timeWithoutForce.status == 125 && timeWithoutForce.stderr == "Error: --force option must be specified to use the --time option\n")
        let negative = sb.berth("rm", "-f", "-t", "-1", "busy")
        #expect(negative.status == 125 && negative.stderr.hasPrefix("Error: invalid argument \"-1\""), "\(negative)")

        // sleep as pid 1 ignores SIGTERM: -t says how long rm -f waits before SIGKILL.
        let began = Date()
        let forced = sb.berth("rm", "-f", "-t", "1", "busy")
        let took = Date().timeIntervalSince(began)
        #expect(forced.status == 0 && forced.stdout == "busy\n", "\(forced)")
        #expect(took >= 1 && took < 8, "the stop signal, a second, then SIGKILL: \(took) s")
        #expect(states(sb).isEmpty)

        // A foreground run --rm whose container another command removes: both end quietly.
        let b = berthLine(sb)
        let raced = shell(sb, """
            \(b) run --rm --name fg img sleep 100 2> \(sb.path("run.err")) & bp=$!
            for i in $(seq 1 200); do
              [ "$(\(b) inspect --format '{{.State.Status}}' fg 2>/dev/null)" = running ] && break; sleep 0.05
            done
            \(b) rm -f -t 0 fg; echo "rm-exit=$?"
            wait $bp; echo "run-exit=$?"; cat \(sb.path("run.err"))
            """)
        #expect(raced.stdout == "fg\nrm-exit=0\nrun-exit=137\n" && raced.stderr.isEmpty, "\(raced)")
        #expect(states(sb).isEmpty)
    }

    @Test(arguments: Mode.available)
    func container_exists_answers_with_its_exit_code(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let id = sb.berth("create", "--name", "here", "img", "true").stdout
        let yes = sb.berth("container", "exists", "here")
        #expect(yes.status == 0 && yes.stdout.isEmpty && yes.stderr.isEmpty, "\(yes)")
        #expect(sb.berth("container", "exists", String(id.prefix(12))).status == 0, "an ID prefix is found as podman finds it")
        let no = sb.berth("container", "exists", "missing")
        #expect(no.status == 1 && no.stdout.isEmpty && no.stderr.isEmpty, "\(no)")
        let noName = sb.berth("container", "exists")
        #expect(noName.status == 125 && noName.stderr == "Error: accepts 1 arg(s), received 0\n", "\(noName)")
    }

    @Test(arguments: Mode.available)
    func all_latest_filter_and_cidfile_choose_the_containers(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let cid = sb.path("x.cid")
        let x = sb.berth("create", "--cidfile", cid, "--name", "x", "img", "sleep", "100").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let y = sb.berth("create", "--name", "y", "--label", "role=second", "img", "sleep", "100").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(x.count == 64 && y.count == 64)
        let again = sb.berth("create", "--cidfile", cid, "img", "true")
        #expect(again.status == 125 && again.stderr.contains(cid), "an existing --cidfile is refused before creating: \(again)")
        #expect(states(sb) == ["x created", "y created"])

        let all = sb.berth("start", "--all")
        #expect(all.status == 0 && Set(all.stdout.split(separator: "\n").map(String.init)) == [x, y], "\(all)")
        let mixed = sb.berth("start", "--all", "x")
        #expect(mixed.status == 125 && mixed.stderr == "Error: either start all containers or the container(s) provided in the arguments\n")
        let latest = sb.berth("stop", "--latest", "-t", "0")
        #expect(latest.stdout == y + "\n", "the newest container: \(latest)")
        #expect(states(sb) == ["x running", "y exited"])
        let filtered = sb.berth("start", "--filter", "label=role=second")
        #expect(filtered.stdout == y + "\n", "\(filtered)")
        let stopAll = sb.berth("stop", "-a", "-t", "0")
        #expect(stopAll.status == 0 && Set(stopAll.stdout.split(separator: "\n").map(String.init)) == [x, y], "\(stopAll)")

        let byFile = sb.berth("rm", "--cidfile", cid)
        #expect(byFile.status == 0 && byFile.stdout == x + "\n", "\(byFile)")
        let noFile = sb.berth("rm", "--cidfile", sb.path("none.cid"))
        #expect(noFile.status == 125 && noFile.stderr.contains("none.cid"), "\(noFile)")
        let removeAll = sb.berth("rm", "-a")
        #expect(removeAll.status == 0 && removeAll.stdout == y + "\n", "\(removeAll)")
    }

    @Test(arguments: Mode.available)
    func wait_conditions(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("create", "--name", "w", "img", "sh", "-c", "sleep 0.3; exit 9").status == 0)
        let created = sb.berth("wait", "--condition", "created", "w")
        #expect(created.stdout == "-1\n" && created.status == 0, "not an end: podman prints -1: \(created)")
        #expect(sb.berth("start", "w").status == 0)
        let exited = sb.berth("wait", "--condition", "running", "--condition", "exited", "--interval", "10ms", "w")
        #expect(exited.status == 0 && (exited.stdout == "-1\n" || exited.stdout == "9\n"), "\(exited)")
        #expect(sb.berth("wait", "-i", "20", "w").stdout == "9\n", "a bare interval counts in milliseconds")
        let bogus = sb.berth("wait", "--condition", "bogus", "w")
        #expect(bogus.status == 125 && bogus.stderr == "Error: unknown container state: bogus: invalid argument\n", "\(bogus)")
        let paused = sb.berth("wait", "--condition", "paused", "w")
        #expect(paused.status == 125 && paused.stderr.contains("not supported yet"), "\(paused)")

        // The code is the one the monitor records, never the 137 a dead but unrecorded process reads as.
        let names = (1...6).map { "quick\($0)" }
        for name in names { #expect(sb.berth("create", "--name", name, "img", "sh", "-c", "exit 6").status == 0) }
        #expect(sb.berth(["start"] + names).status == 0)
        let codes = sb.berth(["wait", "-i", "1"] + names)
        #expect(codes.stdout == String(repeating: "6\n", count: names.count), "\(codes)")
    }

    @Test(arguments: Mode.available)
    func parallel_unnamed_creates_and_runs_all_get_names(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let b = berthLine(sb)
        let out = sb.path("parallel")
        let creates = shell(sb, """
            mkdir -p \(out)
            for i in $(seq 1 50); do ( \(b) create img true > \(out)/c$i 2>&1; echo $? > \(out)/c$i.rc ) & done
            wait
            for i in $(seq 1 20); do ( \(b) run --rm img true > \(out)/r$i 2>&1; echo $? > \(out)/r$i.rc ) & done
            wait
            cat \(out)/c*.rc | sort | uniq -c
            echo runs; cat \(out)/r*.rc | sort | uniq -c
            cat \(out)/c[0-9] \(out)/c[0-9][0-9] \(out)/r[0-9] \(out)/r[0-9][0-9] | grep -v '^[0-9a-f]\\{64\\}$' || true
            """)
        let lines = creates.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.first == "50 0", "every create exits 0: \(creates)")
        #expect(lines.count >= 3 && lines[1] == "runs" && lines[2] == "20 0", "every run --rm exits 0: \(creates)")
        #expect(lines.count == 3, "no command printed an error: \(creates)")
        let names = sb.berth("ps", "-a", "--format", "{{.Names}}").stdout.split(separator: "\n").map(String.init)
        #expect(names.count == 50 && Set(names).count == 50, "50 distinct names: \(names)")
        #expect(names.allSatisfy { $0.split(separator: "_").count == 2 }, "adjective_noun: \(names)")
    }
}
