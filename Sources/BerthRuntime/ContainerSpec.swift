// What the runtime needs to start one container: a value built by the engine from
// the container record and image config, turned into the C launch plan.
package import BerthSystem

package struct MountSpec: Sendable, Equatable {
    package enum Kind: Sendable, Equatable { case filesystem, bind, device, symlink }
    package var kind: Kind
    package var source: String
    package var destination: String
    package var fstype: String = ""
    package var flags: UInt = 0
    package var data: String = ""

    package init(kind: Kind, source: String, destination: String, fstype: String = "", flags: UInt = 0, data: String = "") {
        self.kind = kind
        self.source = source
        self.destination = destination
        self.fstype = fstype
        self.flags = flags
        self.data = data
    }
}

package struct ResourceLimit: Sendable, Equatable {
    package var resource: Int32
    package var soft: UInt64
    package var hard: UInt64

    package init(resource: Int32, soft: UInt64, hard: UInt64) {
        self.resource = resource
        self.soft = soft
        self.hard = hard
    }
}

package struct ContainerSpec: Sendable {
    /// Empty directory where the root filesystem is assembled.
    package var rootfs: String
    /// Overlay lower dirs (top first), upper and work dirs; nil bind-mounts `rootfs` as is.
    package var overlay: (lower: [String], upper: String, work: String)?
    package var readOnlyRootfs = false
    package var mounts: [MountSpec] = []
    package var maskedPaths: [String] = []
    package var readOnlyPaths: [String] = []
    package var hostname: String?
    package var newNetwork = true
    /// A cgroup namespace of its own (--cgroupns private), entered after placement.
    package var newCgroupNamespace = true
    /// cgroup v1: each hierarchy's mount point and the `tasks` file below it that
    /// the process moves itself into (at the barrier, or right after the release).
    package var cgroupTasks: [(mount: String, file: String)] = []
    /// --network container:ID|ns:PATH: the network namespace to join (newNetwork is false).
    package var joinNetworkNamespace: FileDescriptor?
    /// uid and gid maps when the container gets its own user namespace (rootless).
    package var idMaps: (uid: [IDMapping], gid: [IDMapping])?
    /// Rootless: the pause process's user namespace to join instead (its maps are
    /// already written), in place of idMaps.
    package var joinUserNamespace: FileDescriptor?
    /// Rootless, berth already runs as root of the rootless user namespace (a
    /// build, `unshare`): the container stays in it (neither idMaps nor a join).
    package var inCallersUserNamespace = false
    package var inUserNamespace: Bool { idMaps != nil || joinUserNamespace != nil || inCallersUserNamespace }
    package var arguments: [String]
    package var environment: [String]
    package var searchPath: String
    package var workingDirectory: String
    package var uid: UInt32 = 0
    package var gid: UInt32 = 0
    package var additionalGroups: [UInt32] = []
    /// The bounding set; root's effective set too.
    package var capabilities: Set<String> = Capabilities.podmanDefault
    /// A non-root process's effective (and ambient) set: podman gives it only what
    /// --cap-add named, so `--user 1000` runs without capabilities by default.
    package var nonRootCapabilities: Set<String> = []
    package var noNewPrivileges = false
    package var seccompProgram: [UInt8]?
    package var rlimits: [ResourceLimit] = []
    package var tty = false
    package var useInit = false
    package var pingGroupRange: String?
    /// --umask: the process's file mode creation mask (podman's default 0022).
    package var umask: UInt32 = 0o022
    /// --preserve-fds: fds 3 … 3+preserveFDs-1 of this process stay open in the container's.
    package var preserveFDs: Int32 = 0
    /// --personality: the execution domain (PER_LINUX, PER_LINUX32); nil leaves berth's.
    package var personality: UInt?
    /// --group-add keep-groups: the process keeps berth's own supplementary groups.
    package var keepGroups = false
    /// The process stops before its rlimits, seccomp and ids (its rootfs is ready)
    /// until the parent has run the LaunchWork that `ContainerProcess.start`'s
    /// `beforeRelease` returned: the cgroup's making and a network helper's start-up
    /// run beside the mounts (launch.h barrier).
    package var barrier = false
    /// The parent works beside the set-up (the cgroup's making): the process starts
    /// on another CPU than berth's, not queued behind it (launch.h off_parent_cpu).
    package var offParentCPU = false
    /// Lines the process appends to its /etc/passwd and /etc/group after pivot_root
    /// (--passwd, launch.h passwd_lines); empty: none.
    package var accountLines = (passwd: "", group: "")
    /// With joinUserNamespace: the container gets a user namespace of its own nested
    /// in the joined one, with these maps (outside ids being the joined namespace's),
    /// written by the launch's intermediate process (rootless --userns keep-id on a
    /// user network, whose interface the rootless network namespace's helper makes).
    package var nestedIDMaps: (uid: [IDMapping], gid: [IDMapping])?
    /// --pid/--ipc/--uts: false for host and for a joined namespace (NamespaceModes in the engine).
    package var newPIDNamespace = true
    package var newIPCNamespace = true
    package var newUTSNamespace = true
    /// container:ID|ns:PATH: the namespaces to join (their new… flag is false).
    package var joinPIDNamespace: FileDescriptor?
    package var joinIPCNamespace: FileDescriptor?
    package var joinUTSNamespace: FileDescriptor?
    /// --sysctl, in order: written inside the container's namespaces before exec.
    package var sysctls: [(name: String, value: String)] = []
    /// --device as root: nodes made with mknod (rootless binds them as mounts instead).
    package var deviceNodes: [DeviceNode] = []

    package init(rootfs: String, arguments: [String], environment: [String], searchPath: String, workingDirectory: String) {
        self.rootfs = rootfs
        self.arguments = arguments
        self.environment = environment
        self.searchPath = searchPath
        self.workingDirectory = workingDirectory
    }
}

/// A device node the child makes in the container (--device as root).
package struct DeviceNode: Sendable, Equatable {
    package var path: String
    /// S_IFCHR or S_IFBLK with the permission bits.
    package var mode: UInt32
    package var major: UInt32
    package var minor: UInt32
    package var uid: UInt32
    package var gid: UInt32

    package init(path: String, mode: UInt32, major: UInt32, minor: UInt32, uid: UInt32, gid: UInt32) {
        self.path = path
        self.mode = mode
        self.major = major
        self.minor = minor
        self.uid = uid
        self.gid = gid
    }
}
