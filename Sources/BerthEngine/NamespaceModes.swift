// --pid, --ipc and --uts at create (podman's values: private, host,
// container:NAME|ID, ns:PATH; --ipc also shareable and none), what the record
// keeps, what `start` joins, and the containers a container depends on for them.
import BerthRuntime
import BerthSystem
import Glibc

/// The namespace, sysctl and device flags of run, create and a build's RUN steps.
package struct NamespaceOptions: Sendable {
    /// As given; nil: private.
    package var pid: String?
    package var ipc: String?
    package var uts: String?
    /// --sysctl NAME=VALUE (comma lists already split), SysctlOptions.swift.
    package var sysctls: [String] = []
    /// --device HOST[:CONTAINER][:PERMS], DeviceOptions.swift.
    package var devices: [String] = []

    package init() {}
}

/// The namespaces --pid, --ipc and --uts choose, with podman's names for messages.
enum NamespaceKind: String, CaseIterable {
    case pid, ipc, uts

    /// /proc/PID/ns/<file>.
    var file: String { rawValue }
    /// "PID", "IPC", "UTS" as podman's messages write them.
    var label: String { rawValue.uppercased() }
}

extension Engine {
    /// Checks and records --pid, --ipc, --uts (container: resolved to the ID, ns:
    /// paths that must exist), then --sysctl and --device, which depend on them.
    func applyNamespaceOptions(_ record: inout ContainerRecord, _ options: CreateOptions) throws {
        let flags = options.namespaces
        record.pidns = try namespaceMode(flags.pid, .pid)
        record.ipcns = try namespaceMode(flags.ipc, .ipc)
        record.utsns = try namespaceMode(flags.uts, .uts)
        if record.utsns == "host" {
            if options.hostname != nil {
                throw ContainerError.invalid("invalid config provided: cannot set hostname when running in the host UTS namespace: invalid configuration")
            }
            record.hostname = Engine.hostHostname()
        } else if let id = Engine.namespaceContainer(record.utsns), let other = try? readRecord(id), options.hostname == nil {
            // The joined namespace's name is the other container's.
            record.hostname = other.hostname
        }
        let sysctls = try Engine.checkedSysctls(flags.sysctls, record: record)
        record.sysctls = sysctls.isEmpty ? nil : sysctls
        let devices = try Engine.checkedDevices(flags.devices)
        record.devices = devices.isEmpty ? nil : devices
    }

    /// nil for private (and podman's ipc shareable); host; container:ID; ns:PATH; ipc none.
    private func namespaceMode(_ value: String?, _ kind: NamespaceKind) throws -> String? {
        guard let value, !value.isEmpty, value != "private" else { return nil }
        if value == "host" { return value }
        if kind == .ipc && value == "shareable" { return nil }
        if kind == .ipc && value == "none" { return value }
        if value == "container" || value.hasPrefix("container:") {
            let target = String(value.dropFirst("container:".count))
            guard value.hasPrefix("container:"), !target.isEmpty else {
                throw ContainerError.invalid("invalid config provided: namespace mode container requires a value")
            }
            do {
                return "container:" + (try resolveContainer(target).id)
            } catch {
                throw ContainerError.invalid("looking up container to share \(kind.rawValue) namespace with: \(error)")
            }
        }
        if value.hasPrefix("ns:") {
            let path = String(value.dropFirst(3))
            guard path.hasPrefix("/"), FileSystem.exists(path) else {
                throw ContainerError.invalid("cannot find specified \(kind.label) namespace path: stat \(path): no such file or directory")
            }
            return value
        }
        throw ContainerError.invalid("unrecognized namespace mode \(value) passed")
    }

    /// The record's mode of `kind`.
    static func namespaceMode(_ record: ContainerRecord, _ kind: NamespaceKind) -> String? {
        switch kind {
        case .pid: return record.pidns
        case .ipc: return record.ipcns
        case .uts: return record.utsns
        }
    }

    /// The ID in a container:ID mode.
    static func namespaceContainer(_ mode: String?) -> String? {
        guard let mode, mode.hasPrefix("container:") else { return nil }
        return String(mode.dropFirst("container:".count))
    }

