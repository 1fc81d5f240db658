// Resource limits (issue 14): enforced as root on this host's cgroups (OOM kill
// with 137, the 21st process refused, a pinned cpuset, a CPU quota that holds a
// busy loop near its share, update live and kept for the next start, exec inside
// the limits), refused with the controller named where they cannot be honoured
// (rootless on v1), bad values refused before anything is created, and no cgroup
// directory left behind. Each test's containers live under a parent of its own.
import Foundation
import Testing
import TestSupport

/// A sandbox with the busybox image whose containers go under their own cgroup parent.
struct CgroupSandbox {
    let sb: Sandbox
    let parent = "/berth-test-\(UUID().uuidString.prefix(8).lowercased())"

    init(_ mode: Mode) throws { sb = try sandboxWithImage(mode) }

    @discardableResult
    func berth(_ args: String...) -> Sandbox.Result { sb.berth(args, env: ["BERTH_TEST_CGROUP_PARENT": parent]) }

    /// The container's cgroup directory for `controller` (v1) or its v2 directory,
    /// from the kernel's /proc/PID/cgroup of its process.
    func directory(_ id: String, _ controller: String) -> String? {
        let pid = berth("inspect", "--format", "{{.State.Pid}}", id).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            if fields[1].split(separator: ",").contains(Substring(controller)) { return "/sys/fs/cgroup/\(controller)\(fields[2])" }
        }
        return nil
    }

    /// The test's parent directories that exist, one per controller.
    var parentDirectories: [String] {
        let controllers = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []
        return controllers.map { "/sys/fs/cgroup/\($0)\(parent)" }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// The container cgroups left under the test's parent.
    var leftovers: [String] {
        parentDirectories.flatMap { dir in
            ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("berth-") }.map { dir + "/" + $0 }
        }
    }

    /// Removes the containers, then the test's parent directories; what was left.
    func cleanup() -> [String] {
        _ = berth("rm", "-a", "-f")
        let left = leftovers
        for dir in parentDirectories {
            // The monitors' shared cgroup (MonitorCgroup.swift), once the last monitor has exited.
            for _ in 0..<100 where FileManager.default.fileExists(atPath: dir + "/conmon") && rmdir(dir + "/conmon") != 0 { usleep(50_000) }
            rmdir(dir)
        }
        return left + sb.cleanup()
    }
}

