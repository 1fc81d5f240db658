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
}
