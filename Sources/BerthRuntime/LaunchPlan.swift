// Flattens a ContainerSpec into the C berth_launch_plan (design.md §2): every
// string and array the child reads is allocated here, before clone, and lives as
// long as this object.
import BerthSystem
import CBerth
import Glibc

final class LaunchPlan {
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private var buffers: [UnsafeMutableRawPointer] = []
    private(set) var plan = berth_launch_plan()
    /// Keeps the argv/envp arrays alive.
    private var arrays: [CStringArray] = []

    deinit {
        for pointer in strings { free(pointer) }
        for buffer in buffers { free(buffer) }
    }

    private func string(_ text: String) -> UnsafePointer<CChar> {
        let copy = strdup(text)!
        strings.append(copy)
        return UnsafePointer(copy)
    }

    private func optionalString(_ text: String?) -> UnsafePointer<CChar>? { text.map(string) }

    private func array<T>(_ values: [T]) -> UnsafePointer<T>? {
        guard !values.isEmpty else { return nil }
        let buffer = UnsafeMutablePointer<T>.allocate(capacity: values.count)
        buffer.initialize(from: values, count: values.count)
        buffers.append(UnsafeMutableRawPointer(buffer))
        return UnsafePointer(buffer)
    }

    init(_ spec: ContainerSpec, stdio: (Int32, Int32, Int32)) {
        var flags = CloneFlag.newNS
        if spec.newPIDNamespace { flags |= CloneFlag.newPID }
        if spec.newUTSNamespace { flags |= CloneFlag.newUTS }
        if spec.newIPCNamespace { flags |= CloneFlag.newIPC }
        if spec.newCgroupNamespace { flags |= CloneFlag.newCgroup }
        if spec.newNetwork { flags |= CloneFlag.newNet }
        if spec.idMaps != nil { flags |= CloneFlag.newUser }
        if let userns = spec.joinUserNamespace {
            plan.join_userns = true
            plan.userns_fd = userns.raw
        }
        if spec.joinUserNamespace != nil, let nested = spec.nestedIDMaps {
            flags |= CloneFlag.newUser
            plan.nested_uid_map = string(LaunchPlan.mapText(nested.uid))
            plan.nested_gid_map = string(LaunchPlan.mapText(nested.gid))
        }
        plan.clone_flags = Int32(flags)
        if let netns = spec.joinNetworkNamespace {
            plan.join_netns = true
            plan.netns_fd = netns.raw
        }
        setNamespaceJoins(spec)
        plan.rootfs = string(spec.rootfs)
        if let overlay = spec.overlay {
            var options = "lowerdir=\(overlay.lower.joined(separator: ":")),upperdir=\(overlay.upper),workdir=\(overlay.work)"
            if spec.inUserNamespace { options += ",userxattr" }
            plan.overlay_options = string(options)
        }
        plan.readonly_rootfs = spec.readOnlyRootfs
        let mounts = spec.mounts.map { mount -> berth_mount in
            let kind: Int32
            switch mount.kind {
            case .filesystem: kind = Int32(BERTH_MOUNT_FS.rawValue)
            case .bind: kind = Int32(BERTH_MOUNT_BIND.rawValue)
            case .device: kind = Int32(BERTH_MOUNT_DEVICE.rawValue)
            case .symlink: kind = Int32(BERTH_MOUNT_SYMLINK.rawValue)
            }
            return berth_mount(kind: kind, source: string(mount.source), target: string(mount.destination),
                               fstype: optionalString(mount.fstype.isEmpty ? nil : mount.fstype), flags: mount.flags,
                               data: optionalString(mount.data.isEmpty ? nil : mount.data))
        }
        plan.mounts = array(mounts)
        plan.mount_count = mounts.count
        let masked = spec.maskedPaths.map { Optional(string($0)) }
        plan.masked_paths = array(masked)
        plan.masked_count = masked.count
        let readOnly = spec.readOnlyPaths.map { Optional(string($0)) }
        plan.readonly_paths = array(readOnly)
        plan.readonly_count = readOnly.count
        plan.hostname = optionalString(spec.hostname)
        plan.loopback_up = spec.newNetwork
        plan.ping_group_range = optionalString(spec.newNetwork ? spec.pingGroupRange : nil)
        let argv = CStringArray(spec.arguments)
        let envp = CStringArray(spec.environment)
        arrays = [argv, envp]
        plan.path = string(spec.arguments[0])
        plan.search_path = string(spec.searchPath)
        plan.argv = UnsafePointer(argv.pointers)
        plan.envp = UnsafePointer(envp.pointers)
        plan.cwd = string(spec.workingDirectory)
        plan.uid = spec.uid
        plan.gid = spec.gid
        plan.groups = array(spec.additionalGroups)
        plan.group_count = spec.additionalGroups.count
        plan.umask = mode_t(spec.umask)
        plan.preserve_fds = spec.preserveFDs
        plan.keep_groups = spec.keepGroups
        plan.barrier = spec.barrier
        plan.off_parent_cpu = spec.offParentCPU
        plan.passwd_lines = spec.accountLines.passwd.isEmpty ? nil : string(spec.accountLines.passwd)
        plan.group_lines = spec.accountLines.group.isEmpty ? nil : string(spec.accountLines.group)
        precondition(spec.cgroupTasks.count <= Int(BERTH_CGROUP_HIERARCHIES), "more cgroup hierarchies than launch.h holds")
        plan.cgroup_mounts = array(spec.cgroupTasks.map { Optional(string($0.mount)) })
        plan.cgroup_tasks = array(spec.cgroupTasks.map { Optional(string($0.file)) })
        plan.cgroup_task_count = spec.cgroupTasks.count
        if let persona = spec.personality {
            plan.set_personality = true
            plan.personality = persona
        }
        let bounding = Capabilities.mask(spec.capabilities)
        let process = spec.uid == 0 ? bounding : Capabilities.mask(spec.nonRootCapabilities) & bounding
        plan.cap_bounding = bounding
        plan.cap_effective = process
        plan.cap_permitted = process
        plan.cap_inheritable = 0
        // Ambient capabilities carry a non-root process's set across exec (the child
        // adds them to the inheritable set, which the kernel requires).
        plan.cap_ambient = spec.uid == 0 ? 0 : process
        plan.cap_last_cap = Int32(Capabilities.lastCap)
        plan.no_new_privs = spec.noNewPrivileges
        if let program = spec.seccompProgram, !program.isEmpty {
            plan.seccomp_filter = UnsafeRawPointer(array(program))
            plan.seccomp_filter_len = program.count / 8
        }
        let limits = spec.rlimits.map { berth_rlimit(resource: $0.resource, soft: $0.soft, hard: $0.hard) }
        plan.rlimits = array(limits)
        plan.rlimit_count = limits.count
        plan.stdin_fd = stdio.0
        plan.stdout_fd = stdio.1
        plan.stderr_fd = stdio.2
        plan.tty = spec.tty
        plan.`init` = spec.useInit
        setSysctlsAndDevices(spec)
    }

