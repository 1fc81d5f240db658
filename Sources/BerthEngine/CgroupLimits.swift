// The control-file writes that express a container's limits, in the order the
// kernel accepts them: v1 (memory.limit_in_bytes, cpu.cfs_quota_us, …) and v2
// (memory.max, cpu.max, …), with crun's conversions from v1 units to v2's.

/// One write: the v1 controller whose directory holds the file ("" on v2), the file, the value.
struct CgroupWrite: Equatable {
    var controller: String
    var file: String
    var value: String
}

enum CgroupLimits {
    /// The writes for `r` on v1. `pidsDefault` is the pids limit when none is set.
    static func v1(_ r: ContainerResources) -> [CgroupWrite] {
        var writes: [CgroupWrite] = []
        func add(_ controller: String, _ file: String, _ value: String?) {
            if let value { writes.append(CgroupWrite(controller: controller, file: file, value: value)) }
        }
        // memsw must stay ≥ memory: the limit first, then memory+swap (a lowered
        // pair is applied by `apply`, which retries the other way round on EINVAL).
        add("memory", "memory.limit_in_bytes", r.memory.map { String($0) })
        add("memory", "memory.memsw.limit_in_bytes", r.memory == nil && r.memorySwap == nil ? nil : r.effectiveMemorySwap.map { String($0) })
        add("memory", "memory.soft_limit_in_bytes", r.memoryReservation.map { String($0) })
        add("memory", "memory.swappiness", r.memorySwappiness.flatMap { $0 < 0 ? nil : String($0) })
        add("memory", "memory.oom_control", r.oomKillDisable == true ? "1" : nil)
        add("cpu", "cpu.shares", r.cpuShares.map { String($0) })
        let (period, quota) = r.cfs
        add("cpu", "cpu.cfs_period_us", period.map { String($0) })
        add("cpu", "cpu.cfs_quota_us", quota.map { String($0) })
        add("cpuset", "cpuset.cpus", r.cpusetCpus)
        add("cpuset", "cpuset.mems", r.cpusetMems)
        add("pids", "pids.max", r.pidsLimit.map { $0 <= 0 ? "max" : String($0) })
        add("blkio", "blkio.weight", r.blkioWeight.map { String($0) })
        for device in r.blkioWeightDevice ?? [] { add("blkio", "blkio.weight_device", "\(device.major):\(device.minor) \(device.value)") }
        for device in r.deviceReadBps ?? [] { add("blkio", "blkio.throttle.read_bps_device", "\(device.major):\(device.minor) \(device.value)") }
        for device in r.deviceWriteBps ?? [] { add("blkio", "blkio.throttle.write_bps_device", "\(device.major):\(device.minor) \(device.value)") }
        for device in r.deviceReadIops ?? [] { add("blkio", "blkio.throttle.read_iops_device", "\(device.major):\(device.minor) \(device.value)") }
        for device in r.deviceWriteIops ?? [] { add("blkio", "blkio.throttle.write_iops_device", "\(device.major):\(device.minor) \(device.value)") }
        // The period first: a runtime is checked against the period in force.
        add("cpu", "cpu.rt_period_us", r.cpuRtPeriod.map { String($0) })
        add("cpu", "cpu.rt_runtime_us", r.cpuRtRuntime.map { String($0) })
        return writes
    }

    /// The writes for `r` on v2.
    static func v2(_ r: ContainerResources) -> [CgroupWrite] {
        var writes: [CgroupWrite] = []
        func add(_ file: String, _ value: String?) {
            if let value { writes.append(CgroupWrite(controller: "", file: file, value: value)) }
        }
        add("memory.max", r.memory.map { String($0) })
        add("memory.low", r.memoryReservation.map { String($0) })
        // v2 limits swap alone: memory+swap less memory (crun's).
        if r.memory != nil || r.memorySwap != nil, let total = r.effectiveMemorySwap {
            add("memory.swap.max", total < 0 ? "max" : String(max(0, total - (r.memory ?? 0))))
        }
        add("cpu.weight", r.cpuShares.map { String(cpuWeight(shares: $0)) })
        let (period, quota) = r.cfs
        if period != nil || quota != nil {
            let limit = quota.map { $0 <= 0 ? "max" : String($0) } ?? "max"
            add("cpu.max", "\(limit) \(period ?? ContainerResources.defaultCPUPeriod)")
        }
        add("cpuset.cpus", r.cpusetCpus)
        add("cpuset.mems", r.cpusetMems)
        add("pids.max", r.pidsLimit.map { $0 <= 0 ? "max" : String($0) })
        add("io.weight", r.blkioWeight.map { "default \(ioWeight(blkio: UInt64($0)))" })
        for device in r.blkioWeightDevice ?? [] { add("io.weight", "\(device.major):\(device.minor) \(ioWeight(blkio: device.value))") }
        for (devices, key) in [(r.deviceReadBps, "rbps"), (r.deviceWriteBps, "wbps"), (r.deviceReadIops, "riops"), (r.deviceWriteIops, "wiops")] {
            for device in devices ?? [] { add("io.max", "\(device.major):\(device.minor) \(key)=\(device.value)") }
        }
        // --cgroup-conf last, so that it may refine what the flags set (podman's order).
        for (key, value) in (r.cgroupConf ?? [:]).sorted(by: { $0.key < $1.key }) { add(key, value) }
        return writes
    }

    /// cpu.shares (2–262144) to cpu.weight (1–10000), crun's formula.
    static func cpuWeight(shares: UInt64) -> UInt64 {
        let clamped = min(max(shares, 2), 262_144)
        return 1 + ((clamped - 2) * 9999) / 262_142
    }

    /// blkio.weight (10–1000) to io.weight (1–10000), crun's formula.
    static func ioWeight(blkio: UInt64) -> UInt64 {
        let clamped = min(max(blkio, 10), 1000)
        return 1 + ((clamped - 10) * 9999) / 990
    }

    /// Limits v2 has no file for: refused rather than dropped.
    static func v2Unsupported(_ r: ContainerResources) -> String? {
        if r.memorySwappiness.map({ $0 >= 0 }) == true { return "--memory-swappiness" }
        if r.oomKillDisable == true { return "--oom-kill-disable" }
        if r.cpuRtPeriod != nil { return "--cpu-rt-period" }
        if r.cpuRtRuntime != nil { return "--cpu-rt-runtime" }
        return nil
    }
}
