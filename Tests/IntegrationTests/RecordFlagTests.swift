// run/create flags podman scripts rely on that berth records and honours: --tz,
// --timeout, --stop-timeout, --annotation, --unsetenv(-all); inspect -l and logs -l.
// What a user sees, root and rootless; a bad value is one Error: line and no container.
import Foundation
import Testing
import TestSupport

/// busybox's md5sum of a file inside the container, or the host's.
private func md5(_ sb: Sandbox, tz: String) -> String {
    let result = sb.berth("run", "--rm", "--tz", tz, "img", "/bin/busybox", "md5sum", "/etc/localtime")
    #expect(result.status == 0, "\(result)")
    return String(result.stdout.prefix(32))
}

private func hostMD5(_ sb: Sandbox, _ path: String) -> String {
    let result = sb.run("/bin/busybox", ["md5sum", path], asTestUser: false)
    return String(result.stdout.prefix(32))
}

private func trimmed(_ result: Sandbox.Result) -> String { result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) }

@Suite struct RecordFlagTests {
    @Test(arguments: Mode.available)
    func tz_binds_the_host_zone_file_at_etc_localtime(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(md5(sb, tz: "Asia/Tokyo") == hostMD5(sb, "/usr/share/zoneinfo/Asia/Tokyo"))
        #expect(md5(sb, tz: "local") == hostMD5(sb, "/etc/localtime"))
        let date = sb.berth("run", "--rm", "--tz", "Asia/Tokyo", "img", "date", "+%Z")
        #expect(date.stdout == "JST\n", "\(date)")
        let created = sb.berth("create", "--name", "zoned", "--tz", "Asia/Tokyo", "img", "true")
        #expect(created.status == 0)
        #expect(trimmed(sb.berth("inspect", "-f", "{{.Config.Timezone}}", "zoned")) == "Asia/Tokyo")

        for zone in ["Nowhere/Atlantis", "../../../etc/passwd"] {
            let refused = sb.berth("run", "--rm", "--tz", zone, "img", "true")
            #expect(refused.status == 125 && refused.stderr.hasPrefix("Error: finding timezone \(zone)")
                    && refused.stderr.split(separator: "\n").count == 1, "\(refused)")
        }
        #expect(sb.berth("ps", "-aq").stdout.split(separator: "\n").count == 1, "a refused --tz creates nothing")
    }

    @Test(arguments: Mode.available)
    func timeout_kills_a_foreground_and_a_detached_container(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let began = Date()
        let foreground = sb.berth("run", "--rm", "--timeout", "1", "img", "sleep", "100")
        let took = Date().timeIntervalSince(began)
        #expect(foreground.status == 137, "SIGKILL, as podman's: \(foreground)")
        #expect(took >= 1 && took < 10, "\(took) s")
        let quick = sb.berth("run", "--rm", "--timeout", "30", "img", "sh", "-c", "exit 3")
        #expect(quick.status == 3, "a container done in time keeps its own code: \(quick)")

        #expect(sb.berth("run", "-d", "--name", "bg", "--timeout", "1", "img", "sleep", "100").status == 0)
        let waited = sb.berth("wait", "bg")
        #expect(waited.stdout == "137\n", "the monitor applies it: \(waited)")
        #expect(trimmed(sb.berth("inspect", "-f", "{{.Config.Timeout}} {{.State.ExitCode}}", "bg")) == "1 137")

        let bad = sb.berth("run", "--timeout", "soon", "img", "true")
        #expect(bad.status == 125 && bad.stderr.hasPrefix("Error: invalid argument \"soon\" for \"--timeout\" flag"), "\(bad)")
        #expect(sb.berth("ps", "-aq").stdout.split(separator: "\n").count == 1)
    }

    @Test(arguments: Mode.available)
    func stop_timeout_is_what_stop_waits_and_inspect_shows(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "-d", "--name", "quick", "--stop-timeout", "1", "img", "sleep", "100").status == 0)
        #expect(sb.berth("create", "--name", "plain", "img", "true").status == 0)
        #expect(trimmed(sb.berth("inspect", "-f", "{{.Config.StopTimeout}}", "quick", "plain")) == "1\n10")
        // sleep as pid 1 ignores SIGTERM: without -t, stop waits the recorded second, then SIGKILL.
        let began = Date()
        let stopped = sb.berth("stop", "quick")
        let took = Date().timeIntervalSince(began)
        #expect(stopped.status == 0 && stopped.stdout == "quick\n", "\(stopped)")
        #expect(took >= 1 && took < 6, "\(took) s, not podman's default 10")
        let bad = sb.berth("create", "--stop-timeout", "-1", "img", "true")
        #expect(bad.status == 125 && bad.stderr.hasPrefix("Error: invalid argument \"-1\" for \"--stop-timeout\" flag"), "\(bad)")
    }

    @Test(arguments: Mode.available)
    func stop_kills_after_the_timeout_and_returns_at_once_with_init_or_a_term_handler(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { #expect(sb.berth("rm", "-a", "-f", "-t", "0").status == 0) }
        #expect(sb.berth("run", "-d", "--name", "deaf", "img", "sleep", "100").status == 0)
        #expect(sb.berth("run", "-d", "--name", "inited", "--init", "img", "sleep", "100").status == 0)
        #expect(sb.berth("run", "-d", "--name", "trapped", "img", "sh", "-c", "trap 'exit 3' TERM; while :; do sleep 0.1; done").status == 0)
        Thread.sleep(forTimeInterval: 0.3)  // the trap is set once sh has read its script

        var began = Date()
        #expect(sb.berth("stop", "-t", "2", "deaf").status == 0)
        let deaf = Date().timeIntervalSince(began)
        #expect(deaf >= 2 && deaf < 5, "sleep as pid 1 ignores SIGTERM: the timeout, then SIGKILL (\(deaf) s)")
        #expect(trimmed(sb.berth("inspect", "-f", "{{.State.ExitCode}}", "deaf")) == "137")

        for (name, code) in [("inited", "143"), ("trapped", "3")] {
            began = Date()
            #expect(sb.berth("stop", "-t", "10", name).status == 0)
            let took = Date().timeIntervalSince(began)
            #expect(took < 2, "\(name) ends on SIGTERM: stop returns at once (\(took) s)")
            #expect(trimmed(sb.berth("inspect", "-f", "{{.State.ExitCode}}", name)) == code)
        }
    }

    @Test(arguments: Mode.available)
    func annotations_are_recorded_and_latest_picks_the_newest(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "--name", "old", "img", "echo", "old output").status == 0)
        Thread.sleep(forTimeInterval: 0.05)
        #expect(sb.berth("run", "--name", "new", "--annotation", "team=berth", "--annotation", "eq=a=b",
                         "img", "echo", "new output").status == 0)
        let shown = sb.berth("inspect", "-l", "-f", "{{.Name}} {{.Config.Annotations}}")
        #expect(shown.stdout == "new map[eq:a=b team:berth]\n", "\(shown)")
        #expect(trimmed(sb.berth("container", "inspect", "--latest", "-f", "{{index .Config.Annotations \"team\"}}")) == "berth")
        let both = sb.berth("inspect", "-l", "old")
        #expect(both.status == 125 && both.stderr.hasPrefix("Error: --latest"), "\(both)")

        let bad = sb.berth("create", "--annotation", "novalue", "img", "true")
        #expect(bad.status == 125 && bad.stderr == "Error: invalid annotation \"novalue\": annotations must be formatted KEY=VALUE\n", "\(bad)")
        #expect(sb.berth("ps", "-aq").stdout.split(separator: "\n").count == 2)
    }

    @Test(arguments: Mode.available)
    func unsetenv_drops_default_variables_but_not_e(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let some = sb.berth("run", "--rm", "--unsetenv", "PATH", "-e", "KEEP=1", "img", "/bin/busybox", "env")
        #expect(some.status == 0 && !some.stdout.contains("PATH=") && some.stdout.contains("KEEP=1\n")
                && some.stdout.contains("container=berth\n"), "\(some)")
        let all = sb.berth("run", "--rm", "--unsetenv-all", "-e", "KEEP=1", "img", "/bin/busybox", "env")
        #expect(all.status == 0 && !all.stdout.contains("PATH=") && !all.stdout.contains("container=")
                && all.stdout.contains("KEEP=1\n"), "\(all)")
    }
}