    /// --pid/--ipc/--uts container:|ns: (the new… flags are false then).
    private func setNamespaceJoins(_ spec: ContainerSpec) {
        if let pidns = spec.joinPIDNamespace {
            plan.join_pidns = true
            plan.pidns_fd = pidns.raw
        }
        if let ipcns = spec.joinIPCNamespace {
            plan.join_ipcns = true
            plan.ipcns_fd = ipcns.raw
        }
        if let utsns = spec.joinUTSNamespace {
            plan.join_utsns = true
            plan.utsns_fd = utsns.raw
        }
    }

    private func setSysctlsAndDevices(_ spec: ContainerSpec) {
        let names = spec.sysctls.map { Optional(string($0.name)) }
        let values = spec.sysctls.map { Optional(string($0.value)) }
        plan.sysctl_names = array(names)
        plan.sysctl_values = array(values)
        plan.sysctl_count = names.count
        let devices = spec.deviceNodes.map {
            berth_device(target: string($0.path), mode: mode_t($0.mode), major: $0.major, minor: $0.minor, uid: $0.uid, gid: $0.gid)
        }
        plan.devices = array(devices)
        plan.device_count = devices.count
    }
}

/// The CLONE_NEW* flags (linux/sched.h); glibc shows them only under _GNU_SOURCE.
enum CloneFlag {
    static let newNS: Int32 = 0x0002_0000
    static let newCgroup: Int32 = 0x0200_0000
    static let newUTS: Int32 = 0x0400_0000
    static let newIPC: Int32 = 0x0800_0000
    static let newUser: Int32 = 0x1000_0000
    static let newPID: Int32 = 0x2000_0000
    static let newNet: Int32 = 0x4000_0000
}

extension LaunchPlan {
    /// /proc/PID/uid_map's format: one "inside outside size" line per mapping.
    static func mapText(_ maps: [IDMapping]) -> String {
        maps.map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.joined()
    }
}
