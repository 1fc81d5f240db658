// inspect's HostConfig fields for a container's cgroup and limits, podman's names
// and zero values (0 and null where nothing was asked).
import BerthEngine
import BerthTemplate

enum ResourceViews {
    static func hostConfig(_ record: ContainerRecord) -> [(String, TemplateValue)] {
        let r = record.resources ?? ContainerResources()
        func number<T: BinaryInteger>(_ value: T?) -> TemplateValue { .int(Int64(value ?? 0)) }
        func devices(_ list: [DeviceLimit]?, _ key: String) -> TemplateValue {
            guard let list else { return .null }
            return .array(list.map { .structure("define.InspectBlkioThrottleDevice", [("Path", .string($0.path)), (key, .int(Int64($0.value)))]) })
        }
        let (period, quota) = r.cfs
        return [
            ("CgroupManager", .string(record.cgroupManager ?? "cgroupfs")),
            ("CgroupMode", .string(Engine.cgroupNamespaceMode(record))),
            ("Cgroups", .string(record.cgroups ?? "default")),
            ("CgroupParent", .string(record.cgroupParent ?? "")),
            ("BlkioWeight", number(r.blkioWeight)),
            ("BlkioWeightDevice", devices(r.blkioWeightDevice, "Weight")),
            ("BlkioDeviceReadBps", devices(r.deviceReadBps, "Rate")),
            ("BlkioDeviceWriteBps", devices(r.deviceWriteBps, "Rate")),
            ("BlkioDeviceReadIOps", devices(r.deviceReadIops, "Rate")),
            ("BlkioDeviceWriteIOps", devices(r.deviceWriteIops, "Rate")),
            ("CpuPeriod", number(period)),
            ("CpuQuota", number(quota)),
            ("CpuShares", number(r.cpuShares)),
            ("CpuRealtimePeriod", number(r.cpuRtPeriod)),
            ("CpuRealtimeRuntime", number(r.cpuRtRuntime)),
            ("NanoCpus", number(r.nanoCpus)),
            ("CpusetCpus", .string(r.cpusetCpus ?? "")),
            ("CpusetMems", .string(r.cpusetMems ?? "")),
            ("DeviceCgroupRules", r.deviceCgroupRules.map { .array($0.map(TemplateValue.string)) } ?? .null),
            ("Memory", number(r.memory)),
            ("MemoryReservation", number(r.memoryReservation)),
            ("MemorySwap", number(r.effectiveMemorySwap)),
            ("MemorySwappiness", number(r.memorySwappiness ?? -1)),
            ("OomKillDisable", .bool(r.oomKillDisable ?? false)),
            ("OomScoreAdj", number(r.oomScoreAdj)),
            ("PidsLimit", number(r.pidsLimit.map { $0 < 0 ? 0 : $0 })),
        ]
    }
}
