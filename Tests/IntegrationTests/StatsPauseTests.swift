// stats, pause/unpause and OOMKilled as a podman user sees them: read from and acting
// on each container's own cgroup (root: this machine's v1 controllers). Rootless on
// v1 has no cgroup to read or freeze: a clear Error. The v2 half: ci/cgroupv2-check.
import Foundation
import Testing
import TestSupport

@Suite struct StatsPauseTests {
    /// The JSON objects `stats --no-stream --format json` printed, by container name.
    func statsJSON(_ sb: Sandbox, _ names: [String]) -> [String: [String: String]] {
        let out = sb.berth(["stats", "--no-stream", "--format", "json"] + names)
        guard out.status == 0, let list = try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: String]] else {
            Issue.record("stats --format json: \(out)")
            return [:]
        }
        return Dictionary(list.map { ($0["name"] ?? "", $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// "20.97MB / 67.11MB" → (20.97e6, 67.11e6), as go-units' decimal units read.
    func bytesPair(_ text: String?) -> (Double, Double)? {
        let parts = (text ?? "").components(separatedBy: " / ")
        guard parts.count == 2 else { return nil }
        func value(_ s: String) -> Double? {
            let units: [(String, Double)] = [("kB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("B", 1)]
            for (unit, scale) in units where s.hasSuffix(unit) { return Double(s.dropLast(unit.count)).map { $0 * scale } }
            return nil
        }
        guard let a = value(parts[0]), let b = value(parts[1]) else { return nil }
        return (a, b)
    }

    @Test func stats_of_a_busy_loop_and_a_memory_hog() throws {
        let sb = try sandboxWithImage(.root)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { #expect(sb.berth("rm", "-a", "-f", "-t", "0").status == 0) }
        #expect(sb.berth("run", "-d", "--name", "busy", "img", "sh", "-c", "while :; do :; done").status == 0)
        // tmpfs pages are charged to the cgroup of the process that wrote them.
        #expect(sb.berth("run", "-d", "--name", "hog", "--memory", "64m", "img", "sh", "-c",
                         "head -c 20000000 /dev/zero > /dev/shm/fill; sleep 1000").status == 0)
        #expect(sb.berth("create", "--name", "idle", "img", "true").status == 0)
        Thread.sleep(forTimeInterval: 2)

        let stats = statsJSON(sb, [])
        #expect(Set(stats.keys) == ["busy", "hog"], "running containers only: \(stats)")
        let busyCPU = Double(stats["busy"]?["cpu_percent"]?.dropLast() ?? "") ?? 0
        #expect(busyCPU > 20, "a busy loop shows its CPU: \(stats["busy"] ?? [:])")
        // sh -c execs its last command: one process each.
        #expect(stats["busy"]?["pids"] == "1" && stats["hog"]?["pids"] == "1", "\(stats)")
        let memory = bytesPair(stats["hog"]?["mem_usage"])
        #expect(memory.map { $0.0 >= 20e6 && $0.0 < 40e6 } == true, "the hog's 20 MB: \(stats["hog"] ?? [:])")
        #expect(memory?.1 == 67.11e6, "--memory 64m is the limit shown: \(stats["hog"] ?? [:])")
        #expect(stats["hog"]?["mem_percent"].map { $0.hasPrefix("3") || $0.hasPrefix("2") } == true, "\(stats["hog"] ?? [:])")

        let table = sb.berth("stats", "--no-stream", "busy")
        let header = table.stdout.split(separator: "\n").first.map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(table.status == 0 && header == "ID NAME CPU % MEM USAGE / LIMIT MEM % NET IO BLOCK IO PIDS CPU TIME AVG CPU %", "\(table)")
        #expect(table.stdout.split(separator: "\n").count == 2, "one row: \(table)")
        let all = sb.berth("stats", "--no-stream", "-a", "--format", "{{.Name}} {{.MemUsage}} {{.CPUPerc}} {{.PIDS}}")
        #expect(all.status == 0 && all.stdout.contains("idle 0B / 0B 0.00% 0\n"), "-a shows a container that never ran, at zero: \(all)")
        let template = sb.berth("stats", "--no-stream", "--format", "table {{.ID}} {{.MemUsageBytes}}", "hog")
        #expect(template.stdout.hasPrefix("ID") && template.stdout.contains("MEM USAGE / LIMIT") && template.stdout.contains("/ 64MiB"), "\(template)")

        // Streaming: a report per interval, without the screen reset when a format is given.
        let streamed = sb.run("timeout", ["--preserve-status", "-s", "INT", "2.5", Sandbox.binary, "--root", sb.root, "--runroot", sb.runroot,
                                          "stats", "--interval", "1", "--format", "{{.Name}}", "busy"], asTestUser: false)
        #expect(streamed.status == 130 && streamed.stdout.hasPrefix("busy\nbusy\n"), "a report a second until SIGINT: \(streamed)")
        let bad = sb.berth("stats", "--no-stream", "--interval", "0")
        #expect(bad.status == 125 && bad.stderr == "Error: stats requires an interval greater than 0\n", "\(bad)")
        let missing = sb.berth("stats", "--no-stream", "nosuch")
        #expect(missing.status == 125 && missing.stderr.contains("no container with name or ID \"nosuch\" found"), "\(missing)")
    }

    @Test func pause_stops_a_counter_and_unpause_resumes_it() throws {
        let sb = try sandboxWithImage(.root)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { #expect(sb.berth("rm", "-a", "-f", "-t", "0").status == 0) }
        #expect(sb.berth("run", "-d", "--name", "counter", "img", "sh", "-c", "i=0; while :; do i=$((i+1)); echo $i; sleep 0.05; done").status == 0)
        Thread.sleep(forTimeInterval: 0.5)
        let lines = { sb.berth("logs", "counter").stdout.split(separator: "\n").count }

        let paused = sb.berth("pause", "counter")
        #expect(paused.status == 0 && paused.stdout == "counter\n", "\(paused)")
        let frozenAt = lines()
        Thread.sleep(forTimeInterval: 1)
        #expect(lines() == frozenAt, "a paused counter does not advance")
        #expect(sb.berth("ps", "--format", "{{.Names}} {{.Status}} {{.State}}").stdout == "counter Paused paused\n")
        #expect(sb.berth("ps", "-q", "--filter", "status=paused").stdout.count == 13)
        #expect(sb.berth("inspect", "--format", "{{.State.Status}} {{.State.Running}} {{.State.Paused}}", "counter").stdout == "paused false true\n")
        #expect(sb.berth("exec", "counter", "true").stderr == "Error: can only create exec sessions on running containers: container state improper\n")
        #expect(sb.berth("pause", "counter").stderr == "Error: \"counter\" is not running, can't pause: container state improper\n")

        let unpaused = sb.berth("unpause", "counter")
        #expect(unpaused.status == 0 && unpaused.stdout == "counter\n", "\(unpaused)")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(lines() > frozenAt, "unpause resumes the counter")
        #expect(sb.berth("inspect", "--format", "{{.State.Status}} {{.State.Paused}}", "counter").stdout == "running false\n")
        #expect(sb.berth("unpause", "counter").stderr == "Error: \"counter\" is not paused, can't unpause: container state improper\n")
        let events = sb.berth("events", "--stream=false", "--filter", "container=counter", "--format", "{{.Status}}")
        #expect(events.stdout.contains("pause\nunpause\n"), "\(events)")

        // A paused container still stops: the signal is followed by a thaw.
        #expect(sb.berth("pause", "-a").stdout.count == 65)
        let stopped = sb.berth("stop", "-t", "5", "counter")
        #expect(stopped.status == 0, "\(stopped)")
        #expect(sb.berth("ps", "-a", "--format", "{{.State}}").stdout == "exited\n")
    }

    @Test func oom_killed_after_a_32m_oom() throws {
        let sb = try sandboxWithImage(.root)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { #expect(sb.berth("rm", "-a", "-f", "-t", "0").status == 0) }
        // tail keeps its one endless "line" of /dev/zero in memory until the OOM killer comes.
        let oom = sb.berth("run", "--name", "oom", "--memory", "32m", "img", "tail", "/dev/zero")
        #expect(oom.status == 137, "\(oom)")
        #expect(sb.berth("inspect", "--format", "{{.State.OOMKilled}} {{.State.ExitCode}}", "oom").stdout == "true 137\n")
        #expect(sb.berth("run", "--name", "fine", "--memory", "32m", "img", "true").status == 0)
        #expect(sb.berth("inspect", "--format", "{{.State.OOMKilled}}", "fine").stdout == "false\n")
        // Killed by a signal, not the OOM killer: not OOMKilled.
        #expect(sb.berth("run", "-d", "--name", "killed", "--memory", "32m", "img", "sleep", "100").status == 0)
        #expect(sb.berth("kill", "killed").status == 0)
        #expect(sb.berth("wait", "killed").stdout == "137\n")
        #expect(sb.berth("inspect", "--format", "{{.State.OOMKilled}}", "killed").stdout == "false\n")
    }

    /// Rootless on cgroup v1 gets no delegation, so its containers have no cgroup:
    /// stats and pause say so instead of showing zeros or failing on a file.
    @Test(.enabled(if: Mode.available.contains(.rootless) && FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory")))
    func rootless_stats_and_pause_without_cgroups_give_a_clear_error() throws {
        let sb = try sandboxWithImage(.rootless)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { #expect(sb.berth("rm", "-a", "-f", "-t", "0").status == 0) }
        #expect(sb.berth("run", "-d", "--name", "web", "img", "sleep", "1000").status == 0)
        let stats = sb.berth("stats", "--no-stream")
        #expect(stats.status == 125 && stats.stderr.hasPrefix("Error: cannot read the stats of container web: it has no cgroup of its own"), "\(stats)")
        let pause = sb.berth("pause", "web")
        #expect(pause.status == 125 && pause.stderr.hasPrefix("Error: cannot pause container web: it has no cgroup to freeze"), "\(pause)")
        #expect(sb.berth("ps", "--format", "{{.State}}").stdout == "running\n", "nothing changed")
        let idle = sb.berth("stats", "--no-stream", "-a", "--format", "{{.Name}}", "--interval", "1")
        #expect(idle.status == 125, "a running container without a cgroup fails -a too: \(idle)")
        #expect(sb.berth("stop", "-t", "0", "web").status == 0)
        let stopped = sb.berth("stats", "--no-stream", "-a", "--format", "{{.Name}} {{.CPUPerc}}")
        #expect(stopped.status == 0 && stopped.stdout == "web 0.00%\n", "a stopped container reads as zero: \(stopped)")
    }
}
