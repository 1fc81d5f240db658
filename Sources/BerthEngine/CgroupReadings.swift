// What a container's cgroup files say, for stats and OOM detection: the counters of
// cgroup v2 (one directory) and of v1 (one directory per controller) read into one shape.
import BerthSystem

/// One reading of a container's cgroup. A counter whose file is missing (its
/// controller not enabled for the container) reads as 0.
struct CgroupCounters {
    var cpuNanos: UInt64 = 0
    var memoryUsage: UInt64 = 0
    /// nil: no limit (stats then shows the host's memory, as podman does).
    var memoryLimit: UInt64?
    var pids: UInt64 = 0
    var blockRead: UInt64 = 0
    var blockWrite: UInt64 = 0
}

struct CgroupReader {
    let location: CgroupLocation

    /// v2: the one directory; v1: the controller's own.
    func directory(_ controller: String) -> String? {
        location.version == 2 ? location.paths[""] : location.paths[controller]
    }

    func text(_ controller: String, _ file: String) -> String? {
        directory(controller).flatMap { CgroupFiles.read(file, in: $0) }
    }

    func number(_ controller: String, _ file: String) -> UInt64? {
        text(controller, file).flatMap { UInt64($0.filter { !$0.isWhitespace }) }
    }

    /// `key value` lines (cpu.stat, memory.events, memory.oom_control): the value of `key`.
    func keyed(_ controller: String, _ file: String, _ key: String) -> UInt64? {
        guard let text = text(controller, file) else { return nil }
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.count == 2, words[0] == key { return UInt64(words[1]) }
        }
        return nil
    }

    func counters() -> CgroupCounters {
        var c = CgroupCounters()
        if location.version == 2 {
            c.cpuNanos = (keyed("cpu", "cpu.stat", "usage_usec") ?? 0) * 1000
            c.memoryUsage = number("memory", "memory.current") ?? 0
            c.memoryLimit = number("memory", "memory.max")   // "max" reads as nil
            (c.blockRead, c.blockWrite) = ioStatV2()
        } else {
            c.cpuNanos = number("cpuacct", "cpuacct.usage") ?? 0
            c.memoryUsage = number("memory", "memory.usage_in_bytes") ?? 0
            // v1 spells "no limit" as the largest page-aligned value (PAGE_COUNTER_MAX pages).
            c.memoryLimit = number("memory", "memory.limit_in_bytes").flatMap { $0 >= 1 << 62 ? nil : $0 }
            (c.blockRead, c.blockWrite) = blkioV1()
        }
        c.pids = number("pids", "pids.current") ?? 0
        return c
    }

    /// io.stat: `MAJ:MIN rbytes=N wbytes=N rios=N …` per device.
    private func ioStatV2() -> (UInt64, UInt64) {
        var read: UInt64 = 0, write: UInt64 = 0
        for line in (text("io", "io.stat") ?? "").split(separator: "\n") {
            for field in line.split(separator: " ") {
                if field.hasPrefix("rbytes=") { read += UInt64(field.dropFirst(7)) ?? 0 }
                if field.hasPrefix("wbytes=") { write += UInt64(field.dropFirst(7)) ?? 0 }
            }
        }
        return (read, write)
    }

    /// blkio.throttle.io_service_bytes: `MAJ:MIN Read N`, `MAJ:MIN Write N`, … and a `Total` line.
    private func blkioV1() -> (UInt64, UInt64) {
        var read: UInt64 = 0, write: UInt64 = 0
        for line in (text("blkio", "blkio.throttle.io_service_bytes") ?? "").split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count == 3, let value = UInt64(words[2]) else { continue }
            if words[1] == "Read" { read += value }
            if words[1] == "Write" { write += value }
        }
        return (read, write)
    }

    /// How many times the OOM killer killed a process of this cgroup: v2's memory.events
    /// (oom_kill), v1's memory.oom_control (oom_kill, kernel 4.13 and later).
    func oomKills() -> UInt64 {
        location.version == 2 ? keyed("memory", "memory.events", "oom_kill") ?? 0
                              : keyed("memory", "memory.oom_control", "oom_kill") ?? 0
    }
}
