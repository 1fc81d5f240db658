// Containers on disk: records, states, per-container locks, name lookup, and the
// liveness check that replaces a daemon (design.md §2: pid plus start time).
import BerthImage
import BerthSystem
import FoundationEssentials

extension Engine {
    package var containersDir: String { store.containersDir }
    func containerDir(_ id: String) -> String { containersDir + "/" + id }
    func runtimeDir(_ id: String) -> String { paths.runroot + "/containers/" + id }

    func readRecord(_ id: String) throws -> ContainerRecord {
        let path = containerDir(id) + "/config.json"
        return try JSONCoding.decode(ContainerRecord.self, from: FileSystem.readFile(path), location: path)
    }

    func writeRecord(_ record: ContainerRecord) throws {
        try AtomicFile.write(JSONCoding.encode(record), to: containerDir(record.id) + "/config.json", mode: 0o600, durable: false)
    }

    /// The stored state, with a "running" container whose process is gone (or
    /// whose pid now belongs to another process, or from before a reboot) read as exited.
    func readState(_ id: String) -> ContainerState {
        guard var state = storedState(id) else { return ContainerState(status: .created) }
        if state.status == .running && !ProcessLiveness.isAlive(pid: state.pid, startTime: state.pidStartTime, bootID: state.bootID) {
            state.status = .exited
            state.exitCode = state.exitCode == 0 ? 137 : state.exitCode
            state.finishedAt = state.finishedAt ?? Date().timeIntervalSince1970
        }
        return state
    }

    /// state.json as written, without the liveness check.
    func storedState(_ id: String) -> ContainerState? {
        let path = containerDir(id) + "/state.json"
        guard let bytes = try? FileSystem.readFile(path) else { return nil }
        return try? JSONCoding.decode(ContainerState.self, from: bytes, location: path)
    }

    /// A container whose process has ended reads as "Exited (137)" until the berth
    /// process that started it (run, or its monitor) writes the real exit code.
    /// Waits up to `timeout` seconds for that record; a parent killed meanwhile
    /// never writes it, and the guess stands.
    func awaitRecordedExit(_ id: String, timeout: Double = 5) {
        let deadline = Stopwatch.seconds() + timeout
        while let state = storedState(id), state.status == .running, Stopwatch.seconds() < deadline {
            // A monitor killed meanwhile (kill -9) records nothing: the guess stands at once.
            if state.monitorPID != nil && !state.monitorIsAlive { return }
            Stopwatch.sleep(0.01)
        }
    }

    func writeState(_ state: ContainerState, for id: String) throws {
        try AtomicFile.write(JSONCoding.encode(state), to: containerDir(id) + "/state.json", mode: 0o600, durable: false)
    }

    /// Serialises changes to one container between berth processes.
    func lockContainer(_ id: String) throws -> FileLock {
        try FileLock.exclusive(containerDir(id) + "/lock")
    }

    package func containerIDs() throws -> [String] {
        try FileSystem.list(containersDir).filter { Digest.isHex64($0) && FileSystem.exists(containerDir($0) + "/config.json") }
    }

    package func listContainers() throws -> [ContainerDetails] {
        var result: [ContainerDetails] = []
        for id in try containerIDs() {
            guard let record = try? readRecord(id) else { continue }
            result.append(ContainerDetails(record: record, state: readState(id)))
        }
        return result.sorted { $0.record.created > $1.record.created }
    }

    /// A container by full or short ID, or by name.
    package func resolveContainer(_ text: String) throws -> ContainerRecord {
        if Digest.isHex64(text), FileSystem.exists(containerDir(text) + "/config.json") { return try readRecord(text) }
        if let id = ContainerNames(self).owner(of: text) { return try readRecord(id) }
        let ids = try containerIDs()
        var byName: ContainerRecord?
        var byPrefix: [String] = []
        for id in ids {
            if id.hasPrefix(text) { byPrefix.append(id) }
            if let record = try? readRecord(id), record.name == text { byName = record }
        }
        if let byName { return byName }
        if byPrefix.count == 1 { return try readRecord(byPrefix[0]) }
        if byPrefix.count > 1 { throw ContainerError.ambiguous(text) }
        throw ContainerError.notFound(text)
    }
}

package enum ContainerError: ExitCoded, CustomStringConvertible {
    case notFound(String)
    case ambiguous(String)
    case nameInUse(String, id: String)
    case running(String)
    case invalid(String)
    /// A detached start failed; the code is what a foreground run would exit with.
    case startFailed(String, exitCode: Int32)
    /// A child process (the pull of run and create) already said what failed on
    /// standard error: nothing more to print.
    case reported(exitCode: Int32)
    /// SIGINT or SIGTERM arrived during a build's RUN step: its container is gone,
    /// and the build ends as killed by that signal would (exit 128+N).
    case interrupted(signal: Int32)

    package var description: String {
        switch self {
        case .notFound(let name): return "no container with name or ID \"\(name)\" found: no such container"
        case .ambiguous(let name): return "more than one container matches \"\(name)\": use more of the ID"
        case .nameInUse(let name, let id):
            return "the container name \"\(name)\" is already in use by \(id). You have to remove that container to be able to reuse that name: that name is already in use"
        case .running(let name):
            return "cannot remove container \(name) as it is running - running or paused containers cannot be removed without force: container state improper"
        case .invalid(let message): return message
        case .startFailed(let message, _): return message
        case .reported: return ""
        case .interrupted(let signal): return "interrupted by signal \(signal): the build step's container was removed"
        }
    }

    package var exitCode: Int32 {
        switch self {
        case .startFailed(_, let code), .reported(let code): return code
        case .interrupted(let signal): return 128 + signal
        default: return ExitCode.engineError
        }
    }
}


extension Engine {
    package func containerDetails(_ id: String) throws -> ContainerDetails {
        let record = try readRecord(id)
        var details = ContainerDetails(record: record, state: readState(id), volumesDirectory: paths.root + "/volumes")
        details.network = networkStatus(id)
        for request in record.networkRequests ?? [] {
            details.networkIDs[request.name] = (try? network(named: request.name))?.id ?? ""
        }
        return details
    }
}
