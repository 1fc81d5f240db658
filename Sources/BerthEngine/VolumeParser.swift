// -v/--volume, --mount and --tmpfs in podman's syntax.
import BerthSystem

enum VolumeParser {
    static func parse(volumes: [String], mounts: [String], tmpfs: [String]) throws -> [VolumeMount] {
        var result: [VolumeMount] = []
        for spec in volumes { result.append(try volume(spec)) }
        for spec in mounts { result.append(try mount(spec)) }
        for spec in tmpfs {
            let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
            try checkDestination(parts[0], spec)
            result.append(VolumeMount(type: "tmpfs", source: "tmpfs", destination: parts[0], readOnly: false,
                                      options: parts.count > 1 ? parts[1].split(separator: ",").map(String.init) : []))
        }
        var seen = Set<String>()
        for mount in result where !seen.insert(mount.destination).inserted {
            throw ContainerError.invalid("\(mount.destination): duplicate mount destination")
        }
        return result
    }

    private static func checkDestination(_ destination: String, _ spec: String) throws {
        guard destination.hasPrefix("/") else {
            throw ContainerError.invalid("invalid mount \"\(spec)\": container path \"\(destination)\" must be absolute")
        }
    }

    private static func volume(_ spec: String) throws -> VolumeMount {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3, !parts[0].isEmpty else {
            throw ContainerError.invalid("invalid volume \"\(spec)\": use HOST-DIR:CONTAINER-DIR[:OPTIONS]")
        }
        guard parts[0].hasPrefix("/") || parts[0].hasPrefix(".") else {
            throw ContainerError.invalid("invalid volume \"\(spec)\": named volumes are not supported yet: use an absolute host path")
        }
        let source = FileSystem.absolute(parts[0])
        guard FileSystem.exists(source) else {
            throw ContainerError.invalid("statfs \(source): no such file or directory")
        }
        try checkDestination(parts[1], spec)
        let options = parts.count == 3 ? parts[2].split(separator: ",").map(String.init) : []
        for option in options where !["ro", "rw", "z", "Z", "rprivate", "private", "rshared", "shared", "rslave", "slave", "nosuid", "nodev", "noexec", "suid", "dev", "exec", "bind", "rbind"].contains(option) {
            throw ContainerError.invalid("invalid volume option \"\(option)\" in \"\(spec)\"")
        }
        return VolumeMount(type: "bind", source: source, destination: parts[1], readOnly: options.contains("ro"), options: options)
    }

    private static func mount(_ spec: String) throws -> VolumeMount {
        var fields: [String: String] = [:]
        var flags: [String] = []
        for item in spec.split(separator: ",") {
            let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
            if kv.count == 2 { fields[kv[0]] = kv[1] } else { flags.append(kv[0]) }
        }
        let type = fields["type"] ?? "volume"
        guard let target = fields["target"] ?? fields["destination"] ?? fields["dst"] else {
            throw ContainerError.invalid("invalid --mount \"\(spec)\": target is required")
        }
        try checkDestination(target, spec)
        let readOnly = flags.contains("ro") || flags.contains("readonly") || fields["ro"] == "true" || fields["readonly"] == "true"
        switch type {
        case "bind":
            guard let source = fields["source"] ?? fields["src"] else {
                throw ContainerError.invalid("invalid --mount \"\(spec)\": source is required for bind mounts")
            }
            let absolute = FileSystem.absolute(source)
            guard FileSystem.exists(absolute) else { throw ContainerError.invalid("statfs \(absolute): no such file or directory") }
            return VolumeMount(type: "bind", source: absolute, destination: target, readOnly: readOnly, options: [])
        case "tmpfs":
            var options: [String] = []
            if let size = fields["tmpfs-size"] { options.append("size=" + size) }
            if let mode = fields["tmpfs-mode"] { options.append("mode=" + mode) }
            return VolumeMount(type: "tmpfs", source: "tmpfs", destination: target, readOnly: readOnly, options: options)
        default:
            throw ContainerError.invalid("invalid --mount \"\(spec)\": type \"\(type)\" is not supported (bind, tmpfs)")
        }
    }
}
