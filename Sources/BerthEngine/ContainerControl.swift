// `kill`, `restart`, `rename`, `port`, `init`: the verbs that
// act on a container's process or record from outside its parent, podman's way.
import BerthImage
import BerthRuntime
import BerthSystem
import Glibc

package struct KillOptions: Sendable {
    package var selection = ContainerSelection()
    package var signal: Int32 = SIGKILL
    package init() {}
}

package struct RestartOptions: Sendable {
    package var selection = ContainerSelection()
    /// Seconds between the stop signal and SIGKILL; nil: the container's stop timeout.
    package var timeout: Double?
    /// --running: only the containers that run now.
    package var runningOnly = false
    package init() {}
}

extension Engine {
    package func killContainers(_ options: KillOptions) throws -> [ContainerReport] {
        var selection = options.selection
        if selection.all {
            // kill --all: every running container, the others are not asked about.
            selection.all = false
            selection.names = try listContainers().filter { $0.state.status == .running }.map(\.record.id)
            if selection.names.isEmpty { return [] }
        }
        return try eachContainer(selection) { _, record in
            let state = readState(record.id)
            guard state.status == .running else { throw Engine.improperState("can only kill running containers. \(record.id) is in state \(state.status.rawValue)") }
            // As podman's kill: any signal from the user ends the restart policy, so an
            // `always` container it kills stays down (marked before the signal lands).
            try markStoppedByUser(record.id)
            do {
                try Subprocess.send(options.signal, to: state.pid)
                // SIGKILL ends a paused container on v1 too, as it does on v2.
                if options.signal == SIGKILL { thawAfterSignal(record, state) }
            } catch let error as SystemError where error.errno == ESRCH {
                throw Engine.improperState("can only kill running containers. \(record.id) is in state exited")
            }
            recordEvent(.container("kill", record))
            return nil
        }
    }

    /// Stops (as `stop` does) what runs, then starts each container detached.
    package func restartContainers(_ options: RestartOptions) throws -> [ContainerReport] {
        var selection = options.selection
        if selection.all || options.runningOnly && selection.names.isEmpty && !selection.latest {
            selection.all = false
            selection.names = try listContainers()
                .filter { !options.runningOnly || $0.state.status == .running }.map(\.record.id)
            if selection.names.isEmpty { return [] }
        }
        return try eachContainer(selection) { _, record in
            if options.runningOnly && readState(record.id).status != .running { return nil }
            try stopContainer(record, timeout: options.timeout ?? record.stopTimeoutSeconds)
            _ = try startDetached(record.id)
            recordEvent(.container("restart", record))
            return nil
        }
    }

    /// Gives a container a new name: the new one is claimed first, then the record
    /// rewritten, then the old name released, so the container is never nameless.
    package func renameContainer(_ nameOrID: String, to newName: String) throws {
        guard Engine.isValidName(newName) else { throw ContainerError.invalid("names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument") }
        var record = try resolveContainer(nameOrID)
        let lock = try lockContainer(record.id)
        defer { lock.unlock() }
        record = try readRecord(record.id)
        if record.name == newName { return }
        let names = ContainerNames(self)
        do {
            try store.withLock { try names.claim(newName, for: record.id) }
        } catch ContainerError.nameInUse {
            throw ContainerError.invalid("renaming container \(record.id): name \(newName) already in use, cannot rename container \(record.id): container already exists")
        }
        let oldName = record.name
        record.name = newName
        do {
            try writeRecord(record)
        } catch {
            names.release(newName, for: record.id)
            throw error
        }
        names.release(oldName, for: record.id)
        recordEvent(.container("rename", record))
    }

    /// `init`: podman creates the runtime's state without starting; berth has no
    /// such step, so init checks that the container could start (its layers, user
    /// and settings resolve) and leaves it created.
    package func initContainers(_ selection: ContainerSelection) throws -> [ContainerReport] {
        try eachContainer(selection) { _, record in
            if readState(record.id).status == .running {
                throw Engine.improperState("container \(record.id) has already been created in runtime")
            }
            _ = try containerSpec(record)
            recordEvent(.container("init", record))
            return nil
        }
    }

    static func improperState(_ message: String) -> ContainerError {
        .invalid(message + ": container state improper")
    }
}
