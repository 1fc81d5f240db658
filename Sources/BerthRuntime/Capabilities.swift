// Linux capabilities by name and number, and podman's default set (design.md §8).
import BerthSystem
package enum Capabilities {
    /// Index = capability number (linux/capability.h).
    package static let names = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ]

    package static let podmanDefault: Set<String> = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE",
        "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT",
    ]

    /// The highest capability this kernel knows.
    package static var lastCap: Int {
        guard let text = try? FileSystem.readText("/proc/sys/kernel/cap_last_cap"),
              let value = Int(text.filter { $0.isNumber }) else { return names.count - 1 }
        return value
    }

    /// "CAP_SYS_ADMIN" from "sys_admin", "SYS_ADMIN" or "CAP_SYS_ADMIN", known or not
    /// (a seccomp profile may name capabilities this table lacks).
    package static func canonicalName(_ name: String) -> String {
        let upper = name.uppercased()
        return upper.hasPrefix("CAP_") ? upper : "CAP_" + upper
    }

    /// Accepts "NET_ADMIN", "cap_net_admin", "CAP_NET_ADMIN" and "ALL"; refuses unknown names.
    package static func normalize(_ name: String) throws -> String {
        if name.uppercased() == "ALL" { return "ALL" }
        let canonical = canonicalName(name)
        guard names.contains(canonical) else { throw RuntimeError.invalidArgument("unknown capability \"\(name)\"") }
        return canonical
    }

    /// podman's rule: start from the default (or all with --privileged), add, then drop.
    package static func resolve(privileged: Bool, add: [String], drop: [String]) throws -> Set<String> {
        let all = Set(names.prefix(lastCap + 1)).intersection(bounding)
        var set = privileged ? all : podmanDefault
        // podman's order: --cap-drop all empties the base, then the adds apply
        // (`--cap-drop all --cap-add chown` keeps CHOWN), then the other drops.
        let drops = try drop.map(normalize)
        if drops.contains("ALL") { set = [] }
        for name in add { let n = try normalize(name); if n == "ALL" { set = all } else { set.insert(n) } }
        for name in drops where name != "ALL" { set.remove(name) }
        return set
    }

    /// This process's bounding set: a container can hold no capability outside it
    /// (root here lacks CAP_SYS_RESOURCE, design.md §11).
    package static var bounding: Set<String> {
        guard let status = try? FileSystem.readText("/proc/self/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapBnd:") }),
              let mask = UInt64(line.dropFirst(7).trimmingPrefix(while: { $0 == " " || $0 == "\t" }), radix: 16) else {
            return Set(names)
        }
        return Set(names.enumerated().filter { mask & (1 << UInt64($0.offset)) != 0 }.map(\.element))
    }

    package static func mask(_ set: Set<String>) -> UInt64 {
        var mask: UInt64 = 0
        for (index, name) in names.enumerated() where set.contains(name) { mask |= 1 << UInt64(index) }
        return mask
    }
}
