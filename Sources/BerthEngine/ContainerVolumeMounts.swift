// At start: a container's volume, bind and image mounts as the runtime's
// MountSpecs. A volume is activated (volstore mounts tmpfs/device volumes
// first), filled on its first mount (VolumeCopyUp.swift) and bound in; the C
// child resolves every destination beneath the container's root and binds
// through a detached mount tree, so neither a symlink planted in the upper dir
// nor a swap made meanwhile can send it outside the root.
import BerthRuntime
import BerthSystem
import Glibc

extension Engine {
    /// The MountSpec for a "volume", "bind", "image" or "tmpfs" entry; nil for other types.
    func volumeMountSpec(_ mount: VolumeMount, record: ContainerRecord, user: (uid: UInt32, gid: UInt32)) throws -> MountSpec? {
        switch mount.type {
        case "tmpfs":
            // Flag words (nosuid, noexec, ro…) are mount flags; the rest (size=, mode=…) tmpfs's data.
            let flagWords = Set(["ro", "rw", "nosuid", "nodev", "noexec", "suid", "dev", "exec", "noatime", "relatime", "strictatime",
                                 "rprivate", "private", "rshared", "shared", "rslave", "slave", "tmpcopyup", "notmpcopyup"])
            var flags = Engine.bindFlags(mount.options, readOnly: mount.readOnly || mount.options.contains("ro"))
            flags &= ~(UInt(MS_PRIVATE) | UInt(MS_SHARED) | UInt(MS_SLAVE) | UInt(MS_UNBINDABLE) | UInt(MS_REC))
            if !mount.options.contains("suid") { flags |= UInt(MS_NOSUID) }
            if !mount.options.contains("dev") { flags |= UInt(MS_NODEV) }
            let data = (["mode=1777"] + mount.options.filter { !flagWords.contains($0) }).joined(separator: ",")
            return MountSpec(kind: .filesystem, source: "tmpfs", destination: mount.destination, fstype: "tmpfs", flags: flags, data: data)
        case "volume":
            let data = try activateVolume(mount.source, for: record.id)
            try copyUpIfNeeded(mount, into: data, record: record)
            if mount.options.contains("U") { try chownVolume(data, to: user, name: mount.source) }
            // podman's defaults for a volume: nosuid and nodev, unless suid/dev say otherwise.
            var flags = Engine.bindFlags(mount.options, readOnly: mount.readOnly)
            if !mount.options.contains("suid") { flags |= UInt(MS_NOSUID) }
            if !mount.options.contains("dev") { flags |= UInt(MS_NODEV) }
            return MountSpec(kind: .bind, source: data, destination: mount.destination, flags: flags)
        case "bind":
            if mount.options.contains("U") { try chownVolume(mount.source, to: user, name: mount.source) }
            return MountSpec(kind: .bind, source: mount.source, destination: mount.destination,
                             flags: Engine.bindFlags(mount.options, readOnly: mount.readOnly))
        case "image":
            // The image's layers as a read-only overlay (one layer: that directory, bound read-only).
            let image = try resolveImage(mount.source)
            let lower = image.layers.reversed().map { store.layerDiffDir($0) }
            if lower.count == 1 {
                return MountSpec(kind: .bind, source: lower[0], destination: mount.destination, flags: UInt(MS_RDONLY | MS_NOSUID | MS_NODEV))
            }
            let userxattr = record.isRootless ? ",userxattr" : ""
            return MountSpec(kind: .filesystem, source: "overlay", destination: mount.destination, fstype: "overlay",
                             flags: UInt(MS_RDONLY | MS_NOSUID | MS_NODEV), data: "lowerdir=" + lower.joined(separator: ":") + userxattr)
        default:
            return nil
        }
    }

    /// `:U`: the tree owned by the container's user, as podman's recursive chown
    /// (chown -R -h: symlinks themselves, never followed; rootless inside the user
    /// namespace, so the ids are the container's). Skipped when the top already has
    /// that owner: a volume the container's user owns mounts at the cost of an empty one.
    private func chownVolume(_ path: String, to user: (uid: UInt32, gid: UInt32), name: String) throws {
        var expected = user
        if Engine.needsUserNamespaceForWrites {
            let maps = UserNamespace.rootlessMaps()
            func host(_ id: UInt32, _ map: [IDMapping]) -> UInt32? {
                map.first { id >= $0.containerID && id - $0.containerID < $0.size }.map { $0.hostID + id - $0.containerID }
            }
            guard let uid = host(user.uid, maps.uid), let gid = host(user.gid, maps.gid) else {
                throw ContainerError.invalid("volume \(name): :U: the container's user \(user.uid):\(user.gid) has no id on the host")
            }
            expected = (uid, gid)
        }
        if let owner = FileNode.owner(path), owner == expected { return }
        let arguments = ["-R", "-h", "--", "\(user.uid):\(user.gid)", path]
        let status = Engine.needsUserNamespaceForWrites
            ? try PauseProcess.runInUserNamespace(runroot: paths.runroot, arguments: ["unshare", "/bin/chown"] + arguments)
            : try Subprocess.run("/bin/chown", arguments).status
        guard status == 0 else { throw ContainerError.invalid("volume \(name): chown to \(user.uid):\(user.gid) for :U failed (exit \(status))") }
    }

    /// The mount flags -v's options ask for (the C child applies them to the bound tree).
    static func bindFlags(_ options: [String], readOnly: Bool) -> UInt {
        var flags: UInt = readOnly ? UInt(MS_RDONLY) : 0
        let table: [String: UInt] = [
            "nosuid": UInt(MS_NOSUID), "nodev": UInt(MS_NODEV), "noexec": UInt(MS_NOEXEC),
            "noatime": UInt(MS_NOATIME), "strictatime": UInt(MS_STRICTATIME), "relatime": UInt(MS_RELATIME),
            "private": UInt(MS_PRIVATE), "rprivate": UInt(MS_PRIVATE) | UInt(MS_REC), "shared": UInt(MS_SHARED),
            "rshared": UInt(MS_SHARED) | UInt(MS_REC), "slave": UInt(MS_SLAVE), "rslave": UInt(MS_SLAVE) | UInt(MS_REC),
            "unbindable": UInt(MS_UNBINDABLE), "runbindable": UInt(MS_UNBINDABLE) | UInt(MS_REC),
        ]
        for option in options { flags |= table[option] ?? 0 }
        return flags
    }

    /// After the container's process ended: volumes that were mounted for it (tmpfs,
    /// device) are released.
    func deactivateVolumes(_ record: ContainerRecord) {
        for mount in record.mounts where mount.type == "volume" { deactivateVolume(mount.source, for: record.id) }
    }
}
