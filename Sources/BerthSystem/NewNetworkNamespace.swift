// A network namespace made by berth itself, before any process lives in it
// (CBerth early_netns.c): pasta configures it while the container is prepared.
import CBerth
import Glibc

package enum NewNetworkNamespace {
    /// A new network namespace of `userNamespace` (nil: the caller's) with lo up and
    /// net.ipv4.ping_group_range set; the fd keeps it alive (and is its only
    /// reference until a process joins it: nothing to unmount or remove).
    package static func make(in userNamespace: FileDescriptor? = nil, pingGroupRange: String?) throws -> FileDescriptor {
        var step: UnsafePointer<CChar>? = nil
        let fd = berth_new_netns(userNamespace?.raw ?? -1, pingGroupRange, &step)
        guard fd >= 0 else {
            let error = errno
            throw SystemError("create network namespace:", step.map { String(cString: $0) } ?? "", errno: error)
        }
        return FileDescriptor(raw: fd)
    }
}
