// A container as stored: containers/<id>/config.json (what was asked, immutable
// after create) and containers/<id>/state.json (what happened, rewritten atomically).
package import BerthImage
import BerthSystem
import FoundationEssentials

package struct VolumeMount: Codable, Sendable, Equatable {
    /// "bind", "tmpfs", "volume" (source: the volume's name), "image" (source: the
    /// image ID) or "overlay" (a build's RUN --mount).
    package var type: String
    package var source: String
    package var destination: String
    package var readOnly: Bool
    package var options: [String]
    /// An anonymous volume of this container (image VOLUME, `-v /path`): `rm -v`
    /// and `run --rm` remove it. nil (older records, named volumes): false.
    package var anonymous: Bool? = nil
}

package struct ContainerRecord: Codable, Sendable {
    package var id: String
    package var name: String
    /// The image's ID; the key the image store reads to refuse rmi of a used image.
    package var imageID: String
    package var imageName: String
    /// Chain IDs of the image's layers, bottom first (the overlay lower dirs).
    package var layers: [String]
    package var created: Double
    package var path: String
    package var args: [String]
    package var entrypoint: [String]
    package var cmd: [String]
    package var env: [String]
    package var workingDir: String
    package var user: String
    package var hostname: String
    package var mounts: [VolumeMount]
    package var readOnly: Bool
    package var privileged: Bool
    package var capAdd: [String]
    package var capDrop: [String]
    /// nil: the default profile; "unconfined"; or a profile file path.
    package var seccomp: String?
    package var noNewPrivileges: Bool
    package var useInit: Bool
    package var network: String
    package var tty: Bool
    package var interactive: Bool
    package var autoRemove: Bool
    package var ulimits: [String]
    package var userns: String
    package var labels: [String: String]
    package var stopSignal: String
    package var isRootless: Bool
    /// --umask, octal text; nil (also in records of older berths): 0022.
    package var umask: String?
    /// --group-add as given: names are looked up in the container's /etc/group at start.
    package var groupAdd: [String]?
    /// --shm-size in bytes; nil: 64 MiB.
    package var shmSize: UInt64?
    /// --personality: LINUX or LINUX32; nil leaves the host's.
    package var personality: String?
    /// --stop-timeout: seconds stop and rm -f wait before SIGKILL (nil: 10, podman's default).
    package var stopTimeout: UInt? = nil
    /// --timeout: seconds the container may run before it is killed (nil or 0: no limit).
    package var timeout: UInt? = nil
    /// --annotation KEY=VALUE, recorded for inspect.
    package var annotations: [String: String]? = nil
    /// --tz: "local" or a zone name; the host's zone file is bound at /etc/localtime.
    package var timezone: String? = nil
    /// A build's RUN container (hidden from ps without --external, as podman hides
    /// buildah's): the berth process running the build, so that a later command can
    /// sweep what a killed build left.
    package var builder: BuildOwner? = nil
    /// build --no-hosts: no /etc/hosts bind (the image's own file stays).
    package var noHosts: Bool? = nil
    /// build --add-host NAME:IP lines, and --dns servers for resolv.conf.
    package var addHosts: [String]? = nil
    package var dnsServers: [String]? = nil
    /// --dns-search domains (["."]: none) and --dns-option options for resolv.conf.
    package var dnsSearch: [String]? = nil
    package var dnsOptions: [String]? = nil
    /// --restart as given ("no", "on-failure[:N]", "always", "unless-stopped"); nil: no.
    package var restartPolicy: String? = nil
    /// --pidfile: where each start writes the container's pid.
    package var pidFile: String? = nil
    /// --conmon-pidfile: where each start writes the monitor's pid.
    package var conmonPidFile: String? = nil
    /// --log-driver: nil is k8s-file; "none" keeps nothing; "passthrough" (foreground only).
    package var logDriver: String? = nil
    /// --log-opt max-size in bytes (the log is emptied before it would grow past it),
    /// path (the log file instead of userdata/ctr.log) and tag (recorded for inspect).
    package var logMaxSize: Int64? = nil
    package var logPath: String? = nil
    package var logTag: String? = nil
    /// The health check: the image's HEALTHCHECK under --health-*, or --health-cmd's
    /// (Test ["NONE"]: none), with podman's defaults filled in; and --health-on-failure.
    package var healthcheck: HealthConfig? = nil
    package var healthOnFailure: String? = nil
    /// Resource limits (ContainerResources.swift); nil: none asked and no default applied.
    package var resources: ContainerResources? = nil
    /// --cgroup-parent, --cgroupns, --cgroups and --cgroup-manager as given (CgroupPlan.swift).
    package var cgroupParent: String? = nil
    package var cgroupns: String? = nil
    package var cgroups: String? = nil
    package var cgroupManager: String? = nil
    /// The networks of "bridge" mode, one entry per network (`bridge`: the default
    /// network `berth`), with --ip, --ip6, --mac-address and --network-alias; nil otherwise.
    package var networkRequests: [NetworkRequest]? = nil
    /// -p and -P's mappings, host ports chosen at create where berth picked them
    /// (podman's PortMappings); --expose's and the image's EXPOSE ("80/tcp"); -P.
    package var ports: [PortMapping]? = nil
    package var exposedPorts: [String]? = nil
    package var publishAll: Bool? = nil
    /// --pid, --ipc, --uts: nil private; host, container:ID, ns:PATH; ipc none (NamespaceModes.swift).
    package var pidns: String? = nil
    package var ipcns: String? = nil
    package var utsns: String? = nil
    /// --sysctl NAME=VALUE in the order given (SysctlOptions.swift).
    package var sysctls: [String]? = nil
    /// --device (DeviceOptions.swift).
    package var devices: [DeviceMapping]? = nil
    /// --requires: the IDs of the containers started before this one (ContainerDependents.swift).
    package var requires: [String]? = nil
    /// --passwd=false (nil: true), --passwd-entry, --hostuser (ContainerAccounts.swift).
    package var passwd: Bool? = nil
    package var passwdEntry: String? = nil
    package var hostUsers: [String]? = nil
    /// --sdnotify: container, conmon or ignore; nil: podman's default, container (ContainerSdNotify.swift).
    package var sdNotifyMode: String? = nil
    /// --init-path: the init binary --init runs as pid 1 instead of berth's own (ContainerInitPath.swift).
    package var initPath: String? = nil
}

