// `stats`: each container's resource use, read straight from its cgroup files (and its
// network namespace's /proc/PID/net/dev, ContainerStatsWatch.swift), with podman's
// percentages. Cheap by design: a handful of small reads per container and no process
// started (moby#39664 is what a heavy one costs).
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
