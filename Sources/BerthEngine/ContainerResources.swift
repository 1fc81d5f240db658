// A container's resource limits as asked (run/create/update's flags, podman's
// names and units), stored in the record and written to its cgroup at each start
// (ContainerCgroups.swift) and by `update`.

/// A per-device limit: the device as named, its numbers (stat'd at create), the value.
package struct DeviceLimit: Codable, Sendable, Equatable {
    package var path: String
    package var major: UInt32
    package var minor: UInt32
    package var value: UInt64

    package init(path: String, major: UInt32 = 0, minor: UInt32 = 0, value: UInt64) {
        self.path = path
        self.major = major
        self.minor = minor
        self.value = value
    }
}

package struct ContainerResources: Codable, Sendable, Equatable {
    /// Bytes.
    package var memory: Int64? = nil
    package var memoryReservation: Int64? = nil
    /// Memory plus swap, bytes; -1: unlimited swap; nil with --memory: twice --memory (podman's).
    package var memorySwap: Int64? = nil
    /// 0 to 100; nil: the host's.
    package var memorySwappiness: Int64? = nil
    package var oomKillDisable: Bool? = nil
    /// -1000 to 1000: /proc/PID/oom_score_adj, not a cgroup.
    package var oomScoreAdj: Int? = nil
    /// --cpus × 10⁹.
    package var nanoCpus: Int64? = nil
    package var cpuShares: UInt64? = nil
    /// Microseconds.
    package var cpuPeriod: UInt64? = nil
    package var cpuQuota: Int64? = nil
    package var cpusetCpus: String? = nil
    package var cpusetMems: String? = nil
    /// 0 or -1: unlimited.
    package var pidsLimit: Int64? = nil
    /// 10 to 1000.
    package var blkioWeight: UInt16? = nil
    package var blkioWeightDevice: [DeviceLimit]? = nil
    package var deviceReadBps: [DeviceLimit]? = nil
    package var deviceWriteBps: [DeviceLimit]? = nil
    package var deviceReadIops: [DeviceLimit]? = nil
    package var deviceWriteIops: [DeviceLimit]? = nil
    /// "c 1:3 rwm" lines (--device-cgroup-rule).
    package var deviceCgroupRules: [String]? = nil
    /// Microseconds (--cpu-rt-period, --cpu-rt-runtime): v1's real-time group scheduling.
    package var cpuRtPeriod: UInt64? = nil
    package var cpuRtRuntime: Int64? = nil
    /// --cgroup-conf KEY=VALUE: v2 control files written as given, after the limits.
    package var cgroupConf: [String: String]? = nil

    package init() {}

    /// The CFS period --cpus uses (docker's and podman's).
    package static let defaultCPUPeriod: UInt64 = 100_000
    /// podman's --pids-limit default where the pids controller is usable.
    package static let defaultPidsLimit: Int64 = 2048

    /// What is set here replaces the same field of `self` (update).
    package mutating func merge(_ other: ContainerResources) {
        func take<T>(_ path: WritableKeyPath<ContainerResources, T?>) { if let value = other[keyPath: path] { self[keyPath: path] = value } }
        take(\.memory); take(\.memoryReservation); take(\.memorySwap); take(\.memorySwappiness); take(\.oomKillDisable)
        take(\.oomScoreAdj); take(\.cpuShares); take(\.cpusetCpus); take(\.cpusetMems); take(\.pidsLimit)
        take(\.blkioWeight); take(\.blkioWeightDevice); take(\.deviceReadBps); take(\.deviceWriteBps)
        take(\.deviceReadIops); take(\.deviceWriteIops); take(\.deviceCgroupRules)
        take(\.cpuRtPeriod); take(\.cpuRtRuntime)
        if let conf = other.cgroupConf { cgroupConf = (cgroupConf ?? [:]).merging(conf) { $1 } }
        // --cpus and --cpu-period/--cpu-quota are two ways to say one thing: the newer wins.
        if other.nanoCpus != nil { nanoCpus = other.nanoCpus; cpuPeriod = nil; cpuQuota = nil }
        if other.cpuPeriod != nil || other.cpuQuota != nil {
            nanoCpus = nil
            take(\.cpuPeriod); take(\.cpuQuota)
        }
    }

    /// The memory+swap limit in force: --memory-swap, else twice --memory.
    package var effectiveMemorySwap: Int64? {
        if let memorySwap { return memorySwap }
        return memory.map { $0 * 2 }
    }

    /// The CFS period and quota in force (--cpus or --cpu-period/--cpu-quota).
    package var cfs: (period: UInt64?, quota: Int64?) {
        if let nanoCpus {
            return (ContainerResources.defaultCPUPeriod, nanoCpus * Int64(ContainerResources.defaultCPUPeriod) / 1_000_000_000)
        }
        return (cpuPeriod, cpuQuota)
    }

    /// Each limit asked for, as its flag, with the controller it needs (v1 names;
    /// blkio is v2's io). The pids default is not asked for: see `pidsDefaulted`.
    /// --device-cgroup-rule is not here: an allow rule limits nothing, and the
    /// device list it joins is the engine's (DeviceCgroup.swift).
    package var requests: [(flag: String, controller: String)] {
        var result: [(String, String)] = []
        func add(_ set: Bool, _ flag: String, _ controller: String) { if set { result.append((flag, controller)) } }
        add(memory != nil, "--memory", "memory")
        add(memoryReservation != nil, "--memory-reservation", "memory")
        add(memorySwap != nil, "--memory-swap", "memory")
        add(memorySwappiness != nil, "--memory-swappiness", "memory")
        add(oomKillDisable == true, "--oom-kill-disable", "memory")
        add(nanoCpus != nil, "--cpus", "cpu")
        add(cpuShares != nil, "--cpu-shares", "cpu")
        add(cpuPeriod != nil, "--cpu-period", "cpu")
        add(cpuQuota != nil, "--cpu-quota", "cpu")
        add(cpusetCpus != nil, "--cpuset-cpus", "cpuset")
        add(cpusetMems != nil, "--cpuset-mems", "cpuset")
        add(pidsLimit != nil, "--pids-limit", "pids")
        add(blkioWeight != nil, "--blkio-weight", "blkio")
        add(blkioWeightDevice != nil, "--blkio-weight-device", "blkio")
        add(deviceReadBps != nil, "--device-read-bps", "blkio")
        add(deviceWriteBps != nil, "--device-write-bps", "blkio")
        add(deviceReadIops != nil, "--device-read-iops", "blkio")
        add(deviceWriteIops != nil, "--device-write-iops", "blkio")
        add(cpuRtPeriod != nil, "--cpu-rt-period", "cpu")
        add(cpuRtRuntime != nil, "--cpu-rt-runtime", "cpu")
        for key in (cgroupConf ?? [:]).keys.sorted() {
            // memory.high needs memory; cgroup.* files are the core's, always there.
            let controller = String(key.prefix { $0 != "." })
            if controller != "cgroup" { result.append(("--cgroup-conf \(key)", controller)) }
        }
        return result
    }
}
