// Kernel parameters under /proc/sys, written only when they differ, so the common
// case (already set by an earlier run) is one small read.
import Glibc

package enum Sysctl {
    /// Sets `name` ("net/ipv4/ip_forward") to `value` unless it already is.
    package static func ensure(_ name: String, _ value: String) throws {
        let path = "/proc/sys/" + name
        if let current = try? FileSystem.readText(path), current.split(separator: "\n").first.map(String.init) == value { return }
        let fd = try FileDescriptor.open(path, O_WRONLY)
        try fd.write(Array(value.utf8), path: path)
    }

    /// Turns on hairpin mode on the bridge port `interface` (sysfs brport/hairpin_mode):
    /// with br_netfilter loaded, a container's connection to its own published port
    /// through a host address is DNATed back to it and bridged out of the port it came
    /// in by, which the bridge refuses unless the port is in hairpin mode (netavark
    /// and CNI's bridge set it too).
    package static func enableHairpin(onBridgePort interface: String) throws {
        let path = "/sys/class/net/\(interface)/brport/hairpin_mode"
        let fd = try FileDescriptor.open(path, O_WRONLY)
        try fd.write(Array("1".utf8), path: path)
    }
}
