// Placement (issue 14's ≤ 1 ms, Docs/cgroups.md's Performance): what a user must see
// of a placement made cheaper: the container in its cgroup with its limits, the
// kernel's copy of the parent's CPUs and memory nodes on v1 (cgroup.clone_children,
// no fill per container), no directory left the moment `run --rm` or `rm` returns,
// and none left by a start that fails. The cgroup is made while the container's
// process sets up its rootfs, and joined before its first instruction.
import Foundation
import Testing
import TestSupport

@Suite struct CgroupPlacementTests {
    @Test(arguments: Mode.available)
    func a_new_cpuset_gets_its_parents_cpus_and_memory_nodes_from_the_kernel(mode: Mode) throws {
        let cg = try CgroupSandbox(mode)
        defer { #expect(cg.cleanup().isEmpty) }
        guard mode == .root && hasV1Controllers else {
            // Rootless on v1: no cgroup at all, and the run works.
            let plain = cg.berth("run", "--rm", "img", "echo", "ran")
            #expect(plain.status == 0 && plain.stdout == "ran\n" && cg.leftovers.isEmpty, "\(plain)")
            return
        }
        let id = cg.berth("run", "-d", "--memory", "64m", "img", "sleep", "300").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let cpuset = try #require(cg.directory(id, "cpuset"), "the container is in a cpuset of its own")
        let parent = "/sys/fs/cgroup/cpuset" + cg.parent
        #expect(cpuset == parent + "/berth-\(id).scope")
        #expect(read(parent + "/cgroup.clone_children") == "1", "berth's parent level has the kernel copy cpus and mems")
        let hostCPUs = read("/sys/fs/cgroup/cpuset/cpuset.cpus"), hostMems = read("/sys/fs/cgroup/cpuset/cpuset.mems")
        #expect(!hostCPUs.isEmpty && read(cpuset + "/cpuset.cpus") == hostCPUs && read(cpuset + "/cpuset.mems") == hostMems)
        let allowed = cg.berth("exec", id, "grep", "Cpus_allowed_list", "/proc/self/status")
        #expect(allowed.stdout == "Cpus_allowed_list:\t\(hostCPUs)\n", "\(allowed)")
        // Its limit was in force when it ran.
        #expect(read(cg.directory(id, "memory").map { $0 + "/memory.limit_in_bytes" }) == "67108864")
    }

    @Test(arguments: Mode.available)
    func no_cgroup_directory_is_left_the_moment_run_rm_or_rm_returns(mode: Mode) throws {
        let cg = try CgroupSandbox(mode)
        defer { #expect(cg.cleanup().isEmpty) }
        let limit = mode == .root && hasV1Controllers ? ["--memory", "64m", "--cpus", "1"] : []
        for round in 0..<5 {
            let run = cg.sb.berth(["run", "--rm"] + limit + ["img", "echo", "round \(round)"], env: ["BERTH_TEST_CGROUP_PARENT": cg.parent])
            #expect(run.status == 0 && run.stdout == "round \(round)\n", "\(run)")
            #expect(cg.leftovers.isEmpty, "after run --rm \(round): \(cg.leftovers)")
        }
        let exited = cg.sb.berth(["run", "--name", "done"] + limit + ["img", "true"], env: ["BERTH_TEST_CGROUP_PARENT": cg.parent])
        #expect(exited.status == 0 && cg.leftovers.isEmpty, "removed at exit: \(exited) \(cg.leftovers)")
        let id = cg.sb.berth(["run", "-d"] + limit + ["img", "sleep", "300"], env: ["BERTH_TEST_CGROUP_PARENT": cg.parent]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if !limit.isEmpty { #expect(cg.leftovers.count >= 5, "one directory per controller: \(cg.leftovers)") }
        #expect(cg.berth("rm", "-f", "-t", "0", id).status == 0)
        #expect(cg.leftovers.isEmpty, "after rm -f: \(cg.leftovers)")
        #expect(cg.berth("rm", "done").status == 0 && cg.berth("ps", "-a", "-q").stdout.isEmpty)
    }

    @Test(arguments: Mode.available.filter { $0 == .root })
    func a_start_that_fails_leaves_no_cgroup_and_the_next_one_works(mode: Mode) throws {
        guard hasV1Controllers else { return }
        let cg = try CgroupSandbox(mode)
        defer { #expect(cg.cleanup().isEmpty) }
        let id = cg.berth("create", "--memory", "64m", "img", "echo", "started").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // The image's layer goes missing: the start fails.
        let diffs = (FileManager.default.enumerator(atPath: cg.sb.root)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix("/diff") && $0.contains("layers") }
        let diff = try #require(diffs.first.map { cg.sb.root + "/" + $0 }, "the image's layer in \(cg.sb.root)")
        try FileManager.default.moveItem(atPath: diff, toPath: diff + ".away")
        for _ in 0..<3 {
            let failed = cg.berth("start", "-a", id)
            #expect(failed.status != 0 && failed.stderr.contains("is missing"), "\(failed)")
            #expect(cg.leftovers.isEmpty, "a failed start: \(cg.leftovers)")
        }
        try FileManager.default.moveItem(atPath: diff + ".away", toPath: diff)
        let started = cg.berth("start", "-a", id)
        #expect(started.status == 0 && started.stdout == "started\n" && cg.leftovers.isEmpty, "\(started)")
    }

    @Test(arguments: Mode.available)
    func the_first_instruction_already_runs_in_the_cgroup_made_beside_the_set_up(mode: Mode) throws {
        let cg = try CgroupSandbox(mode)
        defer { #expect(cg.cleanup().isEmpty) }
        guard mode == .root && hasV1Controllers else { return }
        // cat is the container's first instruction: it reads where it runs.
        let run = cg.berth("run", "--rm", "--memory", "64m", "--pids-limit", "30", "img", "cat", "/proc/self/cgroup")
        #expect(run.status == 0, "\(run)")
        let placed = Dictionary(run.stdout.split(separator: "\n").compactMap { line -> (String, String)? in
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            return fields.count == 3 ? (String(fields[1]), String(fields[2])) : nil
        }, uniquingKeysWith: { first, _ in first })
        for controller in ["memory", "pids", "cpu", "cpuacct", "cpuset", "blkio", "devices", "freezer"] {
            let path = placed.first { $0.key.split(separator: ",").contains(Substring(controller)) }?.value ?? ""
            #expect(path.hasPrefix(cg.parent + "/berth-") && path.hasSuffix(".scope"), "\(controller): \(path) in \(run.stdout)")
        }
        // A cgroup namespace made after the join is rooted at the container's cgroup.
        let private_ = cg.berth("run", "--rm", "--cgroupns", "private", "img", "grep", "memory", "/proc/self/cgroup")
        #expect(private_.status == 0 && private_.stdout.hasSuffix(":memory:/\n"), "\(private_)")
        #expect(cg.leftovers.isEmpty, "\(cg.leftovers)")
    }

    /// The child is moved off berth's CPU at the clone, so that it sets up its rootfs
    /// while berth makes the cgroup (launch.h off_parent_cpu): the container must
    /// still run on every CPU its caller may use.
    @Test(arguments: Mode.available)
    func a_container_set_up_beside_its_cgroup_keeps_the_callers_cpus(mode: Mode) throws {
        let cg = try CgroupSandbox(mode)
        defer { #expect(cg.cleanup().isEmpty) }
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let callers = try #require(status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") })
        // Rootless, the child is cloned into a user namespace (or by join mode's
        // intermediate) and stays where the kernel put it: its mask must be whole too.
        let beside = mode == .root && hasV1Controllers ? ["--memory", "64m"] : ["--oom-score-adj", "100"]
        for _ in 0..<5 {
            let run = cg.sb.berth(["run", "--rm"] + beside + ["img", "grep", "Cpus_allowed_list", "/proc/self/status"],
                                  env: ["BERTH_TEST_CGROUP_PARENT": cg.parent])
            #expect(run.status == 0 && run.stdout == callers + "\n", "\(run)")
        }
        #expect(cg.leftovers.isEmpty, "\(cg.leftovers)")
    }

    @Test(arguments: Mode.available)
    func a_child_failing_while_its_cgroup_is_made_leaves_no_cgroup(mode: Mode) throws {
        let cg = try CgroupSandbox(mode)
        defer { #expect(cg.cleanup().isEmpty) }
        // A file bound over /bin fails the child's mounts, after the release and
        // while berth makes the cgroup beside them.
        let file = try cg.sb.makeFile("not-a-directory", Array("x".utf8))
        for _ in 0..<3 {
            let failed = cg.berth("run", "--rm", "--memory", "64m", "-v", "\(file):/bin", "img", "true")
            if mode == .root && hasV1Controllers {
                #expect(failed.status == 125 && failed.stderr.contains("/bin"), "\(failed)")
            } else {
                #expect(failed.status != 0, "\(failed)")
            }
            #expect(cg.leftovers.isEmpty, "a failed start: \(cg.leftovers)")
        }
        #expect(cg.berth("ps", "-a", "-q").stdout.isEmpty)
        let next = cg.berth("run", "--rm", "img", "echo", "fine")
        #expect(next.status == 0 && next.stdout == "fine\n" && cg.leftovers.isEmpty, "\(next)")
    }
}
