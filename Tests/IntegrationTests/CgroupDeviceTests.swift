// The cgroup settings beyond the plain limits (issue 14): the device allow list
// and --device-cgroup-rule, --cgroup-conf, and real-time CPU time: each enforced
// where the host can, refused with the reason where it cannot.
import Foundation
import Testing
import TestSupport

@Suite struct CgroupDeviceTests {
    @Test(arguments: Mode.available)
    func device_cgroup_rule_adds_to_a_default_list_that_denies_other_devices(mode: Mode) throws {
        let cg = try CgroupSandbox(mode)
        defer { #expect(cg.cleanup().isEmpty) }
        let script = "mkdir -p /tmp; mknod /tmp/null c 1 3 && echo x > /tmp/null && echo null-written; "
            + "mknod /tmp/loop b 7 0 && head -c1 /tmp/loop > /dev/null; echo loop=$?"
        let rule = cg.berth("run", "--rm", "--cap-add", "mknod", "--device-cgroup-rule", "c 1:3 rwm", "img", "sh", "-c", script)
        if mode == .rootless {
            // No device cgroup rootless (as podman): accepted, and the user's own
            // permissions decide (no mknod of a real device in a user namespace).
            #expect(rule.status == 0 && !rule.stdout.contains("null-written"), "\(rule)")
            return
        }
        #expect(rule.stdout == "null-written\nloop=1\n" && rule.stderr.contains("Operation not permitted"), "\(rule)")
        let block = cg.berth("run", "--rm", "--cap-add", "mknod", "--device-cgroup-rule", "b 7:* r", "img", "sh", "-c", script)
        #expect(block.stdout == "null-written\nloop=0\n", "the rule lets the loop device be read: \(block)")
        let privileged = cg.berth("run", "--rm", "--privileged", "img", "sh", "-c", script)
        #expect(privileged.stdout == "null-written\nloop=0\n", "--privileged: every device: \(privileged)")
        let id = cg.berth("create", "--device-cgroup-rule", "b 7:* r", "img", "true").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(cg.berth("inspect", "--format", "{{.HostConfig.DeviceCgroupRules}}", id).stdout == "[b 7:* r]\n")
        if hasV1Controllers {
            let running = cg.berth("run", "-d", "img", "sleep", "60").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let list = read(cg.directory(running, "devices").map { $0 + "/devices.list" })
            #expect(list.contains("c 1:3 rwm\n") && !list.contains("a *:* rwm"), "deny-all, then the defaults: \(list)")
        }
    }

    @Test(arguments: Mode.available)
    func cgroup_conf_is_refused_on_v1_and_checked_before_create(mode: Mode) throws {
        let cg = try CgroupSandbox(mode)
        defer { #expect(cg.cleanup().isEmpty) }
        expectRefused(cg, ["run", "--rm", "--cgroup-conf", "memory.high", "img", "true"], containing: "invalid --cgroup-conf \"memory.high\"")
        expectRefused(cg, ["create", "--cgroup-conf", "../x=1", "img", "true"], containing: "invalid --cgroup-conf")
        guard hasV1Controllers else { return }
        expectRefused(cg, ["run", "--rm", "--cgroup-conf", "memory.high=50m", "img", "true"],
                      containing: mode == .root ? "--cgroup-conf needs cgroup v2" : "--cgroup-conf memory.high needs the memory cgroup controller")
    }

    @Test(arguments: Mode.available)
    func cpu_rt_runtime_is_written_within_the_parents_budget_or_refused(mode: Mode) throws {
        let cg = try CgroupSandbox(mode)
        defer { #expect(cg.cleanup().isEmpty) }
        expectRefused(cg, ["run", "--rm", "--cpu-rt-runtime", "2000", "--cpu-rt-period", "1000", "img", "true"],
                      containing: "invalid --cpu-rt-runtime 2000")
        guard hasV1Controllers else { return }
        guard mode == .root else {
            expectRefused(cg, ["run", "--rm", "--cpu-rt-runtime", "1000", "img", "true"], containing: "--cpu-rt-runtime needs the cpu cgroup controller")
            return
        }
        guard FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cpu/cpu.rt_runtime_us") else {
            expectRefused(cg, ["run", "--rm", "--cpu-rt-runtime", "1000", "img", "true"], containing: "real-time group scheduling")
            return
        }
        // The test's parent does not exist yet: berth would make it with no real-time time.
        expectRefused(cg, ["run", "--rm", "--cpu-rt-runtime", "10000", "img", "true"], containing: "does not exist")
        let parent = "/sys/fs/cgroup/cpu" + cg.parent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: false)
        try "20000".write(toFile: parent + "/cpu.rt_runtime_us", atomically: false, encoding: .utf8)
        expectRefused(cg, ["run", "--rm", "--cpu-rt-runtime", "30000", "img", "true"], containing: "20000 of every 1000000 microseconds left")
        let id = cg.berth("run", "-d", "--cpu-rt-runtime", "10000", "--cpu-rt-period", "500000", "img", "sleep", "60").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let cpu = cg.directory(id, "cpu")
        #expect(read(cpu.map { $0 + "/cpu.rt_runtime_us" }) == "10000" && read(cpu.map { $0 + "/cpu.rt_period_us" }) == "500000")
        #expect(cg.berth("inspect", "--format", "{{.HostConfig.CpuRealtimePeriod}} {{.HostConfig.CpuRealtimeRuntime}}", id).stdout == "500000 10000\n")
    }
}
