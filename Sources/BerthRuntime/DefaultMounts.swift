// podman's default container file system: /proc, a tmpfs /dev with the standard
// devices bound from the host, devpts, shm, mqueue, a read-only /sys, and the
// masked and read-only paths of design.md §8.
import BerthSystem
import Glibc

package enum DefaultMounts {
    /// podman's /dev/shm size when --shm-size is not given: 64 MiB.
    package static let defaultShmSize: UInt64 = 64 << 20

    /// `shmSize` in bytes (--shm-size), rounded up to pages by the kernel; 0 is
    /// tmpfs's "no limit", which podman passes on too.
    package static func system(rootless: Bool, privileged: Bool, shmSize: UInt64 = defaultShmSize) -> [MountSpec] {
        let nosuidNodevNoexec = UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC)
        var mounts: [MountSpec] = [
            MountSpec(kind: .filesystem, source: "proc", destination: "/proc", fstype: "proc", flags: nosuidNodevNoexec),
            MountSpec(kind: .filesystem, source: "tmpfs", destination: "/dev", fstype: "tmpfs",
                      flags: UInt(MS_NOSUID | MS_STRICTATIME), data: "mode=755,size=65536k"),
            MountSpec(kind: .filesystem, source: "devpts", destination: "/dev/pts", fstype: "devpts",
                      flags: UInt(MS_NOSUID | MS_NOEXEC),
                      data: rootless ? "newinstance,ptmxmode=0666,mode=0620" : "newinstance,ptmxmode=0666,mode=0620,gid=5"),
            MountSpec(kind: .filesystem, source: "shm", destination: "/dev/shm", fstype: "tmpfs", flags: nosuidNodevNoexec,
                      data: "mode=1777,size=\(shmSize)"),
            MountSpec(kind: .filesystem, source: "mqueue", destination: "/dev/mqueue", fstype: "mqueue", flags: nosuidNodevNoexec),
            MountSpec(kind: .filesystem, source: "sysfs", destination: "/sys", fstype: "sysfs",
                      flags: nosuidNodevNoexec | (privileged ? 0 : UInt(MS_RDONLY))),
        ]
        for device in ["null", "zero", "full", "random", "urandom", "tty"] {
            mounts.append(MountSpec(kind: .device, source: "/dev/" + device, destination: "/dev/" + device))
        }
        if privileged && !rootless {
            // --privileged as root gets the host's devices, as podman gives it.
            for name in (try? FileSystem.list("/dev")) ?? [] where FileSystem.isDevice("/dev/" + name)
                && !["null", "zero", "full", "random", "urandom", "tty", "ptmx", "console"].contains(name) {
                mounts.append(MountSpec(kind: .device, source: "/dev/" + name, destination: "/dev/" + name))
            }
        }
        mounts += [
            MountSpec(kind: .symlink, source: "/proc/self/fd", destination: "/dev/fd"),
            MountSpec(kind: .symlink, source: "/proc/self/fd/0", destination: "/dev/stdin"),
            MountSpec(kind: .symlink, source: "/proc/self/fd/1", destination: "/dev/stdout"),
            MountSpec(kind: .symlink, source: "/proc/self/fd/2", destination: "/dev/stderr"),
            MountSpec(kind: .symlink, source: "pts/ptmx", destination: "/dev/ptmx"),
        ]
        return mounts
    }

    package static var maskedPaths: [String] {
        var paths = ["/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                     "/proc/sched_debug", "/proc/scsi", "/proc/timer_list", "/proc/timer_stats",
                     "/sys/devices/virtual/powercap", "/sys/firmware", "/sys/fs/selinux", "/sys/dev/block"]
        for cpu in (try? FileSystem.list("/sys/devices/system/cpu")) ?? [] where cpu.hasPrefix("cpu") {
            let path = "/sys/devices/system/cpu/\(cpu)/thermal_throttle"
            if FileSystem.exists(path) { paths.append(path) }
        }
        return paths
    }

    package static let readOnlyPaths = ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
}
