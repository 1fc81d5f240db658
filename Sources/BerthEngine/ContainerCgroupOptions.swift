// create's part of the cgroup work: the limits and --cgroup* options recorded,
// podman's --pids-limit default filled in where the pids controller is usable,
// and everything checked against the host before the container exists.
import BerthSystem

extension Engine {
    func applyCgroupOptions(_ record: inout ContainerRecord, _ options: CreateOptions) throws {
        let settings = options.cgroup
        if let mode = settings.mode, !CgroupSettings.modes.contains(mode) {
            throw ContainerError.invalid("invalid --cgroups \"\(mode)\": must be one of enabled, disabled, no-conmon or split")
        }
        if let namespace = settings.namespace, !["private", "host"].contains(namespace) {
            throw ContainerError.invalid("invalid --cgroupns \"\(namespace)\": must be private or host")
        }
        if let parent = settings.parent, parent.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) {
            throw ContainerError.invalid("invalid --cgroup-parent \"\(parent)\": it must not contain . or .. components")
        }
        if settings.mode == "split" && settings.parent != nil {
            throw ContainerError.invalid("--cgroups=split cannot be combined with --cgroup-parent: the container goes under the caller's own cgroup")
        }
        record.cgroups = settings.mode == "enabled" ? nil : settings.mode
        record.cgroupParent = settings.parent
        // Resolved now, as podman records it per container: inspect shows what start will use.
        record.cgroupManager = try CgroupPlan.managerName(settings.manager, host: Engine.cgroupHost, rootless: record.isRootless)
        record.cgroupns = settings.namespace
        var resources = options.resources
        if resources.pidsLimit == nil && record.cgroups != "disabled" && options.buildOwner == nil {
            // podman's default, only where it can be enforced: no error where it cannot.
            var probe = record
            probe.resources = ContainerResources()
            probe.resources?.pidsLimit = ContainerResources.defaultPidsLimit
            if (try? CgroupPlan.make(probe, host: Engine.cgroupHost, rootless: record.isRootless)) != nil {
                resources.pidsLimit = ContainerResources.defaultPidsLimit
            }
        }
        try Engine.resolveDevices(&resources)
        record.resources = resources == ContainerResources() ? nil : resources
        try checkCgroups(record)
    }

    /// Whether the container's process gets a cgroup namespace of its own:
    /// --cgroupns, else private on v2 and host on v1 (podman's defaults).
    func hasPrivateCgroupNamespace(_ record: ContainerRecord) -> Bool { Engine.cgroupNamespaceMode(record) == "private" }

    /// inspect's HostConfig.CgroupMode: "private" or "host".
    package static func cgroupNamespaceMode(_ record: ContainerRecord) -> String {
        record.cgroupns ?? (cgroupHost.version == 2 ? "private" : "host")
    }

    /// Fills in the major and minor numbers of the per-device limits' devices.
    static func resolveDevices(_ r: inout ContainerResources) throws {
        let lists: [(WritableKeyPath<ContainerResources, [DeviceLimit]?>, String)] = [
            (\.blkioWeightDevice, "--blkio-weight-device"), (\.deviceReadBps, "--device-read-bps"),
            (\.deviceWriteBps, "--device-write-bps"), (\.deviceReadIops, "--device-read-iops"), (\.deviceWriteIops, "--device-write-iops"),
        ]
        for (path, flag) in lists {
            guard var devices = r[keyPath: path] else { continue }
            for index in devices.indices {
                do {
                    let numbers = try CgroupFiles.blockDeviceNumbers(devices[index].path)
                    devices[index].major = numbers.major
                    devices[index].minor = numbers.minor
                } catch {
                    throw ContainerError.invalid("invalid \(flag) \(devices[index].path): \(error)")
                }
            }
            r[keyPath: path] = devices
        }
    }
}
