// build's limit flags (issue 14): each RUN step is a short container, placed and
// limited as one: --memory ends an allocation past it and says so, --cpuset-cpus
// pins, --cgroup-parent places, --shm-size sizes /dev/shm; rootless on v1 a limit
// is refused as run refuses it.
import Foundation
import Testing
import TestSupport

@Suite struct BuildLimitTests {
    private func context(_ cg: CgroupSandbox, _ dockerfile: String) throws -> String {
        try cg.sb.makeFile("ctx/Dockerfile", dockerfile)
        return cg.sb.path("ctx")
    }

    @Test(arguments: Mode.available)
    func memory_limit_fails_the_run_that_allocates_past_it_and_cpuset_pins_it(mode: Mode) throws {
        let cg = try CgroupSandbox(mode)
        defer { #expect(cg.cleanup().isEmpty) }
        let hungry = try context(cg, """
            FROM img
            RUN x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo survived

            """)
        let shm = cg.berth("build", "--shm-size", "8m", "-f", cg.sb.path("ctx/Shm"), "-t", "shm",
                           try { try cg.sb.makeFile("ctx/Shm", "FROM img\nRUN grep ' /dev/shm ' /proc/mounts\n"); return cg.sb.path("ctx") }())
        #expect(shm.status == 0 && shm.stdout.contains("size=8192k"), "--shm-size: \(shm)")
        if mode == .rootless && hasV1Controllers {
            let refused = cg.berth("build", "--memory", "32m", "-t", "hungry", hungry)
            #expect(refused.status == 125 && refused.stderr.contains("--memory needs the memory cgroup controller"), "\(refused)")
            #expect(!refused.stdout.contains("\nsurvived\n"))
            return
        }
        let limited = cg.berth("build", "--memory", "32m", "-t", "hungry", hungry)
        #expect(limited.status != 0 && !limited.stdout.contains("\nsurvived\n"), "\(limited)")
        #expect(limited.stderr.contains("exit status 137 (killed by the OOM killer"), "says why: \(limited)")
        let free = cg.berth("build", "--no-cache", "-t", "hungry", hungry)
        #expect(free.status == 0 && free.stdout.contains("\nsurvived\n"), "without the limit: \(free)")
        let pinned = try context(cg, """
            FROM img
            RUN grep Cpus_allowed_list /proc/self/status; cat /proc/self/cgroup

            """)
        let run = cg.berth("build", "--cpuset-cpus", "0", "--cpu-shares", "512", "--cgroup-parent", cg.parent + "-build", "-t", "pinned", pinned)
        #expect(run.status == 0 && run.stdout.contains("Cpus_allowed_list:\t0\n"), "\(run)")
        if hasV1Controllers {
            #expect(run.stdout.contains("cpuset:\(cg.parent)-build/berth-"), "--cgroup-parent: \(run)")
            for controller in ["cpuset", "cpu", "cpuacct", "memory", "pids", "blkio", "devices", "freezer"] {
                rmdir("/sys/fs/cgroup/\(controller)\(cg.parent)-build")
            }
        }
        let bad = cg.berth("build", "--cpu-shares", "abc", "-t", "bad", pinned)
        #expect(bad.status == 125 && bad.stderr.contains("--cpu-shares"), "\(bad)")
    }
}
