// A container's cgroup (issue 14): checked at create, made with its limits after
// the release while the child sets up its rootfs, and joined at the child's
// barrier, before it runs an instruction of the container's (what
// CLONE_INTO_CGROUP would do, on v1 too); recorded in cgroup.json, and removed at
// exit and rm.
import BerthImage
import BerthRuntime
import BerthSystem
import Glibc

extension Engine {
    /// The host's cgroup layout, read once per berth process.
    static let cgroupHost = CgroupHost.detect()

    /// Refuses, before anything is created, a limit or cgroup option the host
    /// cannot honour: the controller missing or not delegated, a value the host
    /// has no room for (a CPU it lacks), a file the kernel lacks.
    func checkCgroups(_ record: ContainerRecord) throws {
        let host = Engine.cgroupHost
        guard let plan = try CgroupPlan.make(record, host: host, rootless: record.isRootless) else { return }
        guard let resources = record.resources else { return }
        try checkDeviceRules(record, plan: plan)
        if plan.version == 2, let flag = CgroupLimits.v2Unsupported(resources) {
            throw ContainerError.invalid("\(flag) is not supported on cgroup v2: the kernel has no such setting there")
        }
        try CgroupValues.check(resources, plan: plan)
        try CgroupValues.checkRealTime(resources, plan: plan)
        try CgroupValues.checkConf(resources, plan: plan)
    }

    /// Places the container's process `pid` in its own cgroup with its limits.
    func placeInCgroup(_ record: ContainerRecord, pid: Int32) throws {
        Stopwatch.mark("cgroup")
        defer { Stopwatch.mark("cgroup placed") }
        if let adjust = record.resources?.oomScoreAdj {
            try CgroupFiles.write(String(adjust), to: "oom_score_adj", in: "/proc/\(pid)")
        }
        guard let plan = try CgroupPlan.make(record, host: Engine.cgroupHost, rootless: record.isRootless) else { return }
        let location = CgroupLocation(version: plan.version, paths: plan.paths, manager: plan.manager, unit: plan.unit)
        // Recorded first: a berth killed half-way still leaves removeCgroup the map.
        try recordCgroupLocation(location, for: record.id)
        do {
            if record.cgroups == "split" { try splitCallerCgroup(plan) }
            let resources = record.resources ?? ContainerResources()
            if let unit = plan.unit, let slice = plan.slice {
                // systemd makes the scope and moves the pid; Delegate=yes leaves its files to berth.
                try SystemdScope.start(unit: unit, slice: slice, pid: pid, description: "berth container \(record.name) (\(record.id.prefix(12)))",
                                       limits: SystemdScope.limitProperties(resources), rootless: record.isRootless)
            } else {
                try makeCgroup(plan)
            }
            try applyLimits(resources, at: location)
            try applyDeviceRules(record, at: location)
            // v1: the process joins itself (cgroupTasks); v2: its pid is moved here
            // (under systemd it is there already: the write is a no-op that proves it).
            if plan.version == 2 {
                for directory in Set(plan.paths.values).sorted() { try CgroupFiles.join(pid, directory) }
            }
        } catch {
            removeCgroup(record)
            throw ContainerError.invalid("placing container \(record.name) in its cgroup: \(error)")
        }
    }

    /// How the container's process gets into its cgroup, from one plan: v1's tasks
    /// files below each hierarchy's mount point (ContainerSpec.cgroupTasks: the
    /// process writes itself into them, the cheap way in on v1), and whether the
    /// cgroup is made after the release, beside the child's mounts
    /// (ContainerSpec.barrier). Not beside them when the process makes a user
    /// namespace of its own: as that namespace's root its uid is one berth cannot
    /// write /proc/PID/oom_score_adj of.
    func cgroupEntry(_ record: ContainerRecord, _ spec: ContainerSpec) throws -> (tasks: [(mount: String, file: String)], besideSetUp: Bool) {
        let plan = try CgroupPlan.make(record, host: Engine.cgroupHost, rootless: record.isRootless)
        let besideSetUp = spec.idMaps == nil && spec.nestedIDMaps == nil && (plan != nil || record.resources?.oomScoreAdj != nil)
        guard let plan, plan.version == 1 else { return ([], besideSetUp) }
        let tasks = try plan.paths.sorted(by: { $0.key < $1.key }).map { controller, directory in
            guard let mount = Engine.cgroupHost.v1Mounts[controller], directory.hasPrefix(mount + "/") else {
                throw ContainerError.invalid("cgroup \(directory) is not below the \(controller) hierarchy's mount point")
            }
            return (mount: mount, file: String(directory.dropFirst(mount.count + 1)) + "/tasks")
        }
        return (tasks, besideSetUp)
    }

    /// The files an exec'd process writes itself into: v1 `tasks` (a thread moving
    /// itself skips the kernel's global lock), v2 `cgroup.procs`; none without a cgroup.
    func cgroupJoinFiles(_ record: ContainerRecord) -> [String] {
        guard let location = cgroupLocation(record.id) else { return [] }
        let file = location.version == 1 ? "/tasks" : "/cgroup.procs"
        return Set(location.paths.values).sorted().map { $0 + file }
    }

