// inspect's HostConfig fields for --pid, --ipc, --uts and --device, as podman 4.3
// shows them.
import BerthEngine
import BerthTemplate

enum NamespaceViews {
    static func hostConfig(_ r: ContainerRecord) -> [(String, TemplateValue)] {
        // podman 4.3 reports every IPC mode but container: as "shareable".
        let ipc = r.ipcns.flatMap { $0.hasPrefix("container:") ? $0 : nil } ?? "shareable"
        // podman 4.3 leaves CgroupPermissions empty whatever the permissions.
        let devices = (r.devices ?? []).map { device in
            TemplateValue.structure("define.InspectDevice", [
                ("PathOnHost", .string(device.pathOnHost)), ("PathInContainer", .string(device.pathInContainer)),
                ("CgroupPermissions", .string("")),
            ])
        }
        return [
            ("PidMode", .string(r.pidns ?? "private")), ("IpcMode", .string(ipc)), ("UTSMode", .string(r.utsns ?? "private")),
            ("Devices", .array(devices)),
        ]
    }
}
