// Where a container's cgroup goes and whether its limits can be honoured there,
// decided before anything is created (design.md §4): v1 (and hybrid) per
// controller under machine.slice, root only; v2 under machine.slice (root) or the
// user's delegated user@UID.service/berth.slice (rootless). A limit whose
// controller is missing or not delegated is refused, naming the controller.
import BerthSystem
import Glibc

/// The cgroup options of run/create (podman's --cgroups, --cgroup-parent, --cgroup-manager, --cgroupns).
package struct CgroupSettings: Sendable, Equatable {
    /// "enabled" (nil), "disabled", "no-conmon" or "split".
    package var mode: String?
    package var parent: String?
    /// "cgroupfs" or "systemd"; nil: the host's default.
    package var manager: String?
    /// "private" or "host"; nil: private on v2, host on v1 (podman's defaults).
    package var namespace: String?
    package init() {}

    package static let modes = ["enabled", "disabled", "no-conmon", "split"]
}

struct CgroupPlan {
    /// v1: controller → the container's directory. v2: "" → the directory.
    var paths: [String: String]
    var version: Int
    /// v2: the delegated (or root) cgroup below which berth makes directories and
    /// enables controllers; the levels from it to the container's directory.
    var base: String?
    var manager: String
    /// systemd manager: the transient scope unit to ask systemd for, and its slice.
    var unit: String? = nil
    var slice: String? = nil

    /// The directory name of a container's cgroup.
    static func scopeName(_ id: String) -> String { "berth-\(id).scope" }

    /// The test hook that keeps tests' cgroups under a parent of their own.
    static let testParentVariable = "BERTH_TEST_CGROUP_PARENT"

    /// The plan for `record` on `host`; nil when it gets no cgroup (--cgroups
    /// disabled, or rootless where nothing is delegated and no limit is asked).
    /// Throws, naming the controller, when a limit cannot be honoured.
    static func make(_ record: ContainerRecord, host: CgroupHost, rootless: Bool) throws -> CgroupPlan? {
        let resources = record.resources ?? ContainerResources()
        let requests = resources.requests
        if record.cgroups == "disabled" {
            if let first = requests.first {
                throw ContainerError.invalid("\(first.flag) needs a cgroup, but the container is created with --cgroups=disabled")
            }
            return nil
        }
        // --cgroups=split stays inside the caller's cgroup, which systemd does not hand out.
        let manager = record.cgroups == "split" ? "cgroupfs" : try managerName(record.cgroupManager, host: host, rootless: rootless)
        switch host.layout {
        case .none:
            if let first = requests.first {
                throw ContainerError.invalid("\(first.flag) needs the \(first.controller) cgroup controller, but this host has no cgroup filesystem mounted")
            }
            return nil
        case .v1:
            if rootless {
                if let first = requests.first { throw v1RootlessRefusal(first.flag, first.controller) }
                return nil
            }
            for request in requests where host.v1Mounts[request.controller] == nil {
                throw ContainerError.invalid("\(request.flag) needs the \(request.controller) cgroup controller, which is not mounted on this host (cgroup v1: mount it at /sys/fs/cgroup/\(request.controller))")
            }
            let parent = parentPath(record, host: host, controller: "memory") ?? "/machine.slice"
            var paths: [String: String] = [:]
            for controller in CgroupHost.v1Controllers {
                guard let mount = host.v1Mounts[controller] else { continue }
                let parentHere = record.cgroups == "split" ? (host.ownPaths[controller] ?? "/") : parent
                paths[controller] = CgroupHost.join(CgroupHost.join(mount, parentHere), scopeName(record.id))
            }
            return CgroupPlan(paths: paths, version: 1, base: nil, manager: manager)
        case .v2:
            guard let mount = host.unifiedMount else { return nil }
            let base: String
            if rootless {
                guard let user = host.userServicePath else {
                    if let first = requests.first { throw v2Undelegated(first.flag, first.controller, available: [], base: nil) }
                    return nil
                }
                base = CgroupHost.join(mount, user)
            } else {
                base = mount
            }
            let available = Set((CgroupFiles.read("cgroup.controllers", in: base) ?? "").split(separator: " ").map(String.init))
            for request in requests {
                let controller = request.controller == "blkio" ? "io" : request.controller
                if !available.contains(controller) {
                    throw v2Undelegated(request.flag, controller, available: available.sorted(), base: rootless ? base : nil)
                }
            }
            if rootless && access(base + "/cgroup.subtree_control", W_OK) != 0 {
                if let first = requests.first { throw v2Undelegated(first.flag, first.controller, available: [], base: base) }
                return nil
            }
            let defaultParent = rootless ? "/berth.slice" : "/machine.slice"
            var parent = parentPath(record, host: host, controller: "") ?? defaultParent
            var slice: String?
            if manager == "systemd" {
                let name = FileSystem.basename(of: parent)
                guard name.hasSuffix(".slice") else {
                    throw ContainerError.invalid("invalid --cgroup-parent \"\(parent)\": with --cgroup-manager systemd it must name a slice (NAME.slice)")
                }
                slice = name
                parent = SystemdScope.slicePath(name)
            }
            if record.cgroups == "split", let own = host.ownPaths[""] {
                // Under the caller's own cgroup, whose processes move to a leaf beside it
                // first (MonitorCgroup.swift): v2 allows no processes in a cgroup whose
                // children have controllers. A caller in the root cgroup: podman refuses.
                guard own != "/" else {
                    throw ContainerError.invalid("--cgroups=split: this process is in the root cgroup, which cannot be split")
                }
                parent = own
            }
            // A rootless parent is inside the user's subtree; root's is from the hierarchy's root.
            let parentDirectory = record.cgroups == "split" ? CgroupHost.join(mount, parent) : CgroupHost.join(base, parent)
            return CgroupPlan(paths: ["": CgroupHost.join(parentDirectory, scopeName(record.id))], version: 2, base: base, manager: manager,
                              unit: slice == nil ? nil : scopeName(record.id), slice: slice)
        }
    }

