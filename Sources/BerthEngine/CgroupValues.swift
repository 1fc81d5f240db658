// Limit values checked against what this host has, before anything is created:
// the CPUs and memory nodes a cpuset may name, the control files a limit needs
// (swap accounting, block I/O weights). Syntax is the CLI's job (ResourceFlags).
import BerthSystem

enum CgroupValues {
    static func check(_ r: ContainerResources, plan: CgroupPlan) throws {
        let host = Engine.cgroupHost
        // The root's cpuset (v1) or the effective one of the base (v2): what a container may use.
        let cpusetRoot = plan.version == 1 ? host.v1Mounts["cpuset"] : plan.base
        let effective = plan.version == 1 ? "" : ".effective"
        if let cpus = r.cpusetCpus, let root = cpusetRoot {
            try within(cpus, CgroupFiles.read("cpuset.cpus" + effective, in: root), flag: "--cpuset-cpus", what: "CPUs")
        }
        if let mems = r.cpusetMems, let root = cpusetRoot {
            try within(mems, CgroupFiles.read("cpuset.mems" + effective, in: root), flag: "--cpuset-mems", what: "memory nodes")
        }
        guard plan.version == 1 else { return }
        if r.memorySwap != nil, let memory = host.v1Mounts["memory"], !CgroupFiles.has("memory.memsw.limit_in_bytes", in: memory) {
            throw ContainerError.invalid("--memory-swap needs swap accounting, which this kernel lacks (memory.memsw.limit_in_bytes is missing): boot with swapaccount=1")
        }
        if r.blkioWeight != nil || r.blkioWeightDevice != nil, let blkio = host.v1Mounts["blkio"],
           !CgroupFiles.has("blkio.weight", in: blkio) {
            throw ContainerError.invalid("--blkio-weight needs blkio.weight, which this kernel lacks (the weights belong to the BFQ I/O scheduler, not in use here)")
        }
    }

    /// --cpu-rt-runtime on v1: the kernel needs real-time group scheduling
    /// (cpu.rt_runtime_us), and a child's runtime must fit in what its parent has
    /// left (the parent's runtime/period less its other children's). berth does not
    /// take real-time time from the host for the parent (docker's daemon does, with
    /// its own --cpu-rt-runtime): it refuses, saying what to give the parent.
    static func checkRealTime(_ r: ContainerResources, plan: CgroupPlan) throws {
        guard r.cpuRtPeriod != nil || r.cpuRtRuntime != nil, plan.version == 1 else { return }
        let flag = r.cpuRtRuntime != nil ? "--cpu-rt-runtime" : "--cpu-rt-period"
        guard let directory = plan.paths["cpu"], let mount = Engine.cgroupHost.v1Mounts["cpu"],
              CgroupFiles.has("cpu.rt_runtime_us", in: mount) else {
            throw ContainerError.invalid("\(flag) needs real-time group scheduling, which this kernel lacks (no cpu.rt_runtime_us: CONFIG_RT_GROUP_SCHED)")
        }
        let runtime = r.cpuRtRuntime ?? 0
        guard runtime > 0 else { return }
        let period = r.cpuRtPeriod ?? 1_000_000
        let parent = FileSystem.dirname(of: directory)
        guard FileSystem.isDirectory(parent) else {
            throw ContainerError.invalid("--cpu-rt-runtime \(runtime): the parent cgroup \(parent) does not exist, and one berth makes has no real-time runtime to give: "
                + "make it and give it some first (mkdir \(parent) && echo \(runtime) > \(parent)/cpu.rt_runtime_us, its parents likewise)")
        }
        let parentRatio = ratio(CgroupFiles.read("cpu.rt_runtime_us", in: parent), CgroupFiles.read("cpu.rt_period_us", in: parent))
        var used = 0.0
        // The container's own (update of a running one) is what is being replaced.
        let own = FileSystem.basename(of: directory)
        for child in (try? FileSystem.list(parent)) ?? [] where child != own && FileSystem.isDirectory(parent + "/" + child) {
            used += ratio(CgroupFiles.read("cpu.rt_runtime_us", in: parent + "/" + child), CgroupFiles.read("cpu.rt_period_us", in: parent + "/" + child))
        }
        if used + Double(runtime) / Double(period) > parentRatio + 1e-9 {
            let free = max(0, Int((parentRatio - used) * Double(period)))
            throw ContainerError.invalid("--cpu-rt-runtime \(runtime): the parent cgroup \(parent) has real-time runtime for \(free) of every \(period) microseconds left: "
                + "give it more (echo N > \(parent)/cpu.rt_runtime_us, its parents first), or choose a --cgroup-parent that has it")
        }
    }

    /// runtime/period of a cgroup's real-time files (a runtime of -1: all of it).
    private static func ratio(_ runtime: String?, _ period: String?) -> Double {
        guard let runtime = runtime.flatMap({ Int64($0) }), let period = period.flatMap({ Int64($0) }), period > 0 else { return 0 }
        return runtime < 0 ? 1 : Double(runtime) / Double(period)
    }

    /// The files the engine keeps for itself: --cgroup-conf may not write them.
    static let reservedFiles: Set<String> = ["cgroup.procs", "cgroup.threads", "cgroup.subtree_control", "cgroup.type", "cgroup.kill", "cgroup.freeze"]

    /// --cgroup-conf: v2 only (as podman), files berth does not own, and files
    /// that exist: in the base or in one of its children (a controller's files
    /// show below the level that enables it).
    static func checkConf(_ r: ContainerResources, plan: CgroupPlan) throws {
        guard let conf = r.cgroupConf else { return }
        guard plan.version == 2, let base = plan.base else {
            throw ContainerError.invalid("--cgroup-conf needs cgroup v2 (it names v2 control files), but this host's controllers are on cgroup v1")
        }
        let children = ((try? FileSystem.list(base)) ?? []).map { base + "/" + $0 }.filter(FileSystem.isDirectory)
        for key in conf.keys.sorted() {
            if reservedFiles.contains(key) {
                throw ContainerError.invalid("invalid --cgroup-conf \(key): berth manages \(key) itself")
            }
            guard ([base] + children).contains(where: { CgroupFiles.has(key, in: $0) }) else {
                throw ContainerError.invalid("invalid --cgroup-conf \(key): no such cgroup v2 file (\(base) and the cgroups below it have none)")
            }
        }
    }

    /// Refuses a list ("0-2,4") naming an item the host's list does not have.
    private static func within(_ asked: String, _ available: String?, flag: String, what: String) throws {
        guard let available, let have = parseList(available) else { return }
        guard let wanted = parseList(asked) else {
            throw ContainerError.invalid("invalid \(flag) \"\(asked)\": expected a list such as 0-3 or 0,1")
        }
        let missing = wanted.subtracting(have).sorted()
        if !missing.isEmpty {
            throw ContainerError.invalid("invalid \(flag) \"\(asked)\": \(what) \(missing.map(String.init).joined(separator: ",")) not available (this host has \(available))")
        }
    }

    /// "0-2,4" → {0, 1, 2, 4}; nil when malformed. Empty is the empty set.
    static func parseList(_ text: String) -> Set<Int>? {
        var result = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) where !(item.isEmpty && text.isEmpty) {
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count <= 2, let low = Int(bounds[0]), low >= 0 else { return nil }
            let high = bounds.count == 2 ? Int(bounds[1]) : low
            guard let high, high >= low, high - low < 65536 else { return nil }
            result.formUnion(low...high)
        }
        return result
    }
}
