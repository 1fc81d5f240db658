// Rootless --userns keep-id on a user network. The rootless network namespace
// belongs to the pause process's user namespace; a keep-id user namespace made from
// the initial one (as berth makes it elsewhere, newuidmap writing the user's uid and
// the subordinate ranges) would be its sibling, and nobody but real root may make a
// veth between namespaces of two sibling user namespaces. As podman's runtime does
// (it runs inside the rootless user namespace), the container's user namespace is
// made nested in the pause process's: the launch's intermediate joins that one and
// clones the container into a new namespace whose maps it writes in the joined
// namespace's ids, where the user's own uid is 0 and the subordinate ids follow.
import BerthRuntime
import BerthSystem

extension Engine {
    /// The pause process's user namespace and keep-id maps nested in it, for a
    /// rootless keep-id container on a user network; nil otherwise (or when the user
    /// has no subordinate range wide enough to keep the id below it).
    func nestedKeepIDNamespace(_ record: ContainerRecord, uid: UInt32, gid: UInt32)
        -> (userns: FileDescriptor, maps: (uid: [IDMapping], gid: [IDMapping]))? {
        guard record.userns == "keep-id", record.network == "bridge", !(record.networkRequests ?? []).isEmpty,
              Engine.usesRootlessNetns, UserNamespace.isInitial else { return nil }
        let rootless = UserNamespace.rootlessMaps()
        guard let uidMaps = Engine.nestedKeepIDMaps(inside: uid, namespaceSize: rootless.uid.reduce(0) { $0 + UInt64($1.size) }),
              let gidMaps = Engine.nestedKeepIDMaps(inside: gid, namespaceSize: rootless.gid.reduce(0) { $0 + UInt64($1.size) }),
              let userns = try? PauseProcess.userNamespace(runroot: paths.runroot) else { return nil }
        return (userns, (uidMaps, gidMaps))
    }

    /// keep-id inside a rootless user namespace of `namespaceSize` ids (0 being the
    /// user): the container's id `inside` is the user (0 outside), its ids below it
    /// are 1…inside, those above it are themselves, up to the namespace's last id.
    static func nestedKeepIDMaps(inside: UInt32, namespaceSize: UInt64) -> [IDMapping]? {
        guard inside > 0, UInt64(inside) < namespaceSize else { return nil }
        var maps = [IDMapping(containerID: 0, hostID: 1, size: inside),
                    IDMapping(containerID: inside, hostID: 0, size: 1)]
        let above = namespaceSize - UInt64(inside) - 1
        if above > 0 { maps.append(IDMapping(containerID: inside + 1, hostID: inside + 1, size: UInt32(above))) }
        return maps
    }
}
