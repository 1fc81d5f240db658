// The per-container monitor as a user sees it: a small C process (State.ConmonPid,
// --conmon-pidfile) that costs less memory than conmon, keeps the log, records the
// exit, applies --restart, and leaves nothing behind when killed or removed; a
// simulated reboot (another boot ID) reads running containers as exited. Root and rootless.
import Foundation
import Testing
import TestSupport

/// `inspect --format` of one container, trimmed.
private func field(_ sb: Sandbox, _ name: String, _ format: String) -> String {
    sb.berth("inspect", "--format", format, name).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

private func isAlive(_ pid: Int32) -> Bool {
    guard pid > 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    return stat[stat.index(close, offsetBy: 2)] != "Z"
}

/// Pss and private memory (Private_Clean + Private_Dirty) of a process, in kB.
private func memory(_ pid: Int32) -> (pss: Int, private: Int)? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8) else { return nil }
    var values: [String: Int] = [:]
    for line in text.split(separator: "\n") {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        if parts.count >= 2, let kb = Int(parts[1]) { values[String(parts[0].dropLast())] = kb }
    }
    guard let pss = values["Pss"] else { return nil }
    return (pss, (values["Private_Clean"] ?? 0) + (values["Private_Dirty"] ?? 0))
}

@Suite struct MonitorTests {
    @Test(arguments: Mode.available)
    func detached_container_has_a_small_c_monitor_named_by_inspect_and_pid_files(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let run = sb.berth("run", "-d", "--name", "web", "--pidfile", sb.path("ctr.pid"), "--conmon-pidfile", sb.path("mon.pid"),
                           "img", "sh", "-c", "echo out; echo err >&2; sleep 100")
        #expect(run.status == 0, "\(run)")
        let monitor = Int32(field(sb, "web", "{{.State.ConmonPid}}")) ?? 0
        let pid = Int32(field(sb, "web", "{{.State.Pid}}")) ?? 0
        #expect(monitor > 0 && pid > 0 && monitor != pid)
        #expect((try? String(contentsOfFile: sb.path("mon.pid"), encoding: .utf8)) == "\(monitor)")
        #expect((try? String(contentsOfFile: sb.path("ctr.pid"), encoding: .utf8)) == "\(pid)")
        #expect(field(sb, "web", "{{.ConmonPidFile}}") == sb.path("mon.pid"))
        // The C image, not the Swift binary: conmon here costs Pss 781 kB, 464 kB private.
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(monitor)/exe")) ?? ""
        #expect(exe.hasPrefix("/memfd:berth-monitor"), "\(exe)")
        if let used = memory(monitor) {
            #expect(used.pss <= 781 && used.private <= 464, "monitor Pss \(used.pss) kB, private \(used.private) kB")
        } else {
            Issue.record("cannot read the monitor's smaps_rollup")
        }
        // k8s-file keeps the streams apart: logs prints stderr's lines on stderr.
        #expect(eventually { let logs = sb.berth("logs", "web"); return logs.stdout == "out\n" && logs.stderr == "err\n" })

        // sh as pid 1 ignores SIGTERM: stop waits, then SIGKILL; the monitor records 137 and ends.
        #expect(sb.berth("stop", "-t", "1", "web").status == 0)
        #expect(field(sb, "web", "{{.State.Status}} {{.State.ExitCode}} {{.State.ConmonPid}}") == "exited 137 0")
        #expect(eventually { !isAlive(monitor) }, "the monitor ends with its container")
        #expect(sb.berth("rm", "web").status == 0)
    }

    @Test(arguments: Mode.available)
    func on_failure_restarts_exactly_n_times_and_counts_them(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let run = sb.berth("run", "-d", "--name", "flaky", "--restart", "on-failure:3", "img", "sh", "-c", "echo ran; exit 3")
        #expect(run.status == 0, "\(run)")
        #expect(eventually(15) { field(sb, "flaky", "{{.RestartCount}} {{.State.Status}}") == "3 exited" })
        // Nothing starts it a fourth time: back-offs 100+200+400 ms are long over after a second.
        Thread.sleep(forTimeInterval: 1)
        #expect(field(sb, "flaky", "{{.RestartCount}} {{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}}") == "3 3 on-failure")
        #expect(sb.berth("logs", "flaky").stdout == String(repeating: "ran\n", count: 4))
        #expect(sb.berth("ps", "-a", "--filter", "restart-policy=on-failure", "--format", "{{.Names}}").stdout == "flaky\n")
        #expect(sb.berth("rm", "flaky").status == 0)
    }

