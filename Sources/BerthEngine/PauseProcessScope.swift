// Rootless under the systemd manager, the pause process (PauseProcess.swift) gets a
// transient scope of its own, as podman's does: started by the first rootless
// command, it would otherwise stay in that command's cgroup, and a systemd unit
// wrapping that command (`systemd-run --user --wait berth run …`, a service) would
// not end with it but only when its stop timed out.
package import BerthRuntime

extension Engine {
    /// The scope unit of the pause process `pid` (unique while it lives).
    static func pauseScopeName(_ pid: Int32) -> String { "berth-pause-\(pid).scope" }

    /// What PauseProcess does with a new pause process: under the rootless systemd
    /// manager (`cgroupManager` as the global flag asks, else the host's default),
    /// ask the user's manager for `berth.slice/berth-pause-PID.scope`. Decided only
    /// when a pause process is started, so no other command pays for it.
    package static func pauseProcessPlacement(cgroupManager: String?) -> PauseProcess.Placement {
        { pid in
            guard (try? CgroupPlan.managerName(cgroupManager, host: cgroupHost, rootless: true)) == "systemd" else { return }
            // Best effort: where the scope cannot be had, the pause process stays where
            // it is and everything works as before, except the wrapping unit's end.
            try? SystemdScope.start(unit: pauseScopeName(pid), slice: "berth.slice", pid: pid,
                                    description: "berth rootless pause process", limits: [], rootless: true)
        }
    }
}
