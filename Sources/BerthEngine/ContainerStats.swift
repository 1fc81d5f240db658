// `stats`: each container's resource use, read straight from its cgroup files (and its
// network namespace's /proc/PID/net/dev), with podman's percentages. Cheap by design:
// a handful of small reads per container and no process started (moby#39664 is what
// a heavy one costs).
import BerthSystem
import FoundationEssentials

/// One reading of one container: the raw counters podman's define.ContainerStats holds.
package struct ContainerStatsSample: Sendable {
    package var id: String
    package var name: String
    package var running: Bool
    /// CLOCK_REALTIME in nanoseconds when read (define.ContainerStats.SystemNano).
    package var systemNanos: UInt64
    /// When the container started, in nanoseconds since the epoch (0: never).
    package var startedNanos: UInt64
    package var cpuNanos: UInt64 = 0
    package var memoryUsage: UInt64 = 0
    package var memoryLimit: UInt64 = 0
    package var netInput: UInt64 = 0
    package var netOutput: UInt64 = 0
    package var blockInput: UInt64 = 0
    package var blockOutput: UInt64 = 0
    package var pids: UInt64 = 0

    /// CPU % since `previous` (podman's calculateCPUPercent: CPU time over wall time,
    /// 100% = one core). Without one, since the container started: the first reading
    /// of `stats --no-stream` is the average over the container's life.
    package func cpuPercent(since previous: ContainerStatsSample?) -> Double {
        let (cpu0, wall0) = previous.map { ($0.cpuNanos, $0.systemNanos) } ?? (0, startedNanos)
        guard running, cpuNanos > cpu0, systemNanos > wall0 else { return 0 }
        return Double(cpuNanos - cpu0) / Double(systemNanos - wall0) * 100
    }

    /// podman's AvgCPU: CPU time over the whole time since the start.
    package var averageCPUPercent: Double { cpuPercent(since: nil) }

    package var memoryPercent: Double {
        memoryLimit == 0 ? 0 : Double(memoryUsage) / Double(memoryLimit) * 100
    }
}

extension Engine {
    /// The containers `stats` shows: those named, else every running (or paused) one,
    /// or with `all` every container. A name that matches nothing is an error.
    package func statsTargets(names: [String], all: Bool, latest: Bool = false) throws -> [ContainerDetails] {
        if latest { return try Array(listContainers().filter { $0.record.builder == nil }.prefix(1)) }
        if !names.isEmpty {
            return try names.map { name in
                let record = try resolveContainer(name)
                return ContainerDetails(record: record, state: readState(record.id))
            }
        }
        let containers = try listContainers().filter { $0.record.builder == nil }
        return all ? containers : containers.filter { $0.state.status == .running }
    }

    /// One reading of each container. A running container without a cgroup is an
    /// error: there is nothing to read its use from (podman reads nothing either and
    /// says "stats is not supported in rootless mode without cgroups v2").
    package func statsSamples(_ containers: [ContainerDetails]) throws -> [ContainerStatsSample] {
        let hostMemory = Engine.hostMemoryBytes()
        return try containers.map { c in
            let state = readState(c.record.id)
            let now = UInt64(Stopwatch.wallClock() * 1e9)
            var sample = ContainerStatsSample(id: c.record.id, name: c.record.name, running: state.status == .running,
                                              systemNanos: now, startedNanos: UInt64((state.startedAt ?? 0) * 1e9))
            guard sample.running else { return sample }
            guard let location = cgroupLocation(c.record.id) else {
                throw ContainerError.invalid("cannot read the stats of container \(c.record.name): it has no cgroup of its own"
                    + " (rootless containers get one only on cgroup v2 with delegated controllers; --cgroups=disabled gives none)")
            }
            let counters = CgroupReader(location: location).counters()
            sample.cpuNanos = counters.cpuNanos
            sample.memoryUsage = counters.memoryUsage
            // podman's getMemLimit: no limit, or one above the host's memory, shows the host's.
            sample.memoryLimit = counters.memoryLimit.map { hostMemory > 0 ? min($0, hostMemory) : $0 } ?? hostMemory
            sample.pids = counters.pids
            sample.blockInput = counters.blockRead
            sample.blockOutput = counters.blockWrite
            (sample.netInput, sample.netOutput) = Engine.networkBytes(pid: state.pid)
            return sample
        }
    }

    /// Bytes received and sent on every interface but `lo` of the process's network
    /// namespace (/proc/PID/net/dev: name, 8 receive counters, 8 transmit counters).
    static func networkBytes(pid: Int32) -> (UInt64, UInt64) {
        guard pid > 0 else { return (0, 0) }
        // A container on the host's network (--network host) has no traffic of its own.
        if let own = try? FileSystem.readLink("/proc/self/ns/net"), own == (try? FileSystem.readLink("/proc/\(pid)/ns/net")) { return (0, 0) }
        guard let text = try? FileSystem.readText("/proc/\(pid)/net/dev") else { return (0, 0) }
        var received: UInt64 = 0, sent: UInt64 = 0
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].filter { $0 != " " }
            let fields = line[line.index(after: colon)...].split(separator: " ")
            guard name != "lo", fields.count >= 9 else { continue }
            received += UInt64(fields[0]) ?? 0
            sent += UInt64(fields[8]) ?? 0
        }
        return (received, sent)
    }

    /// MemTotal from /proc/meminfo: the limit of a container without one, as podman shows it.
    static func hostMemoryBytes() -> UInt64 {
        guard let text = try? FileSystem.readText("/proc/meminfo") else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let words = line.split(separator: " ")
            if words.count >= 2, let kib = UInt64(words[1]) { return kib * 1024 }
        }
        return 0
    }
}
