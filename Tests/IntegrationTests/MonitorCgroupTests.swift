// Where a detached container's monitor runs per --cgroups, read from the kernel's
// /proc/PID/cgroup as podman 4.3 places conmon here (checked with podman --runtime
// runc on this host: enabled → PARENT/conmon, no-conmon → the caller's cgroup),
// and --cgroup-manager systemd refused with the reason on a host without systemd.
// Root runs on this host's v1 controllers; rootless on v1 has no cgroup, so its
// monitor stays where it was started whatever the mode.
import Foundation
import Testing
import TestSupport

/// The cgroup path of `controller` in /proc/PID/cgroup ("" for a v2 line).
private func cgroupPath(_ pid: String, _ controller: String) -> String? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") {
        let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3 else { continue }
        if controller.isEmpty ? fields[1].isEmpty : fields[1].split(separator: ",").contains(Substring(controller)) { return String(fields[2]) }
    }
    return nil
}

private var hasV1Memory: Bool { FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/cgroup.procs") }

/// Removes a test's cgroup directories (children first), waiting for monitors that are still exiting.
private func removeCgroupTree(_ directories: [String]) {
    for directory in directories.sorted(by: { $0.count > $1.count }) {
        for _ in 0..<100 where FileManager.default.fileExists(atPath: directory) {
            if rmdir(directory) == 0 { break }
            usleep(50_000)
        }
    }
}

@Suite struct MonitorCgroupTests {
    @Test(arguments: Mode.available)
    func monitor_runs_in_the_parents_conmon_cgroup_or_the_callers_per_cgroups_mode(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        let parent = "/berth-test-\(UUID().uuidString.prefix(8).lowercased())"
        let env = ["BERTH_TEST_CGROUP_PARENT": parent]
        let controllers = ["memory", "pids", "cpu", "cpuacct", "cpuset", "blkio", "devices", "freezer"]
        defer {
            _ = sb.berth(["rm", "-a", "-f"], env: env)
            removeCgroupTree(controllers.flatMap { ["/sys/fs/cgroup/\($0)\(parent)/conmon", "/sys/fs/cgroup/\($0)\(parent)"] })
            #expect(sb.cleanup().isEmpty)
        }
        let caller = try #require(cgroupPath("self", "memory") ?? cgroupPath("self", ""))
        for cgroups in ["enabled", "no-conmon", "disabled"] {
            let run = sb.berth(["run", "-d", "--name", "m-\(cgroups)", "--cgroups=\(cgroups)", "img", "sleep", "100"], env: env)
            try #require(run.status == 0, "\(cgroups): \(run)")
            let pids = sb.berth(["inspect", "--format", "{{.State.ConmonPid}} {{.State.Pid}}", "m-\(cgroups)"], env: env).stdout.split(separator: " ")
            try #require(pids.count == 2)
            let monitor = String(pids[0]), container = String(pids[1].filter { !$0.isNewline })
            let monitorMemory = cgroupPath(monitor, "memory") ?? cgroupPath(monitor, "")
            let containerMemory = cgroupPath(container, "memory") ?? cgroupPath(container, "")
            if mode == .root && hasV1Memory {
                switch cgroups {
                case "enabled":
                    #expect(monitorMemory == parent + "/conmon", "monitor of --cgroups=enabled")
                    #expect(cgroupPath(monitor, "pids") == parent + "/conmon")
                    #expect(containerMemory?.hasPrefix(parent + "/berth-") == true, "container: \(containerMemory ?? "-")")
                case "no-conmon":
                    #expect(monitorMemory == caller, "monitor of --cgroups=no-conmon stays in the caller's cgroup")
                    #expect(containerMemory?.hasPrefix(parent + "/berth-") == true, "container: \(containerMemory ?? "-")")
                default:
                    #expect(monitorMemory == caller && containerMemory == caller, "--cgroups=disabled: no cgroup for either")
                }
            } else {
                // Rootless on v1: no cgroup is delegated, so the monitor is never moved.
                #expect(monitorMemory == caller, "\(mode) --cgroups=\(cgroups): monitor in \(monitorMemory ?? "-")")
            }
        }
    }

    @Test(.enabled(if: Mode.available.contains(.root) && hasV1Memory, "needs root on cgroup v1 controllers"))
    func split_moves_the_callers_processes_to_runtime_and_the_container_below_its_cgroup() throws {
        let sb = try sandboxWithImage(.root)
        // The caller gets a cgroup of its own to split, so the test's own stays whole.
        let caller = "/berth-test-\(UUID().uuidString.prefix(8).lowercased())"
        let controllers = ["memory", "pids"]
        var made: [String] = []
        defer {
            _ = sb.berth("rm", "-a", "-f")
            removeCgroupTree(made + controllers.map { "/sys/fs/cgroup/\($0)\(caller)/runtime" })
            #expect(sb.cleanup().isEmpty)
        }
        for controller in controllers {
            let directory = "/sys/fs/cgroup/\(controller)\(caller)"
            try #require(mkdir(directory, 0o755) == 0)
            made.append(directory)
        }
        let script = "for c in memory pids; do echo $$ > /sys/fs/cgroup/$c\(caller)/cgroup.procs || exit 99; done; exec \"$@\""
        let run = sb.run("/bin/sh", ["-c", script, "sh", Sandbox.binary, "--root", sb.root, "--runroot", sb.runroot,
                                     "run", "-d", "--name", "split", "--cgroups=split", "img", "sleep", "100"], asTestUser: false)
        try #require(run.status == 0, "\(run)")
        let pids = sb.berth("inspect", "--format", "{{.State.ConmonPid}} {{.State.Pid}}", "split").stdout.split(separator: " ")
        try #require(pids.count == 2)
        let monitor = String(pids[0]), container = String(pids[1].filter { !$0.isNewline })
        for controller in controllers {
            #expect(cgroupPath(monitor, controller) == caller + "/runtime", "\(controller): monitor in \(cgroupPath(monitor, controller) ?? "-")")
            let containerPath = cgroupPath(container, controller) ?? ""
            #expect(containerPath.hasPrefix(caller + "/berth-") && containerPath.hasSuffix(".scope"), "\(controller): container in \(containerPath)")
        }
        let cgroupParent = sb.berth("run", "--rm", "--cgroups=split", "--cgroup-parent", "/x", "img", "true")
        #expect(cgroupParent.status == 125 && cgroupParent.stderr.contains("--cgroup-parent"), "\(cgroupParent)")
    }

    @Test(arguments: Mode.available)
    func systemd_manager_is_refused_naming_why_on_a_host_without_systemd(mode: Mode) throws {
        try #require(!FileManager.default.fileExists(atPath: "/run/systemd/system"), "this host runs systemd: the VM check covers it")
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        for args in [["--cgroup-manager", "systemd", "run", "--rm", "img", "true"], ["run", "--rm", "--cgroup-manager", "systemd", "img", "true"]] {
            let result = sb.berth(args)
            #expect(result.status == 125 && result.stderr.hasPrefix("Error: ") && result.stderr.contains("systemd is not running on this host")
                    && result.stderr.contains("--cgroup-manager cgroupfs"), "\(args): \(result)")
        }
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty, "a refused run left a container")
        let manager = sb.berth("create", "--name", "c", "img", "true")
        #expect(manager.status == 0)
        #expect(sb.berth("inspect", "--format", "{{.HostConfig.CgroupManager}}", "c").stdout == "cgroupfs\n")
    }
}