    /// What `start` gives the child: which namespaces it makes and which it joins
    /// (the other container must run: its namespaces live with its process).
    func applyNamespaces(_ record: ContainerRecord, to spec: inout ContainerSpec) throws {
        let pid = Engine.namespaceMode(record, .pid), ipc = Engine.namespaceMode(record, .ipc), uts = Engine.namespaceMode(record, .uts)
        spec.newPIDNamespace = pid == nil
        spec.newIPCNamespace = ipc == nil || ipc == "none"
        spec.newUTSNamespace = uts == nil
        spec.joinPIDNamespace = try namespaceToJoin(record, .pid)
        spec.joinIPCNamespace = try namespaceToJoin(record, .ipc)
        spec.joinUTSNamespace = try namespaceToJoin(record, .uts)
        // A shared UTS namespace keeps its name: sethostname would rename the host or the other container.
        if !spec.newUTSNamespace { spec.hostname = nil }
        // A container:/ns: mode naming the host's IPC namespace is the host's (namespaceToJoin).
        if ipc == "host" || (ipc != nil && ipc != "none" && spec.joinIPCNamespace == nil) {
            // podman: the host's /dev/shm, as the host's IPC namespace goes with it.
            spec.mounts = spec.mounts.map { mount in
                mount.destination == "/dev/shm" ? MountSpec(kind: .bind, source: "/dev/shm", destination: "/dev/shm") : mount
            }
            // In a user namespace no mqueue can be mounted for the host's IPC
            // namespace: the host's own, where it has one (the child binds it on EPERM).
            if spec.inUserNamespace && !FileSystem.isDirectory("/dev/mqueue") {
                spec.mounts.removeAll { $0.fstype == "mqueue" }
            }
        } else if ipc == "none" {
            spec.mounts.removeAll { $0.destination == "/dev/shm" }
        }
    }

    private func namespaceToJoin(_ record: ContainerRecord, _ kind: NamespaceKind) throws -> FileDescriptor? {
        guard let mode = Engine.namespaceMode(record, kind),
              let namespace = try openNamespace(of: mode, kind: kind.file, for: record) else { return nil }
        // The namespace berth is in already (container:X where X has the host's): the
        // child stays in it without a setns, which rootless is refused (EPERM: the
        // initial user namespace owns it), so it runs as --pid/--ipc/--uts host would.
        if let theirs = try? namespace.status(), let ours = try? FileDescriptor.open("/proc/self/ns/\(kind.file)", O_RDONLY).status(),
           theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino {
            return nil
        }
        return namespace
    }

    /// The namespace a container joins at start for an ns:PATH or container:ID mode
    /// (nil for any other mode). The other container must be running: its namespace
    /// lives with its process. `kind` is the /proc/PID/ns entry ("net", "pid", ...).
    func openNamespace(of mode: String, kind: String, for record: ContainerRecord) throws -> FileDescriptor? {
        let word = kind == "net" ? "network" : kind
        if mode.hasPrefix("ns:") {
            let path = String(mode.dropFirst(3))
            do {
                return try FileDescriptor.open(path, O_RDONLY)
            } catch {
                throw ContainerError.invalid("container \(record.name): \(word) namespace \(path): \(error)")
            }
        }
        guard let id = Engine.namespaceContainer(mode) else { return nil }
        let other = try? readRecord(id)
        let state = readState(id)
        guard let other, state.status == .running,
              ProcessLiveness.isAlive(pid: state.pid, startTime: state.pidStartTime, bootID: state.bootID) else {
            throw ContainerError.invalid("container \(record.name) shares the \(word) namespace of container \(id.prefix(12)), which is not running")
        }
        do {
            return try FileDescriptor.open("/proc/\(state.pid)/ns/\(kind)", O_RDONLY)
        } catch {
            throw ContainerError.invalid("the \(word) namespace of container \(other.name): \(error)")
        }
    }

    /// The host's name, for a container in the host's UTS namespace (its
    /// /etc/hostname, HOSTNAME and inspect's Config.Hostname, as podman).
    static func hostHostname() -> String {
        let text = (try? FileSystem.readText("/proc/sys/kernel/hostname")) ?? ""
        return String(text.prefix { $0 != "\n" })
    }
}