@Suite struct RunRemovalFlagTests {
    @Test(arguments: Mode.available)
    func env_merge_expands_the_image_defaults(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let merged = sb.berth("run", "--rm", "--env-merge", "PATH=${PATH}:/opt/tools", "img", "/bin/busybox", "env")
        #expect(merged.status == 0 && merged.stdout.contains("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/tools\n"), "\(merged)")
    }

    @Test(arguments: Mode.available)
    func rmi_removes_the_image_after_the_container_unless_another_uses_it(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("create", "--name", "user", "img", "true").status == 0)
        let kept = sb.berth("run", "--rmi", "img", "sh", "-c", "exit 3")
        #expect(kept.status == 3 && kept.stderr.isEmpty, "the container's code; an image in use is kept quietly: \(kept)")
        #expect(sb.berth("image", "exists", "img").status == 0)
        #expect(sb.berth("ps", "-aq").stdout.split(separator: "\n").count == 1, "--rmi implies --rm")

        #expect(sb.berth("rm", "user").status == 0)
        let removed = sb.berth("run", "--rmi", "img", "sh", "-c", "exit 0")
        #expect(removed.status == 0, "\(removed)")
        #expect(sb.berth("image", "exists", "img").status == 1, "the image is gone with its last container")
        #expect(sb.berth("ps", "-aq").stdout.isEmpty)
    }
}

@Suite struct LatestLogsTests {
    @Test(arguments: Mode.available)
    func logs_latest_shows_the_newest_containers_output(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "-d", "--name", "first", "img", "echo", "first").status == 0)
        #expect(sb.berth("wait", "first").status == 0)
        Thread.sleep(forTimeInterval: 0.05)
        #expect(sb.berth("run", "-d", "--name", "second", "img", "echo", "second").status == 0)
        #expect(sb.berth("wait", "second").status == 0)
        let logs = sb.berth("logs", "-l")
        #expect(logs.status == 0 && logs.stdout == "second\n", "\(logs)")
    }
}
