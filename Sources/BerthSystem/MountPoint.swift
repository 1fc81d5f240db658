// mount(2), umount2(2) and unshare(2) for the host-side mounts berth keeps
// (`berth mount`): an overlay at a path, whether a path is a mount point, a lazy
// unmount, and the private mount namespace of `berth unshare`.
import CBerth
import Glibc

package enum MountPoint {
    // The kernel's values (linux/mount.h, sched.h), spelled out: Glibc imports
    // some of them as enums of differing types.
    private static let detach: Int32 = 2              // MNT_DETACH
    private static let recursive: UInt = 0x4000       // MS_REC
    private static let slave: UInt = 1 << 19          // MS_SLAVE
    private static let newMountNamespace: Int32 = 0x0002_0000  // CLONE_NEWNS

    /// Mounts an overlay of `lower` (top first) under `upper`/`work` at `target`;
    /// `userxattr` inside a user namespace (overlay's rootless mode).
    package static func overlay(lower: [String], upper: String, work: String, at target: String, userxattr: Bool) throws {
        var options = "lowerdir=\(lower.joined(separator: ":")),upperdir=\(upper),workdir=\(work)"
        if userxattr { options += ",userxattr" }
        _ = try check("mount overlay", target) { Glibc.mount("overlay", target, "overlay", 0, options) }
    }

    /// Detaches the mount at `path` (MNT_DETACH: busy users keep it until they leave).
    package static func unmount(_ path: String) throws {
        _ = try check("umount", path) { umount2(path, detach) }
    }

    /// Moves this process into a new mount namespace whose mounts receive the
    /// host's (slave propagation) and send none back.
    package static func enterNewNamespace() throws {
        _ = try check("unshare mount namespace", "/") { berth_unshare(newMountNamespace) }
        _ = try check("mount --make-rslave", "/") { Glibc.mount("none", "/", nil, recursive | slave, nil) }
    }

    /// Whether `path` is a mount point here: an overlay (or any other mount) has
    /// a device of its own, unlike the directory it sits in.
    package static func isMountPoint(_ path: String) -> Bool {
        var own = stat(), parent = stat()
        guard lstat(path, &own) == 0, lstat(path + "/..", &parent) == 0 else { return false }
        return own.st_dev != parent.st_dev
    }
}