    /// Removes the container's cgroup; nothing when it is gone already. In line: on
    /// a thread beside a `run --rm` exit's file removal it measured slower (the
    /// thread's start and join cost more than the eight rmdirs, ~0.13 ms).
    func removeCgroup(_ record: ContainerRecord) {
        guard let location = cgroupLocation(record.id) else { return }
        Stopwatch.mark("cgroup removal")
        defer { Stopwatch.mark("cgroup removed") }
        var failed = false
        for directory in Set(location.paths.values).sorted() {
            do {
                try CgroupFiles.remove(directory)
            } catch {
                failed = true
                Warnings.report("container \(record.name): \(error)")
            }
        }
        forgetCgroupLocation(record.id)
        // Kept when a directory stayed, so that a later rm tries again.
        if !failed { try? FileSystem.unlinkIfPresent(cgroupLocationFile(record.id)) }
        removeIdleMonitorCgroup(location)
    }

    /// Makes the container's directories and the parents they need: v1 cpuset
    /// levels get their parent's CPUs and memory nodes (a new cpuset is empty and
    /// takes no process); v2 levels get the controllers enabled below them.
    func makeCgroup(_ plan: CgroupPlan) throws {
        if plan.version == 1 {
            for (controller, directory) in plan.paths.sorted(by: { $0.key < $1.key }) {
                guard let mount = Engine.cgroupHost.v1Mounts[controller] else { continue }
                // v1 cpuset: every parent level berth uses gets cgroup.clone_children, so
                // the kernel copies cpus and mems into the container's new level: no
                // reads and writes of them per container. Whether the level above the
                // next one copies: nil until read (the mount's root is the host's).
                var parentCopies: Bool?
                try makeLevels(from: mount, to: directory) { made, parent, isNew in
                    guard controller == "cpuset" else { return }
                    let copied = isNew && (parentCopies ?? (CgroupFiles.read("cgroup.clone_children", in: parent) == "1"))
                    let isParentLevel = made != directory
                    if isParentLevel && !isNew && CgroupFiles.read("cgroup.clone_children", in: made) == "1" {
                        // Set by berth once it had filled the level: nothing to check.
                        parentCopies = true
                        return
                    }
                    if !copied {
                        for file in ["cpuset.cpus", "cpuset.mems"] where isNew || (CgroupFiles.read(file, in: made) ?? "").isEmpty {
                            try CgroupFiles.write(CgroupFiles.read(file, in: parent) ?? "", to: file, in: made)
                        }
                    }
                    if isParentLevel {
                        try CgroupFiles.write("1", to: "cgroup.clone_children", in: made)
                        parentCopies = true
                    }
                }
            }
            return
        }
        guard let base = plan.base, let directory = plan.paths[""] else { return }
        let wanted = ["cpuset", "cpu", "io", "memory", "pids"]
        try makeLevels(from: base, to: directory) { _, parent, _ in
            let available = Set((CgroupFiles.read("cgroup.controllers", in: parent) ?? "").split(separator: " ").map(String.init))
            let enabled = Set((CgroupFiles.read("cgroup.subtree_control", in: parent) ?? "").split(separator: " ").map(String.init))
            let missing = wanted.filter { available.contains($0) && !enabled.contains($0) }
            if !missing.isEmpty {
                try CgroupFiles.write(missing.map { "+" + $0 }.joined(separator: " "), to: "cgroup.subtree_control", in: parent)
            }
        }
    }

    /// Makes each directory from below `root` down to `directory`, calling `prepare`
    /// (the level, its parent, whether made now) for each, whether made now or before.
    private func makeLevels(from root: String, to directory: String, prepare: (String, String, Bool) throws -> Void) throws {
        guard directory.hasPrefix(root) else { return }
        var current = root
        for part in directory.dropFirst(root.count).split(separator: "/") {
            let next = current + "/" + part
            let isNew = try CgroupFiles.makeDirectory(next)
            try prepare(next, current, isNew)
            current = next
        }
    }

    /// Writes `resources` to the cgroup at `location`. A v1 memory pair that the
    /// kernel refuses in one order (memsw below memory) is written in the other.
    func applyLimits(_ resources: ContainerResources, at location: CgroupLocation) throws {
        var writes = location.version == 2 ? CgroupLimits.v2(resources) : CgroupLimits.v1(resources)
        if location.version == 1, resources.memorySwap == nil,
           let memory = location.paths["memory"], !CgroupFiles.has("memory.memsw.limit_in_bytes", in: memory) {
            // No swap accounting: the default memory+swap is nothing to enforce.
            writes.removeAll { $0.file == "memory.memsw.limit_in_bytes" }
        }
        var index = 0
        while index < writes.count {
            let write = writes[index]
            guard let directory = location.paths[write.controller] else { index += 1; continue }
            do {
                try CgroupFiles.write(write.value, to: write.file, in: directory)
            } catch let error as SystemError where error.errno == EINVAL && write.file == "memory.limit_in_bytes"
                && index + 1 < writes.count && writes[index + 1].file == "memory.memsw.limit_in_bytes" {
                try CgroupFiles.write(writes[index + 1].value, to: writes[index + 1].file, in: directory)
                try CgroupFiles.write(write.value, to: write.file, in: directory)
                index += 1
            }
            index += 1
        }
    }
}