    @Test(arguments: Mode.available)
    func always_survives_a_kill_from_outside_and_stop_ends_it(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "-d", "--name", "svc", "--restart", "always", "img", "sleep", "100").status == 0)
        let first = Int32(field(sb, "svc", "{{.State.Pid}}")) ?? 0
        let monitor = Int32(field(sb, "svc", "{{.State.ConmonPid}}")) ?? 0
        #expect(first > 0 && kill(first, SIGKILL) == 0)
        #expect(eventually {
            let now = field(sb, "svc", "{{.State.Status}} {{.RestartCount}} {{.State.Pid}}")
            return now.hasPrefix("running 1 ") && now != "running 1 \(first)"
        })
        #expect(Int32(field(sb, "svc", "{{.State.ConmonPid}}")) == monitor, "one monitor for the container's whole life")
        #expect(sb.berth("stop", "-t", "0", "svc").status == 0)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(field(sb, "svc", "{{.State.Status}} {{.RestartCount}}") == "exited 1", "a stop by the user ends always")
        #expect(eventually { !isAlive(monitor) })
        #expect(sb.berth("rm", "svc").status == 0)
    }

    @Test(arguments: Mode.available)
    func a_kill_by_the_user_ends_always(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "-d", "--name", "svc", "--restart", "always", "img", "sleep", "100").status == 0)
        let monitor = Int32(field(sb, "svc", "{{.State.ConmonPid}}")) ?? 0
        #expect(sb.berth("kill", "svc").status == 0)
        #expect(eventually { !isAlive(monitor) }, "the monitor ends with the container: no restart")
        #expect(field(sb, "svc", "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}") == "exited 0 137")
        #expect(sb.berth("rm", "svc").status == 0)
    }

    @Test(arguments: Mode.available)
    func a_killed_monitor_leaves_a_truthful_ps_and_rm_f_cleans_up(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "-d", "--name", "orphan", "img", "sleep", "100").status == 0)
        #expect(sb.berth("run", "-d", "--name", "other", "img", "sleep", "100").status == 0)
        let monitor = Int32(field(sb, "orphan", "{{.State.ConmonPid}}")) ?? 0
        let pid = Int32(field(sb, "orphan", "{{.State.Pid}}")) ?? 0
        #expect(monitor > 0 && kill(monitor, SIGKILL) == 0)
        #expect(eventually { !isAlive(monitor) })
        // The container dies with its parent (its parent-death signal), so no process runs
        // unwatched; nobody records the exit, and ps reads the truth from the pid.
        #expect(eventually { !isAlive(pid) })
        #expect(sb.berth("ps", "-a", "--filter", "name=orphan", "--format", "{{.Names}} {{.State}}").stdout == "orphan exited\n")
        #expect(field(sb, "orphan", "{{.State.ConmonPid}} {{.State.Pid}}") == "0 0")
        let began = Date()
        let removed = sb.berth("rm", "-f", "orphan")
        #expect(removed.status == 0 && removed.stdout == "orphan\n", "\(removed)")
        #expect(Date().timeIntervalSince(began) < 4, "no wait for an exit record nobody will write")
        // The other container and its monitor were not touched.
        #expect(sb.berth("ps", "-a", "--format", "{{.Names}} {{.State}}").stdout == "other running\n")
        #expect(sb.berth("rm", "-f", "-t", "0", "other").status == 0)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: sb.runroot + "/containers")) ?? []).isEmpty)
    }

    @Test(arguments: Mode.available)
    func after_a_simulated_reboot_running_containers_read_as_exited_and_start_again(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "-d", "--name", "svc", "--restart", "always", "img", "sleep", "100").status == 0)
        #expect(sb.berth("run", "-d", "--name", "plain", "img", "sleep", "100").status == 0)
        let rebooted = ["BERTH_TEST_BOOT_ID": "00000000-0000-0000-0000-000000000001"]
        // Another boot ID: what the records say ran before "the reboot" has ended, whatever its pid does now.
        let listed = sb.berth(["ps", "-a", "--format", "{{.Names}} {{.State}}"], env: rebooted)
        #expect(listed.stdout.split(separator: "\n").sorted() == ["plain exited", "svc exited"], "\(listed)")
        // A reboot ends every process: do that here, monitors first so nothing restarts.
        let pids = ["svc", "plain"].flatMap { name in
            ["{{.State.ConmonPid}}", "{{.State.Pid}}"].map { Int32(field(sb, name, $0)) ?? 0 }
        }
        for pid in pids { #expect(pid > 0 && kill(pid, SIGKILL) == 0, "\(pids)") }
        // What the documented boot unit runs: only the always containers come back.
        let started = sb.berth(["start", "--all", "--filter", "restart-policy=always"], env: rebooted)
        #expect(started.status == 0 && started.stdout == field(sb, "svc", "{{.Id}}") + "\n", "\(started)")
        let after = sb.berth(["ps", "-a", "--format", "{{.Names}} {{.State}}"], env: rebooted)
        #expect(after.stdout.split(separator: "\n").sorted() == ["plain exited", "svc running"], "\(after)")
        #expect(sb.berth(["start", "plain"], env: rebooted).status == 0, "a manual start works as well")
        #expect(sb.berth(["rm", "-f", "svc", "plain"], env: rebooted).status == 0)
    }

    @Test(arguments: Mode.available)
    func bad_restart_policies_are_refused_as_podman_refuses_them(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let cases = [
            (["--restart", "bogus"], "Error: running container create option: \"bogus\" is not a valid restart policy: invalid argument\n"),
            (["--restart", "always:3"], "Error: restart policy retries can only be specified with on-failure restart policy\n"),
            (["--restart", "on-failure:x"], "Error: parsing restart policy retry count: strconv.Atoi: parsing \"x\": invalid syntax\n"),
            (["--rm", "--restart", "always"], "Error: the --rm option conflicts with --restart, when the restartPolicy is not \"\" and \"no\"\n"),
        ]
        for (flags, message) in cases {
            let result = sb.berth(["create"] + flags + ["img", "true"])
            #expect(result.status == 125 && result.stderr == message, "\(flags): \(result)")
        }
        #expect(sb.berth("ps", "-a", "--format", "{{.Names}}").stdout.isEmpty, "nothing created")
    }
}
