// Health checks as a user sees them: --health-* and the image's HEALTHCHECK, run
// by the C monitor's timer (no systemd), `healthcheck run` with podman's exit
// codes, State.Health in inspect, "(healthy)" in ps and ps --filter health=,
// --health-on-failure kill/stop/restart, and bad values refused before anything
// exists. Root and rootless.
import Foundation
import Testing
import TestSupport

private func field(_ sb: Sandbox, _ name: String, _ format: String) -> String {
    sb.berth("inspect", "--format", format, name).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

private func eventually(_ seconds: Double = 15, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.1)
    }
    return condition()
}

/// `ps -a` as "NAME STATUS" lines, the STATUS's "Up N seconds" left out.
private func healthColumn(_ sb: Sandbox) -> [String] {
    sb.berth("ps", "-a", "--format", "{{.Names}} {{.Status}}").stdout.split(separator: "\n").map { line in
        let words = line.split(separator: " ")
        let health = words.last.map { $0.hasPrefix("(") ? " " + $0 : "" } ?? ""
        return String(words[0]) + " " + String(words[1]) + health
    }.sorted()
}

@Suite struct HealthCheckTests {
    @Test(arguments: Mode.available)
    func the_monitor_runs_checks_and_ps_and_inspect_show_their_status(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "-d", "--name", "ok", "--health-cmd", "echo fine", "--health-interval", "300ms", "img", "sleep", "100").status == 0)
        #expect(sb.berth("run", "-d", "--name", "sick", "--health-cmd", "echo sick >&2; exit 2", "--health-interval", "300ms",
                         "--health-retries", "2", "img", "sleep", "100").status == 0)
        // No timer: only `healthcheck run` checks it, so it stays starting until then.
        #expect(sb.berth("run", "-d", "--name", "idle", "--health-cmd", "true", "--health-interval", "disable", "img", "sleep", "100").status == 0)
        #expect(sb.berth("run", "-d", "--name", "plain", "img", "sleep", "100").status == 0)
        #expect(eventually { healthColumn(sb) == ["idle Up (starting)", "ok Up (healthy)", "plain Up", "sick Up (unhealthy)"] },
                "\(healthColumn(sb))")
        #expect(field(sb, "idle", "{{json .State.Health}}") == #"{"Status":"starting","FailingStreak":0,"Log":null}"#)
        #expect(field(sb, "plain", "{{json .State.Health}}") == #"{"Status":"","FailingStreak":0,"Log":null}"#)

        // podman's State.Health: the streak, and each result with its exit code and output.
        #expect(field(sb, "sick", "{{.State.Health.Status}}") == "unhealthy")
        #expect((Int(field(sb, "sick", "{{.State.Health.FailingStreak}}")) ?? 0) >= 2)
        let last = field(sb, "sick", "{{with index .State.Health.Log 0}}{{.ExitCode}} {{.Output}}{{end}}")
        #expect(last == "2 sick", "\(last)")
        #expect(field(sb, "ok", "{{.State.Health.Status}} {{.State.Health.FailingStreak}} {{with index .State.Health.Log 0}}{{.ExitCode}} {{.Output}}{{end}}")
                == "healthy 0 0 fine")
        // Only the last five results are kept.
        #expect(eventually { field(sb, "ok", "{{len .State.Health.Log}}") == "5" })
        Thread.sleep(forTimeInterval: 0.7)
        #expect(field(sb, "ok", "{{len .State.Health.Log}}") == "5")
        #expect(field(sb, "sick", "{{.State.Status}} {{.RestartCount}}") == "running 0", "no --health-on-failure: it runs on")
        #expect(field(sb, "sick", "{{.Config.Healthcheck.Test}} {{.Config.Healthcheck.Retries}} {{.Config.HealthcheckOnFailureAction}}")
                == "[CMD-SHELL echo sick >&2; exit 2] 2 none")

        #expect(sb.berth("healthcheck", "run", "idle").status == 0)
        #expect(field(sb, "idle", "{{.State.Health.Status}}") == "healthy")
        let filtered = sb.berth("ps", "--filter", "health=healthy", "--format", "{{.Names}}").stdout
        #expect(filtered.split(separator: "\n").sorted() == ["idle", "ok"], "\(filtered)")
        #expect(sb.berth("ps", "--filter", "health=unhealthy", "--format", "{{.Names}}").stdout == "sick\n")
        #expect(sb.berth("rm", "-f", "-t", "0", "ok", "sick", "idle", "plain").status == 0)
    }

    @Test(arguments: Mode.available)
    func unhealthy_with_on_failure_restart_is_restarted_by_its_monitor(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "-d", "--name", "svc", "--health-cmd", "false", "--health-interval", "300ms", "--health-retries", "2",
                         "--health-on-failure", "restart", "img", "sleep", "100").status == 0)
        let first = field(sb, "svc", "{{.State.Pid}}")
        let monitor = field(sb, "svc", "{{.State.ConmonPid}}")
        #expect(eventually(20) { (Int(field(sb, "svc", "{{.RestartCount}}")) ?? 0) >= 1 && field(sb, "svc", "{{.State.Status}}") == "running" })
        #expect(field(sb, "svc", "{{.State.Pid}}") != first)
        #expect(field(sb, "svc", "{{.State.ConmonPid}}") == monitor, "restarted by the same monitor, as the restart policy is")
        #expect(field(sb, "svc", "{{.HostConfig.RestartPolicy.Name}}") == "", "no restart policy was needed")
        // It keeps failing, so it keeps being restarted until the user stops it.
        #expect(eventually(20) { (Int(field(sb, "svc", "{{.RestartCount}}")) ?? 0) >= 2 })
        #expect(sb.berth("stop", "-t", "0", "svc").status == 0)
        Thread.sleep(forTimeInterval: 1)
        #expect(field(sb, "svc", "{{.State.Status}}") == "exited", "a stop by the user ends it")
        #expect(sb.berth("rm", "svc").status == 0)
    }

    @Test(arguments: Mode.available)
    func on_failure_kill_and_stop_end_the_container(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        // kill: SIGKILL (137), and like a kill by the user it ends the restart policy.
        #expect(sb.berth("run", "-d", "--name", "killed", "--restart", "always", "--health-cmd", "false", "--health-interval", "300ms",
                         "--health-retries", "1", "--health-on-failure", "kill", "img", "sleep", "100").status == 0)
        // stop: the stop signal first; with --init, sleep dies of SIGTERM (143), not SIGKILL.
        #expect(sb.berth("run", "-d", "--name", "stopped", "--init", "--health-cmd", "exit 1", "--health-interval", "300ms",
                         "--health-retries", "1", "--health-on-failure", "stop", "img", "sleep", "100").status == 0)
        #expect(eventually { field(sb, "killed", "{{.State.Status}} {{.State.ExitCode}}") == "exited 137" })
        #expect(eventually { field(sb, "stopped", "{{.State.Status}} {{.State.ExitCode}}") == "exited 143" })
        Thread.sleep(forTimeInterval: 1)
        #expect(field(sb, "killed", "{{.State.Status}} {{.RestartCount}} {{.State.Health.Status}}") == "exited 0 unhealthy")
        #expect(field(sb, "stopped", "{{.State.Status}} {{.State.ConmonPid}}") == "exited 0")
        #expect(sb.berth("ps", "-a", "--format", "{{.Names}} {{.Status}}").stdout.contains("healthy)") == false, "no health suffix once exited (Exited (137) has its own parentheses)")
        #expect(sb.berth("rm", "killed", "stopped").status == 0)
    }

    @Test(arguments: Mode.available)
    func a_built_image_healthcheck_is_run_and_flags_override_or_disable_it(mode: Mode) throws {
        let sb = try buildSandbox(mode, files: ["Containerfile": """
            FROM img
            HEALTHCHECK --interval=300ms --retries=1 CMD ["sh", "-c", "test -e /tmp/ready"]
            """])
        defer { #expect(sb.cleanup().isEmpty) }
        // docker format: OCI image configs have no Healthcheck (podman's build drops it too).
        let built = berthBuild(sb, ["--format", "docker", "-t", "checked"])
        #expect(built.status == 0, "\(built)")
        #expect(sb.berth("run", "-d", "--name", "app", "checked", "sleep", "100").status == 0)
        #expect(field(sb, "app", "{{json .Config.Healthcheck}}")
                == #"{"Test":["CMD","sh","-c","test -e /tmp/ready"],"Interval":300000000,"Timeout":30000000000,"Retries":1}"#)
        #expect(eventually { field(sb, "app", "{{.State.Health.Status}}") == "unhealthy" })
        #expect(sb.berth("exec", "app", "touch", "/tmp/ready").status == 0)
        #expect(eventually { field(sb, "app", "{{.State.Health.Status}}") == "healthy" })

        // A flag overrides one field of the image's check and keeps the rest.
        #expect(sb.berth("create", "--name", "tuned", "--health-retries", "4", "--health-interval", "disable", "checked").status == 0)
        #expect(field(sb, "tuned", "{{json .Config.Healthcheck}}")
                == #"{"Test":["CMD","sh","-c","test -e /tmp/ready"],"Timeout":30000000000,"Retries":4}"#)
        // --no-healthcheck and --health-cmd none disable it.
        for (name, flags) in [("off", ["--no-healthcheck"]), ("none", ["--health-cmd", "none"])] {
            #expect(sb.berth(["run", "-d", "--name", name] + flags + ["checked", "sleep", "100"]).status == 0)
            let run = sb.berth("healthcheck", "run", name)
            let id = field(sb, name, "{{.Id}}")
            #expect(run.status == 125 && run.stderr == "Error: container \(id) has no defined healthcheck\n", "\(run)")
            #expect(field(sb, name, "{{index .Config.Healthcheck.Test 0}}") == "NONE")
        }
        #expect(healthColumn(sb).filter { $0.hasPrefix("off ") || $0.hasPrefix("none ") } == ["none Up", "off Up"])
        #expect(sb.berth("rm", "-f", "-t", "0", "app", "tuned", "off", "none").status == 0)
    }

    @Test(arguments: Mode.available)
    func healthcheck_run_exit_codes_timeout_and_start_period(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("create", "--name", "made", "--health-cmd", "true", "img", "sleep", "100").status == 0)
        let made = sb.berth("healthcheck", "run", "made")
        #expect(made.status == 125 && made.stderr == "Error: container \(field(sb, "made", "{{.Id}}")) is not running\n", "\(made)")
        let missing = sb.berth("healthcheck", "run", "nope")
        #expect(missing.status == 125 && missing.stderr
                == "Error: unable to look up nope to perform a health check: no container with name or ID \"nope\" found: no such container\n")
        #expect(sb.berth("run", "-d", "--name", "plain", "img", "sleep", "100").status == 0)
        #expect(sb.berth("healthcheck", "run", "plain").status == 125)

        // A start period: failures do not count until it ends or a check passes.
        #expect(sb.berth("run", "-d", "--name", "app", "--health-cmd", "test -e /tmp/ready", "--health-interval", "disable",
                         "--health-retries", "1", "--health-start-period", "1m", "img", "sleep", "100").status == 0)
        let failed = sb.berth("healthcheck", "run", "app")
        #expect(failed.status == 1 && failed.stdout == "unhealthy\n", "\(failed)")
        #expect(field(sb, "app", "{{.State.Health.Status}} {{.State.Health.FailingStreak}}") == "starting 0")
        #expect(sb.berth("exec", "app", "touch", "/tmp/ready").status == 0)
        let passed = sb.berth("healthcheck", "run", "app")
        #expect(passed.status == 0 && passed.stdout.isEmpty && passed.stderr.isEmpty, "\(passed)")
        #expect(sb.berth("exec", "app", "rm", "/tmp/ready").status == 0)
        #expect(sb.berth("healthcheck", "run", "app").status == 1)
        #expect(field(sb, "app", "{{.State.Health.Status}} {{.State.Health.FailingStreak}}") == "unhealthy 1", "a success ended the start period")
        #expect(field(sb, "app", "{{len .State.Health.Log}}") == "3")

        // The timeout kills the check and counts as a failure (podman's exit code -1).
        #expect(sb.berth("run", "-d", "--name", "slow", "--health-cmd", "sleep 30", "--health-timeout", "500ms",
                         "--health-interval", "disable", "img", "sleep", "100").status == 0)
        let began = Date()
        let slow = sb.berth("healthcheck", "run", "slow")
        #expect(slow.status == 1 && Date().timeIntervalSince(began) < 10, "\(slow)")
        #expect(field(sb, "slow", "{{with index .State.Health.Log 0}}{{.ExitCode}} {{.Output}}{{end}}")
                == "-1 healthcheck command exceeded timeout of 500ms")
        // A command that is not there is a failed check, not berth's error.
        #expect(sb.berth("run", "-d", "--name", "broken", "--health-cmd", #"["/no/such", "x"]"#, "--health-interval", "disable",
                         "img", "sleep", "100").status == 0)
        #expect(sb.berth("healthcheck", "run", "broken").status == 1)
        #expect(field(sb, "broken", "{{json .Config.Healthcheck.Test}}") == #"["CMD","/no/such","x"]"#)
        #expect(sb.berth("rm", "-f", "-t", "0", "made", "plain", "app", "slow", "broken").status == 0)
    }

    @Test(arguments: Mode.available)
    func bad_health_values_are_refused_and_create_nothing(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let cases = [
            (["--health-interval", "abc"], "Error: invalid healthcheck-interval: time: invalid duration \"abc\"\n"),
            (["--health-retries", "-1"], "Error: invalid argument \"-1\" for \"--health-retries\" flag: strconv.ParseUint: parsing \"-1\": invalid syntax\n"),
            (["--health-on-failure", "foo"], "Error: invalid on-failure action \"foo\" for health check: supported actions are none,kill,restart,stop\n"),
            (["--health-retries", "0"], "Error: healthcheck-retries must be greater than 0\n"),
            (["--health-timeout", "0s"], "Error: healthcheck-timeout must be at least 1 second\n"),
            (["--health-start-period", "-1s"], "Error: healthcheck-start-period must be 0 seconds or greater\n"),
            (["--no-healthcheck", "--health-cmd", "true"], "Error: cannot specify both --no-healthcheck and --health-cmd\n"),
        ]
        for (flags, message) in cases {
            for verb in ["create", "run"] {
                let command = flags.contains("--health-cmd") ? [] : ["--health-cmd", "true"]
                let result = sb.berth([verb] + flags + command + ["img", "true"])
                #expect(result.status == 125 && result.stderr == message && result.stdout.isEmpty, "\(verb) \(flags): \(result)")
            }
        }
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty, "nothing created")
    }
}
