// -v/--volume, --mount and --tmpfs in podman's syntax. Pure: nothing is looked
// up or created here (ContainerVolumes.swift creates the named and anonymous
// volumes once every spec has parsed), so a bad spec leaves the store as it was.
import BerthSystem

enum VolumeParser {
    /// The options -v takes for a bind or a volume (podman's list, less overlay's O).
    static let volumeOptions: Set<String> = [
        "ro", "rw", "z", "Z", "U", "nocopy", "copy", "idmap", "rprivate", "private", "rshared", "shared", "rslave", "slave",
        "runbindable", "unbindable", "nosuid", "nodev", "noexec", "suid", "dev", "exec", "bind", "rbind",
        "noatime", "relatime", "strictatime",
    ]
    /// Options only a volume (not a host directory) can take.
    private static let volumeOnly: Set<String> = ["nocopy", "copy"]

    static func parse(volumes: [String], mounts: [String], tmpfs: [String]) throws -> [VolumeMount] {
        var result: [VolumeMount] = []
        for spec in volumes { result.append(try volume(spec)) }
        for spec in mounts { result.append(try mount(spec)) }
        for spec in tmpfs {
            let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
            try checkDestination(parts.first ?? "", spec)
            result.append(VolumeMount(type: "tmpfs", source: "tmpfs", destination: parts[0], readOnly: false,
                                      options: parts.count > 1 ? parts[1].split(separator: ",").map(String.init) : []))
        }
        try checkUnique(result)
        return result
    }

    static func checkUnique(_ mounts: [VolumeMount]) throws {
        var seen = Set<String>()
        for mount in mounts where !seen.insert(clean(mount.destination)).inserted {
            throw ContainerError.invalid("\(mount.destination): duplicate mount destination")
        }
    }

