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
