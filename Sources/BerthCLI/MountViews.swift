// inspect's Mounts, as podman 4.3 prints them: volumes (named and anonymous) and
// host directories with podman's fields; an image mount by its image ID.
import BerthEngine
import BerthTemplate

extension ContainerViews {
    /// One entry of Mounts; nil for what podman leaves out (tmpfs and a build's overlays).
    static func inspectMount(_ m: VolumeMount, volumes: String) -> TemplateValue? {
        let mode = m.options.first { $0 == "z" || $0 == "Z" } ?? ""
        let propagation = m.options.first { ["rprivate", "private", "rshared", "shared", "rslave", "slave"].contains($0) } ?? "rprivate"
        let flags = m.options.filter { ["nosuid", "nodev", "noexec", "suid", "dev", "exec", "U", "idmap", "nocopy"].contains($0) }
        switch m.type {
        case "volume":
            let defaults = (m.options.contains("suid") ? [] : ["nosuid"]) + (m.options.contains("dev") ? [] : ["nodev"])
            return .structure("define.InspectMount", [
                ("Type", .string("volume")), ("Name", .string(m.source)), ("Source", .string(volumes + "/" + m.source + "/_data")),
                ("Destination", .string(m.destination)), ("Driver", .string("local")), ("Mode", .string(mode)),
                ("Options", ImageViews.strings(defaults + flags.filter { !defaults.contains($0) } + ["rbind"])),
                ("RW", .bool(!m.readOnly)), ("Propagation", .string(propagation)),
            ])
        case "bind":
            return .structure("define.InspectMount", [
                ("Type", .string("bind")), ("Source", .string(m.source)), ("Destination", .string(m.destination)),
                ("Driver", .string("")), ("Mode", .string(mode)), ("Options", ImageViews.strings(flags + ["rbind"])),
                ("RW", .bool(!m.readOnly)), ("Propagation", .string(propagation)),
            ])
        case "image":
            return .structure("define.InspectMount", [
                ("Type", .string("image")), ("Source", .string(m.source)), ("Destination", .string(m.destination)),
                ("Driver", .string("")), ("Mode", .string("")), ("Options", ImageViews.strings([])),
                ("RW", .bool(false)), ("Propagation", .string("")),
            ])
        default:
            return nil
        }
    }
}
