// What `stats` keeps between reports, so that a streaming one costs almost
// nothing per tick: each container's name, start and cgroup files (open, read
// again with pread), re-read from its records only when its state.json changed
// (a stat per container per tick), and the container list re-read only when the
// containers directory changed. Nothing is decoded from JSON on a quiet tick.
import BerthSystem
import Glibc

/// A file's identity and last change (an atomic rewrite gives a new inode).
private struct FileStamp: Equatable {
    var inode: UInt64 = 0
    var seconds: Int = 0
    var nanoseconds: Int = 0

    init?(_ path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        inode = UInt64(info.st_ino)
        seconds = info.st_mtim.tv_sec
        nanoseconds = info.st_mtim.tv_nsec
    }
}

/// One container as the watch knows it.
private final class WatchedContainer {
    let id: String
    let name: String
    let created: Double
    let noNetwork: Bool
    var stamp: FileStamp?
    var running = false
    var startedNanos: UInt64 = 0
    var hasCgroup = false
    var version = 1
    var cpu, memory, memoryLimit, pids, block, network: CounterFile?

    init(record: ContainerRecord) {
        id = record.id
        name = record.name
        created = record.created
        noNetwork = record.network == "none"
    }

    func closeFiles() {
        cpu = nil; memory = nil; memoryLimit = nil; pids = nil; block = nil; network = nil
        hasCgroup = false
    }
}

package final class ContainerStatsWatch {
    private let engine: Engine
    private let names: [String]
    private let all: Bool
    private let latest: Bool
    private var containers: [WatchedContainer] = []
    private var listStamp: FileStamp?
    private var resolved = false
    private let hostMemory = Engine.hostMemoryBytes()
    private let bootID = ProcessLiveness.bootID
    private let ownNetwork = try? FileSystem.readLink("/proc/self/ns/net")
    private var buffer = [UInt8](repeating: 0, count: 32 * 1024)

    /// The containers named, else every running (or paused) one, or with `all`
    /// every container; `latest`: the newest. A name that matches nothing is an error.
    package init(_ engine: Engine, names: [String], all: Bool, latest: Bool) {
        self.engine = engine
        self.names = names
        self.all = all
        self.latest = latest
    }

    /// One reading of each container shown.
    package func sample() throws -> [ContainerStatsSample] {
        try refreshList()
        var shown = containers.filter { container in
            if container.stamp != FileStamp(engine.containerDir(container.id) + "/state.json") { refresh(container) }
            return !names.isEmpty || all || latest || container.running
        }
        if latest { shown = Array(shown.prefix(1)) }
        return try shown.map(read)
    }

    /// The set of containers: named ones once; otherwise the store's, again when
    /// the containers directory changed (one was made or removed).
    private func refreshList() throws {
        if !names.isEmpty {
            guard !resolved else { return }
            resolved = true
            containers = try names.map { WatchedContainer(record: try engine.resolveContainer($0)) }
            return
        }
        let stamp = FileStamp(engine.containersDir)
        guard stamp == nil || stamp != listStamp || !resolved else { return }
        listStamp = stamp
        resolved = true
        let known = Dictionary(containers.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var next: [WatchedContainer] = []
        for id in try engine.containerIDs() {
            if let container = known[id] { next.append(container); continue }
            guard let record = try? engine.readRecord(id), record.builder == nil else { continue }
            next.append(WatchedContainer(record: record))
        }
        containers = next.sorted { $0.created > $1.created }
    }

    /// Re-reads a container's state and, while it runs, opens its counter files.
    private func refresh(_ container: WatchedContainer) {
        let path = engine.containerDir(container.id) + "/state.json"
        container.stamp = FileStamp(path)
        container.closeFiles()
        guard let state = engine.storedState(container.id) else { container.running = false; return }
        // readState's liveness test with this watch's boot ID (read once, not per container).
        container.running = state.status == .running && state.bootID == bootID
            && ProcessLiveness.startTime(of: state.pid) == state.pidStartTime
        container.startedNanos = UInt64((state.startedAt ?? 0) * 1e9)
        guard container.running, let location = engine.cgroupLocation(container.id) else { return }
        container.hasCgroup = true
        container.version = location.version
        func open(_ controller: String, _ file: String) -> CounterFile? {
            (location.version == 2 ? location.paths[""] : location.paths[controller]).flatMap { CounterFile($0 + "/" + file) }
        }
        if location.version == 2 {
            container.cpu = open("cpu", "cpu.stat")
            container.memory = open("memory", "memory.current")
            container.memoryLimit = open("memory", "memory.max")
            container.block = open("io", "io.stat")
        } else {
            container.cpu = open("cpuacct", "cpuacct.usage")
            container.memory = open("memory", "memory.usage_in_bytes")
            container.memoryLimit = open("memory", "memory.limit_in_bytes")
            container.block = open("blkio", "blkio.throttle.io_service_bytes")
        }
        container.pids = open("pids", "pids.current")
        // --network none has only lo; a container on the host's network has no traffic of its own.
        if !container.noNetwork, state.pid > 0, ownNetwork != (try? FileSystem.readLink("/proc/\(state.pid)/ns/net")) {
            container.network = CounterFile("/proc/\(state.pid)/net/dev")
        }
    }

    private func read(_ container: WatchedContainer) throws -> ContainerStatsSample {
        var sample = ContainerStatsSample(id: container.id, name: container.name, running: container.running,
                                          systemNanos: UInt64(Stopwatch.wallClock() * 1e9), startedNanos: container.startedNanos)
        guard container.running else { return sample }
        guard container.hasCgroup else {
            throw ContainerError.invalid("cannot read the stats of container \(container.name): it has no cgroup of its own"
                + " (rootless containers get one only on cgroup v2 with delegated controllers; --cgroups=disabled gives none)")
        }
        guard let cpu = container.cpu.flatMap({ $0.read(&buffer) }) else {
            // Its cgroup went away under the open file: it stopped; read its state again next time.
            container.stamp = nil
            sample.running = false
            return sample
        }
        sample.cpuNanos = container.version == 2 ? (CounterText.keyed(cpu, "usage_usec") ?? 0) * 1000 : CounterText.number(cpu) ?? 0
        sample.memoryUsage = container.memory.flatMap { $0.read(&buffer) }.flatMap(CounterText.number) ?? 0
        // podman's getMemLimit: no limit ("max", or v1's huge page-aligned value), or one
        // above the host's memory, shows the host's.
        let limit = container.memoryLimit.flatMap { $0.read(&buffer) }.flatMap(CounterText.number).flatMap { $0 >= 1 << 62 ? nil : $0 }
        sample.memoryLimit = limit.map { hostMemory > 0 ? min($0, hostMemory) : $0 } ?? hostMemory
        sample.pids = container.pids.flatMap { $0.read(&buffer) }.flatMap(CounterText.number) ?? 0
        if let block = container.block.flatMap({ $0.read(&buffer) }) {
            (sample.blockInput, sample.blockOutput) = CounterText.blockBytes(block, v2: container.version == 2)
        }
        if let network = container.network.flatMap({ $0.read(&buffer) }) {
            (sample.netInput, sample.netOutput) = CounterText.networkBytes(network)
        }
        return sample
    }
}