/// The process that owns a build container: alive while its pid has this start
/// time on this boot.
package struct BuildOwner: Codable, Sendable, Equatable {
    package var pid: Int32
    package var startTime: UInt64
    package var bootID: String

    /// This berth process.
    package static var current: BuildOwner {
        let pid = ProcessIdentity.pid
        return BuildOwner(pid: pid, startTime: ProcessLiveness.startTime(of: pid) ?? 0, bootID: ProcessLiveness.bootID)
    }

    package var isAlive: Bool { ProcessLiveness.isAlive(pid: pid, startTime: startTime, bootID: bootID) }
}

package enum ContainerStatus: String, Codable, Sendable {
    case created, running, stopped, exited
}

package struct ContainerState: Codable, Sendable {
    package var status: ContainerStatus
    package var pid: Int32 = 0
    /// Field 22 of /proc/PID/stat when started: a pid reused later differs here.
    package var pidStartTime: UInt64 = 0
    package var bootID: String = ""
    package var startedAt: Double?
    package var finishedAt: Double?
    package var exitCode: Int32 = 0
    package var error: String?
    /// The process that is the container's parent: its monitor, or the foreground
    /// berth run (State.ConmonPid), with its start time against pid reuse.
    package var monitorPID: Int32? = nil
    package var monitorStartTime: UInt64? = nil
    /// Restarts the restart policy made since the user last started it (RestartCount).
    package var restartCount: Int? = nil
    /// stop, kill or rm by the user: the restart policy no longer applies.
    package var stoppedByUser: Bool? = nil
    /// The restart policy's current back-off, in milliseconds.
    package var restartDelayMS: Int? = nil
    /// State.Health: the health check's status and last results (ContainerHealth.swift).
    package var health: HealthState? = nil
    /// `pause` froze its cgroup (ContainerFreezer.swift); status stays running.
    package var paused: Bool? = nil
    /// The OOM killer killed a process of it during this run (State.OOMKilled).
    package var oomKilled: Bool? = nil

    package init(status: ContainerStatus) { self.status = status }

    /// Running with its cgroup frozen: podman's "paused" state.
    package var isPaused: Bool { status == .running && paused == true }
    /// podman's State.Status: "paused" for a frozen running container.
    package var statusName: String { isPaused ? "paused" : status.rawValue }

    /// Whether the monitor (or foreground run) recorded here still runs.
    package var monitorIsAlive: Bool {
        guard let pid = monitorPID, let start = monitorStartTime else { return false }
        return ProcessLiveness.isAlive(pid: pid, startTime: start, bootID: bootID)
    }
}

package struct ContainerDetails: Sendable {
    package var record: ContainerRecord
    package var state: ContainerState
    /// Where the store keeps volumes (ROOT/volumes): inspect's Mounts name a volume's data there.
    package var volumesDirectory = ""
    /// What the running container's start set up on its networks (inspect's
    /// NetworkSettings), and the IDs of the networks it asked for, by name.
    package var network: NetworkStatus? = nil
    package var networkIDs: [String: String] = [:]
}

extension ContainerRecord {
    /// What stop and rm -f wait without -t: --stop-timeout, else podman's 10 seconds.
    package var stopTimeoutSeconds: Double { stopTimeout.map(Double.init) ?? Engine.defaultStopTimeout }
}
