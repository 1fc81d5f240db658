// mount(2) and umount2(2) on the host side (volumes of the local driver), with errors
// naming the source and the target.
import Glibc

package enum HostMount {
    package static func mount(source: String, target: String, type: String?, flags: UInt, data: String) throws {
        let result: Int32 = data.isEmpty
            ? Glibc.mount(source, target, type, flags, nil)
            : data.withCString { Glibc.mount(source, target, type, flags, $0) }
        guard result == 0 else { throw SystemError("mount \(source) on", target) }
    }

    /// Detaches the mount at `target` (MNT_DETACH: a process still inside keeps its view).
    package static func unmount(_ target: String) throws {
        guard umount2(target, Int32(MNT_DETACH)) == 0 else { throw SystemError("unmount", target) }
    }

    /// Whether `path` is the root of a mount: its device differs from its parent's,
    /// or (a bind of the same filesystem) /proc/self/mountinfo lists it.
    package static func isMountPoint(_ path: String) -> Bool {
        var own = stat(), parent = stat()
        guard stat(path, &own) == 0, stat(path + "/..", &parent) == 0 else { return false }
        if own.st_dev != parent.st_dev { return true }
        guard let text = try? FileSystem.readText("/proc/self/mountinfo") else { return false }
        return text.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 && fields[4] == path
        }
    }
}