    /// --cgroup-parent, else the test hook; nil: the default.
    private static func parentPath(_ record: ContainerRecord, host: CgroupHost, controller: String) -> String? {
        if let parent = record.cgroupParent, !parent.isEmpty { return parent }
        if let parent = Environment.get(testParentVariable), !parent.isEmpty { return parent }
        return nil
    }

    /// podman's default manager: systemd where systemd runs the host with cgroup v2
    /// (rootless: when the user's manager can be reached), else cgroupfs. Asking for
    /// systemd where it cannot work is an error naming why, as podman's.
    static func managerName(_ asked: String?, host: CgroupHost, rootless: Bool) throws -> String {
        switch asked {
        case nil, "":
            guard host.hasSystemd, host.layout == .v2 else { return "cgroupfs" }
            if rootless && SystemdScope.busSocket(rootless: true) == nil { return "cgroupfs" }
            return "systemd"
        case "cgroupfs": return "cgroupfs"
        case "systemd":
            guard host.hasSystemd else {
                throw ContainerError.invalid("--cgroup-manager systemd: systemd is not running on this host (no /run/systemd/system): use --cgroup-manager cgroupfs")
            }
            guard host.layout == .v2 else {
                throw ContainerError.invalid("--cgroup-manager systemd needs cgroup v2, and this host uses cgroup v1 controllers: use --cgroup-manager cgroupfs")
            }
            if rootless && SystemdScope.busSocket(rootless: true) == nil {
                throw ContainerError.invalid("--cgroup-manager systemd: no systemd user manager to ask (neither $XDG_RUNTIME_DIR/systemd/private nor $XDG_RUNTIME_DIR/bus): "
                    + "log in through systemd-logind or enable lingering (loginctl enable-linger), or use --cgroup-manager cgroupfs")
            }
            return "systemd"
        default:
            throw ContainerError.invalid("invalid --cgroup-manager \"\(asked ?? "")\": must be systemd or cgroupfs")
        }
    }

    static func v1RootlessRefusal(_ flag: String, _ controller: String) -> ContainerError {
        .invalid("\(flag) needs the \(controller) cgroup controller, which a rootless container cannot use on this host: "
            + "cgroup v1 has no delegation to unprivileged users. Boot with cgroup v2 (systemd.unified_cgroup_hierarchy=1) "
            + "and delegate \(controller) to your user (Delegate=\(controller) in a drop-in for user@.service), or run as root")
    }

    static func v2Undelegated(_ flag: String, _ controller: String, available: [String], base: String?) -> ContainerError {
        let have = available.isEmpty ? "none" : available.joined(separator: " ")
        guard let base else {
            if available.isEmpty {
                return .invalid("\(flag) needs the \(controller) cgroup controller, but no cgroup is delegated to this user "
                    + "(no user@\(getuid()).service in /proc/self/cgroup): log in through systemd-logind, or run as root")
            }
            return .invalid("\(flag) needs the \(controller) cgroup controller, which is not available on this host (the root cgroup has: \(have))")
        }
        return .invalid("\(flag) needs the \(controller) cgroup controller, which is not delegated to this user (\(base) has: \(have)): "
            + "delegate it with Delegate=cpu cpuset io memory pids in /etc/systemd/system/user@.service.d/delegate.conf, "
            + "then systemctl daemon-reload and log in again")
    }
}
