// `pause`/`unpause`: freezing a container's cgroup (v2 cgroup.freeze, v1 the freezer
// controller's freezer.state). The container stays "running" on disk with `paused` set,
// which ps and inspect show as podman's "paused" state.
import BerthSystem

extension Engine {
    package func pauseContainers(_ selection: ContainerSelection, pause: Bool) throws -> [ContainerReport] {
        var selection = selection
        if selection.all {
            selection.all = false
            // pause -a: every running container; unpause -a: every paused one.
            selection.names = try listContainers().filter { pause ? $0.state.status == .running && !$0.state.isPaused : $0.state.isPaused }
                .map(\.record.id)
            if selection.names.isEmpty { return [] }
        }
        return try eachContainer(selection) { target, record in
            let lock = try lockContainer(record.id)
            defer { lock.unlock() }
            var state = readState(record.id)
            if pause {
                guard state.status == .running, !state.isPaused else { throw Engine.improperState("\"\(target.input)\" is not running, can't pause") }
            } else {
                guard state.isPaused else { throw Engine.improperState("\"\(target.input)\" is not paused, can't unpause") }
            }
            guard let location = cgroupLocation(record.id) else {
                throw ContainerError.invalid("cannot \(pause ? "pause" : "unpause") container \(record.name): it has no cgroup to freeze"
                    + " (rootless containers get one only on cgroup v2 with delegated controllers; --cgroups=disabled gives none)")
            }
            try CgroupFreezer(location: location, container: record.name).set(frozen: pause)
            state.paused = pause ? true : nil
            try writeState(state, for: record.id)
            recordEvent(.container(pause ? "pause" : "unpause", record))
            return nil
        }
    }

    /// A signal sent to a frozen container waits for the thaw (v1 freezes even SIGKILL):
    /// stop, kill and rm -f thaw it right after signalling, so the signal is the first
    /// thing it sees. `paused` stays until its exit is recorded.
    func thawAfterSignal(_ record: ContainerRecord, _ state: ContainerState) {
        guard state.isPaused, let location = cgroupLocation(record.id) else { return }
        do {
            try CgroupFreezer(location: location, container: record.name).set(frozen: false)
        } catch {
            Warnings.report("\(error)")
        }
    }
}

/// The freeze switch of one container's cgroup.
struct CgroupFreezer {
    let location: CgroupLocation
    let container: String

    /// Asks the kernel to freeze (or thaw) and waits until every task has: freezing
    /// is asynchronous, and `pause` must not return while the container still runs.
    func set(frozen: Bool) throws {
        let reader = CgroupReader(location: location)
        let file: String, value: String
        if location.version == 2 {
            (file, value) = ("cgroup.freeze", frozen ? "1" : "0")
        } else {
            (file, value) = ("freezer.state", frozen ? "FROZEN" : "THAWED")
        }
        guard let dir = reader.directory("freezer") else {
            throw ContainerError.invalid("cannot \(frozen ? "pause" : "unpause") container \(container): its cgroup has no freezer (the freezer controller is not mounted)")
        }
        let path = dir + "/" + file
        do {
            try CgroupFiles.write(value, to: file, in: dir)
        } catch {
            throw ContainerError.invalid("cannot \(frozen ? "pause" : "unpause") container \(container): \(error)")
        }
        let deadline = Stopwatch.seconds() + 5
        while !reached(frozen, reader) {
            guard Stopwatch.seconds() < deadline else {
                throw ContainerError.invalid("cannot \(frozen ? "pause" : "unpause") container \(container): \(path) did not reach \(value) within 5 seconds")
            }
            Stopwatch.sleep(0.002)
        }
    }

    /// v2: cgroup.events says `frozen 1` once every task stopped; v1: freezer.state
    /// reads FREEZING until then.
    private func reached(_ frozen: Bool, _ reader: CgroupReader) -> Bool {
        if location.version == 2 {
            return reader.keyed("freezer", "cgroup.events", "frozen") == (frozen ? 1 : 0)
        }
        return reader.text("freezer", "freezer.state")?.filter { !$0.isWhitespace } == (frozen ? "FROZEN" : "THAWED")
    }
}