/// Whether this host's v1 controllers are there for root (the machines here).
var hasV1Controllers: Bool { FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/cgroup.procs") }

func read(_ path: String?) -> String {
    guard let path, let text = try? String(contentsOfFile: path, encoding: .utf8) else { return "" }
    return text.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Expects `args` refused (RefusalExpectations.swift), run in the sandbox's cgroup parent.
func expectRefused(_ cg: CgroupSandbox, _ args: [String], containing message: String,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    expectRefused(cg.sb, args, containing: message, env: ["BERTH_TEST_CGROUP_PARENT": cg.parent], sourceLocation: sourceLocation)
}

@Suite struct CgroupLimitTests {
    @Test(arguments: Mode.available)
    func memory_limit_kills_an_allocation_past_it_with_137_or_is_refused_rootless(mode: Mode) throws {
        let cg = try CgroupSandbox(mode)
        defer { #expect(cg.cleanup().isEmpty) }
        if mode == .rootless && hasV1Controllers {
            // No delegation on v1: a plain run works, a limit is refused naming its controller.
            let plain = cg.berth("run", "--rm", "img", "echo", "ran")
            #expect(plain.status == 0 && plain.stdout == "ran\n", "\(plain)")
            expectRefused(cg, ["run", "--rm", "--memory", "32m", "img", "true"], containing: "--memory needs the memory cgroup controller")
            expectRefused(cg, ["create", "--cpus", "0.5", "img", "true"], containing: "--cpus needs the cpu cgroup controller")
            expectRefused(cg, ["run", "--pids-limit", "20", "img", "true"], containing: "delegat")
            return
        }
        let oom = cg.berth("run", "--name", "oom", "--memory", "32m", "img", "sh", "-c",
                           "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo survived")
        #expect(oom.status == 137 && !oom.stdout.contains("survived"), "\(oom)")
        let limits = cg.berth("inspect", "--format", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.State.ExitCode}}", "oom")
        #expect(limits.stdout == "33554432 67108864 137\n", "\(limits)")
        // Without a limit the same allocation is fine.
        let free = cg.berth("run", "--rm", "img", "sh", "-c", "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo survived")
        #expect(free.status == 0 && free.stdout == "survived\n", "\(free)")
    }

    @Test(arguments: Mode.available.filter { $0 == .root })
    func pids_limit_refuses_the_21st_process_and_defaults_to_2048(mode: Mode) throws {
        let cg = try CgroupSandbox(mode)
        defer { #expect(cg.cleanup().isEmpty) }
        // sh is the first process; 19 sleeps make 20; the 20th sleep is the 21st.
        let script = "for i in $(seq 1 19); do sleep 30 & done; sleep 30 & echo last=$?; kill $(jobs -p) 2>/dev/null; true"
        let limited = cg.berth("run", "--rm", "--pids-limit", "20", "img", "sh", "-c", script)
        #expect(limited.stderr.contains("can't fork"), "\(limited)")
        let unlimited = cg.berth("run", "--rm", "--pids-limit", "-1", "img", "sh", "-c", script)
        #expect(unlimited.status == 0 && unlimited.stdout == "last=0\n" && !unlimited.stderr.contains("can't fork"), "\(unlimited)")
        let id = cg.berth("run", "-d", "img", "sleep", "60").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(read(cg.directory(id, "pids").map { $0 + "/pids.max" }) == "2048", "podman's default")
        #expect(cg.berth("inspect", "--format", "{{.HostConfig.PidsLimit}}", id).stdout == "2048\n")
    }

    @Test(arguments: Mode.available.filter { $0 == .root })
    func cpuset_pins_and_cpus_holds_a_busy_loop_near_its_share(mode: Mode) throws {
        let cg = try CgroupSandbox(mode)
        defer { #expect(cg.cleanup().isEmpty) }
        let pinned = cg.berth("run", "--rm", "--cpuset-cpus", "0", "img", "grep", "Cpus_allowed_list", "/proc/self/status")
        #expect(pinned.status == 0 && pinned.stdout == "Cpus_allowed_list:\t0\n", "\(pinned)")
        let id = cg.berth("run", "-d", "--cpus", "0.5", "img", "sh", "-c", "while :; do :; done").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let usage = cg.directory(id, "cpuacct").map { $0 + "/cpuacct.usage" }
        let before = Double(read(usage)) ?? 0
        Thread.sleep(forTimeInterval: 2)
        let share = ((Double(read(usage)) ?? 0) - before) / 2e9
        #expect(share > 0.35 && share < 0.65, "a busy loop under --cpus 0.5 used \(share) of a CPU")
        #expect(cg.berth("inspect", "--format", "{{.HostConfig.NanoCpus}} {{.HostConfig.CpuPeriod}} {{.HostConfig.CpuQuota}}", id).stdout
                == "500000000 100000 50000\n")
    }

    @Test(arguments: Mode.available.filter { $0 == .root })
    func update_changes_limits_live_keeps_them_for_the_next_start_and_exec_joins(mode: Mode) throws {
        let cg = try CgroupSandbox(mode)
        defer { #expect(cg.cleanup().isEmpty) }
        let id = cg.berth("run", "-d", "--name", "upd", "--memory", "64m", "img", "sleep", "300").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let memory = cg.directory(id, "memory")
        #expect(read(memory.map { $0 + "/memory.limit_in_bytes" }) == "67108864")
        let updated = cg.berth("update", "--memory", "128m", "--pids-limit", "50", "upd")
        #expect(updated.status == 0 && updated.stdout == id + "\n", "\(updated)")
        #expect(read(memory.map { $0 + "/memory.limit_in_bytes" }) == "134217728", "raised live")
        #expect(read(cg.directory(id, "pids").map { $0 + "/pids.max" }) == "50")
        #expect(cg.berth("update", "--memory", "16m", "upd").status == 0)
        #expect(read(memory.map { $0 + "/memory.limit_in_bytes" }) == "16777216", "lowered live")
        // exec's process is inside the container's cgroup, so under its limits.
        let exec = cg.berth("exec", "upd", "sh", "-c", "x=$(head -c 50000000 /dev/zero | tr '\\0' a); echo survived")
        #expect(exec.status == 137 && !exec.stdout.contains("survived"), "\(exec)")
        let joined = cg.berth("exec", "upd", "cat", "/proc/self/cgroup")
        #expect(joined.stdout.contains("memory:\(cg.parent)/berth-\(id).scope"), "\(joined)")
        // Stored: a restart keeps the updated limit.
        #expect(cg.berth("restart", "-t", "0", "upd").status == 0)
        #expect(read(cg.directory(id, "memory").map { $0 + "/memory.limit_in_bytes" }) == "16777216")
        #expect(cg.berth("inspect", "--format", "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}", "upd").stdout == "16777216 50\n")
        let bad = cg.berth("update", "--memory", "1x", "upd")
        #expect(bad.status == 125 && bad.stderr.hasPrefix("Error: invalid --memory \"1x\""), "\(bad)")
    }

    @Test(arguments: Mode.available.filter { $0 == .root })
    func no_cgroup_is_left_after_rm_or_after_the_monitor_is_killed(mode: Mode) throws {
        let cg = try CgroupSandbox(mode)
        defer { #expect(cg.cleanup().isEmpty) }
        let id = cg.berth("run", "-d", "--memory", "64m", "img", "sleep", "300").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(cg.leftovers.count >= 5, "one directory per controller: \(cg.leftovers)")
        #expect(cg.berth("stop", "-t", "0", id).status == 0)
        #expect(cg.leftovers.isEmpty, "removed at exit: \(cg.leftovers)")
        #expect(cg.berth("start", id).status == 0)
        let monitor = cg.berth("inspect", "--format", "{{.State.ConmonPid}}", id).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        kill(pid_t(monitor) ?? 0, SIGKILL)
        Thread.sleep(forTimeInterval: 0.2)
        #expect(!cg.leftovers.isEmpty, "the container still runs in its cgroup")
        let removed = cg.berth("rm", "-f", id)
        #expect(removed.status == 0, "\(removed)")
        #expect(cg.leftovers.isEmpty, "rm -f after kill -9 of the monitor: \(cg.leftovers)")
        let foreground = cg.berth("run", "--rm", "--cpus", "1", "img", "true")
        #expect(foreground.status == 0 && cg.leftovers.isEmpty, "\(foreground)")
    }

    @Test(arguments: Mode.available)
    func bad_values_are_refused_before_anything_is_created(mode: Mode) throws {
        let cg = try CgroupSandbox(mode)
        defer { #expect(cg.cleanup().isEmpty) }
        for verb in ["run", "create"] {
            expectRefused(cg, [verb, "--memory", "1x", "img", "true"], containing: "invalid --memory \"1x\"")
            expectRefused(cg, [verb, "--cpus", "-1", "img", "true"], containing: "invalid --cpus -1")
            expectRefused(cg, [verb, "--pids-limit", "abc", "img", "true"],
                          containing: "invalid argument \"abc\" for \"--pids-limit\" flag")
            expectRefused(cg, [verb, "--memory", "1k", "img", "true"], containing: "the minimum memory limit is 6m")
            expectRefused(cg, [verb, "--blkio-weight", "5", "img", "true"], containing: "between 10 and 1000")
            expectRefused(cg, [verb, "--cgroups", "sometimes", "img", "true"], containing: "invalid --cgroups \"sometimes\"")
            expectRefused(cg, [verb, "--cgroups", "disabled", "--memory", "32m", "img", "true"], containing: "--cgroups=disabled")
            expectRefused(cg, [verb, "--device-read-bps", "/dev/nonexistent:1mb", "img", "true"], containing: "/dev/nonexistent")
            expectRefused(cg, [verb, "--device-cgroup-rule", "x 1:3 rwm", "img", "true"], containing: "invalid --device-cgroup-rule \"x 1:3 rwm\"")
            if mode == .root && hasV1Controllers {
                expectRefused(cg, [verb, "--cpuset-cpus", "99", "img", "true"], containing: "invalid --cpuset-cpus \"99\": CPUs 99 not available")
            }
        }
    }
}