    /// A container path with `.`, `..` and repeated slashes removed (as podman's filepath.Clean).
    static func clean(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == ".." { _ = parts.popLast() } else { parts.append(part) }
        }
        return "/" + parts.joined(separator: "/")
    }

    private static func checkDestination(_ destination: String, _ spec: String) throws {
        guard destination.hasPrefix("/") else {
            throw ContainerError.invalid("invalid mount \"\(spec)\": container path \"\(destination)\" must be absolute")
        }
    }

    /// podman's rule for a volume name: [a-zA-Z0-9][a-zA-Z0-9_.-]*.
    static func isValidVolumeName(_ name: String) -> Bool { Engine.isValidName(name) }

    /// -v SOURCE:DEST[:OPTIONS], -v DEST[:OPTIONS] (an anonymous volume). A source
    /// starting with "/" or "." is a host path; anything else names a volume.
    private static func volume(_ spec: String) throws -> VolumeMount {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let format = "invalid volume \"\(spec)\": use [HOST-DIR|VOLUME-NAME:]CONTAINER-DIR[:OPTIONS]"
        guard (1...3).contains(parts.count), !parts.contains(where: \.isEmpty) else { throw ContainerError.invalid(format) }
        // One part only: an anonymous volume. Two are always SOURCE:DEST, as podman
        // reads them ("/data:ro" is refused: container path "ro" is not absolute).
        if parts.count == 1 {
            try checkDestination(parts[0], spec)
            return VolumeMount(type: "volume", source: "", destination: parts[0], readOnly: false, options: [], anonymous: true)
        }
        guard parts.count >= 2 else { throw ContainerError.invalid(format) }
        try checkDestination(parts[1], spec)
        let source = parts[0]
        let isHostPath = source.hasPrefix("/") || source.hasPrefix(".")
        let options = try checkedOptions(parts.count == 3 ? parts[2] : "", spec, isVolume: !isHostPath)
        if !isHostPath {
            guard isValidVolumeName(source) else {
                throw ContainerError.invalid("invalid volume \"\(spec)\": volume name \"\(source)\" must match [a-zA-Z0-9][a-zA-Z0-9_.-]*")
            }
            return VolumeMount(type: "volume", source: source, destination: parts[1], readOnly: options.contains("ro"), options: options)
        }
        let path = FileSystem.absolute(source)
        guard FileSystem.exists(path) else { throw ContainerError.invalid("statfs \(path): no such file or directory") }
        return VolumeMount(type: "bind", source: path, destination: parts[1], readOnly: options.contains("ro"), options: options)
    }

    /// idmapped mounts have nothing to map here: refused rather than taken and
    /// ignored. Root containers share the host's user namespace (berth has no
    /// --uidmap or --userns=auto), and rootless the kernel refuses
    /// MOUNT_ATTR_IDMAP (EPERM: it needs CAP_SYS_ADMIN in the user namespace
    /// owning the volume's filesystem, the initial one for ext4). `:U` chowns
    /// instead, once: a later start skips it.
    private static func idmapRefused(_ spec: String) -> ContainerError {
        ContainerError.invalid("\"\(spec)\": idmapped mounts (idmap) are not supported: a root container shares the host's user namespace, so there is no mapping to apply, and rootless the kernel allows them only to CAP_SYS_ADMIN in the namespace owning the volume's filesystem; use U (the volume is chowned once, not on every start)")
    }

    /// The comma-separated options, each known and none contradicting another.
    private static func checkedOptions(_ text: String, _ spec: String, isVolume: Bool) throws -> [String] {
        let options = text.isEmpty ? [] : text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for option in options {
            let name = option.hasPrefix("idmap=") ? "idmap" : option
            if name == "idmap" { throw idmapRefused(spec) }
            guard volumeOptions.contains(name) else {
                throw ContainerError.invalid("invalid volume option \"\(option)\" in \"\(spec)\"")
            }
            if !isVolume && volumeOnly.contains(name) {
                throw ContainerError.invalid("invalid volume option \"\(option)\" in \"\(spec)\": only volumes take it, not host directories")
            }
        }
        for group in [["ro", "rw"], ["copy", "nocopy"], ["z", "Z"], ["suid", "nosuid"], ["dev", "nodev"], ["exec", "noexec"],
                      ["bind", "rbind"]] {
            let given = options.filter(group.contains)
            if given.count > 1 {
                throw ContainerError.invalid("invalid volume \"\(spec)\": options \(given.joined(separator: " and ")) conflict")
            }
        }
        let propagation = options.filter { ["rprivate", "private", "rshared", "shared", "rslave", "slave", "runbindable", "unbindable"].contains($0) }
        if propagation.count > 1 {
            throw ContainerError.invalid("invalid volume \"\(spec)\": only one propagation mode may be given")
        }
        return options
    }

    /// --mount type=volume|bind|tmpfs|image,… with podman's keys.
    private static func mount(_ spec: String) throws -> VolumeMount {
        var fields: [String: String] = [:]
        var flags: [String] = []
        for item in spec.split(separator: ",") {
            let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
            if kv.count == 2 { fields[kv[0]] = kv[1] } else { flags.append(kv[0]) }
        }
        let type = fields.removeValue(forKey: "type") ?? "volume"
        guard let target = fields.removeValue(forKey: "target") ?? fields.removeValue(forKey: "destination")
                ?? fields.removeValue(forKey: "dst") else {
            throw ContainerError.invalid("invalid --mount \"\(spec)\": target is required")
        }
        try checkDestination(target, spec)
        let source = fields.removeValue(forKey: "source") ?? fields.removeValue(forKey: "src")
        func flag(_ names: String...) throws -> Bool? {
            var result: Bool?
            for name in names {
                if flags.contains(name) { flags.removeAll { $0 == name }; result = true }
                if let value = fields.removeValue(forKey: name) {
                    guard let parsed = ["true": true, "false": false][value] else {
                        throw ContainerError.invalid("invalid --mount \"\(spec)\": \(name)=\(value) must be true or false")
                    }
                    result = parsed
                }
            }
            return result
        }
        var readOnly = try flag("ro", "readonly") ?? false
        let rwFlag = try flag("rw")
        if let rw = rwFlag { readOnly = !rw }
        var options: [String] = readOnly ? ["ro"] : []
        func leftovers() throws {
            if let key = (Array(fields.keys) + flags).sorted().first {
                throw ContainerError.invalid("invalid --mount \"\(spec)\": unknown option \"\(key)\" for type \(type)")
            }
        }
        func bindOptions() throws {
            if let mode = fields.removeValue(forKey: "bind-propagation") ?? fields.removeValue(forKey: "propagation") {
                guard ["rprivate", "private", "rshared", "shared", "rslave", "slave"].contains(mode) else {
                    throw ContainerError.invalid("invalid --mount \"\(spec)\": unknown propagation \"\(mode)\"")
                }
                options.append(mode)
            }
            if try flag("bind-nonrecursive") == true { options.append("bind") }
            if try flag("idmap") == true { throw idmapRefused(spec) }
            for name in ["z", "Z", "U", "nosuid", "nodev", "noexec", "suid", "dev", "exec"] where try flag(name) == true {
                options.append(name)
            }
            if let relabel = fields.removeValue(forKey: "relabel") {
                guard relabel == "shared" || relabel == "private" else {
                    throw ContainerError.invalid("invalid --mount \"\(spec)\": relabel must be shared or private")
                }
                options.append(relabel == "shared" ? "z" : "Z")
            }
            if try flag("chown") == true { options.append("U") }
        }
        switch type {
        case "bind":
            guard let source else { throw ContainerError.invalid("invalid --mount \"\(spec)\": source is required for bind mounts") }
            try bindOptions()
            try leftovers()
            let absolute = FileSystem.absolute(source)
            guard FileSystem.exists(absolute) else { throw ContainerError.invalid("statfs \(absolute): no such file or directory") }
            return VolumeMount(type: "bind", source: absolute, destination: target, readOnly: readOnly, options: options)
        case "volume":
            try bindOptions()
            if try flag("volume-nocopy", "nocopy") == true { options.append("nocopy") }
            if try flag("copy") == true { options.append("copy") }
            try leftovers()
            if let source, !isValidVolumeName(source) {
                throw ContainerError.invalid("invalid --mount \"\(spec)\": volume name \"\(source)\" must match [a-zA-Z0-9][a-zA-Z0-9_.-]*")
            }
            return VolumeMount(type: "volume", source: source ?? "", destination: target, readOnly: readOnly, options: options,
                               anonymous: source == nil ? true : nil)
        case "tmpfs":
            var tmpfsOptions: [String] = []
            if let size = fields.removeValue(forKey: "tmpfs-size") { tmpfsOptions.append("size=" + size) }
            if let mode = fields.removeValue(forKey: "tmpfs-mode") { tmpfsOptions.append("mode=" + mode) }
            for name in ["noexec", "nosuid", "nodev", "exec", "suid", "dev"] where try flag(name) == true { tmpfsOptions.append(name) }
            _ = try flag("tmpcopyup", "notmpcopyup")
            try leftovers()
            if source != nil { throw ContainerError.invalid("invalid --mount \"\(spec)\": a tmpfs mount takes no source") }
            return VolumeMount(type: "tmpfs", source: "tmpfs", destination: target, readOnly: readOnly, options: tmpfsOptions)
        case "image":
            guard let source else { throw ContainerError.invalid("invalid --mount \"\(spec)\": source is required for image mounts") }
            // podman's default for an image mount is read-only; rw=true is refused.
            try leftovers()
            if rwFlag == true { throw ContainerError.invalid("invalid --mount \"\(spec)\": writable image mounts are not supported") }
            return VolumeMount(type: "image", source: source, destination: target, readOnly: true, options: ["ro"])
        default:
            throw ContainerError.invalid("invalid --mount \"\(spec)\": unknown mount type \"\(type)\" (volume, bind, tmpfs, image)")
        }
    }
}
