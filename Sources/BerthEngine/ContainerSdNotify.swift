// --sdnotify, podman's: what a container's start tells systemd when berth runs in a
// Type=notify unit ($NOTIFY_SOCKET set; Docs/systemd.md).
// - container (podman's default): the socket is bound into the container at
//   /run/notify/notify.sock with NOTIFY_SOCKET naming it, so the container's own
//   process sends READY=1; berth sends MAINPID only.
// - conmon: berth sends MAINPID and READY=1 once the container runs; the socket
//   never reaches the container.
// - ignore: berth sends nothing and drops NOTIFY_SOCKET from its own environment,
//   so nothing it starts (the monitor, the container) sees it.
// MAINPID is the process playing conmon's part, as podman sends conmon's pid: the
// monitor for a detached container, this berth process in the foreground. That
// process stays in the unit's cgroup (the container's own goes elsewhere, where
// systemd refuses a MAINPID from an unprivileged unit), lives across restarts, and
// ends with the container's exit recorded; `run -d` itself exits at once, so
// naming it would make systemd think the service ended.
import BerthRuntime
import BerthSystem

package enum SdNotifyMode: String, Sendable {
    case container, conmon, ignore

    /// podman's flag values; anything else is podman's error.
    package init(flag: String) throws {
        guard let mode = SdNotifyMode(rawValue: flag) else {
            throw ContainerError.invalid("invalid argument: invalid sdnotify value \"\(flag)\": must be container, conmon or ignore")
        }
        self = mode
    }
}

extension ContainerRecord {
    /// --sdnotify as recorded; older records and no flag: podman's default, container.
    package var sdNotify: SdNotifyMode { sdNotifyMode.flatMap(SdNotifyMode.init(rawValue:)) ?? .container }
}

extension Engine {
    /// Where container mode binds the socket inside (runc's and crun's path).
    static let containerNotifySocket = "/run/notify/notify.sock"

    /// Before a start: `ignore` hides the socket from everything started from here on.
    func applySdNotifyEnvironment(_ record: ContainerRecord) {
        if record.sdNotify == .ignore { NotifySocket.removeFromEnvironment() }
    }

    /// container mode: binds the caller's socket into the container and names it there.
    func applyNotifySocket(_ record: ContainerRecord, to spec: inout ContainerSpec) throws {
        guard record.sdNotify == .container, let address = NotifySocket.address else { return }
        // An abstract name lives in the host's network namespace: nothing to bind.
        guard address.hasPrefix("/") else {
            throw ContainerError.invalid("container \(record.name): --sdnotify=container needs NOTIFY_SOCKET to name a socket file, not \"\(address)\"")
        }
        spec.mounts.append(MountSpec(kind: .bind, source: address, destination: Engine.containerNotifySocket))
        spec.environment = Engine.merge(spec.environment, [NotifySocket.variable + "=" + Engine.containerNotifySocket])
    }

    /// Once the container runs: MAINPID (and READY=1 in conmon mode) to systemd.
    /// A failed send is a warning, as podman logs it: the container runs.
    func notifyStarted(_ record: ContainerRecord, mainPID: Int32) {
        guard record.sdNotify != .ignore, let address = NotifySocket.address else { return }
        let message = "MAINPID=\(mainPID)" + (record.sdNotify == .conmon ? "\nREADY=1" : "")
        do {
            try NotifySocket.send(message, to: address)
        } catch {
            Warnings.report("container \(record.name): telling systemd it started: \(error)")
        }
    }
}
