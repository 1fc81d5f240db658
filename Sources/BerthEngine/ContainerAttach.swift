// `attach`, and `run -t` / `start -a` of a -t container, podman's way: the
// container runs under its monitor, which holds the pty (MonitorStreams.swift,
// CBerth/monitor_attach.c), and this process is only a client of its attach
// socket. Detaching (ctrl-p,ctrl-q) ends the client; the container runs on.
import BerthSystem
import Glibc

package struct AttachRequest: Sendable {
    package var container = ""
    package var latest = false
    /// --no-stdin: the container's input is not attached.
    package var noStdin = false
    /// --sig-proxy: signals this process receives go to the container's process.
    package var sigProxy = true
    /// --detach-keys as bytes; empty: no detaching.
    package var detachKeys: [UInt8] = [16, 17]
    package init() {}
}

package enum AttachOutcome: Sendable, Equatable {
    /// The container exited with this code while attached.
    case exited(Int32)
    /// The user detached; the container runs on.
    case detached
}

extension Engine {
    /// `attach`: connects to a running container's monitor and relays until the
    /// container exits (its code) or the user detaches.
    package func attach(_ request: AttachRequest) throws -> AttachOutcome {
        let record = request.latest ? try latestContainer() : try resolveContainer(request.container)
        let state = readState(record.id)
        guard state.status == .running else { throw ContainerError.invalid("you can only attach to running containers") }
        let socket: FileDescriptor
        do {
            socket = try AttachSocket.connect(inDirectory: runtimeDir(record.id))
        } catch let error as SystemError where [ENOENT, ECONNREFUSED].contains(error.errno) {
            // A foreground run is its container's parent and serves no socket.
            throw ContainerError.invalid("container \(record.name) has no attach socket: it runs in the foreground of the berth that started it")
        }
        if request.sigProxy { SignalForwarder.start(forwardingTo: state.pid) }
        defer { SignalForwarder.stop() }
        let end = AttachRelay(socket: socket).relay(forwardInput: record.interactive && !request.noStdin, terminal: record.tty,
                                                    detachKeys: request.detachKeys)
        return finish(end, record)
    }

    /// Whether a foreground `run`/`start -a` of `record` goes through the monitor:
    /// every -t container (-it, which a user can detach from, and -t alone, whose
    /// pty output the monitor's log keeps as for a detached one), unless the start
    /// needs what only its own parent can give (--preserve-fds, a build's per-start
    /// environment, --log-driver passthrough).
    static func attachesThroughMonitor(_ record: ContainerRecord, _ attach: AttachOptions) -> Bool {
        record.tty && attach.preserveFDs == 0 && attach.environment.isEmpty && record.logDriver != "passthrough"
    }

    /// Starts `record` under a monitor with this process already attached (no
    /// output can come before the client), then relays. Returns the exit code;
    /// a detach returns 0 with the container running.
    func startAndAttach(_ record: ContainerRecord, attach: AttachOptions) throws -> Int32 {
        if readState(record.id).status == .running {
            // `start -ai` of a running container attaches to it, as podman's does.
            var request = AttachRequest()
            request.container = record.id
            request.noStdin = !attach.attachInput
            request.sigProxy = attach.sigProxy
            request.detachKeys = attach.detachKeys
            guard case .exited(let code) = try self.attach(request) else { return 0 }
            return code
        }
        let (client, monitorEnd) = try AttachSocket.pair()
        let size = PseudoTerminal.size(of: StandardStreams.input) ?? PseudoTerminal.size(of: StandardStreams.output)
        let monitorPID: Int32
        do {
            monitorPID = try spawnMonitor(record, client: (monitorEnd, size))
        } catch {
            if record.autoRemove { try? removeContainer(record.id, force: true) }
            throw error
        }
        Stopwatch.mark("started")
        if attach.sigProxy { SignalForwarder.start(forwardingTo: readState(record.id).pid) }
        let end = AttachRelay(socket: client).relay(forwardInput: record.interactive && attach.attachInput, terminal: true,
                                                    detachKeys: attach.detachKeys)
        SignalForwarder.stop()
        if case .detached = end { return 0 }
        // --rm: the monitor removes the container and exits; wait for it, as a
        // foreground run returns only once its container is gone.
        if record.autoRemove { _ = try? Subprocess.wait(monitorPID, "monitor") }
        guard case .exited(let code) = finish(end, record) else { return 0 }
        return code
    }

    /// The relay's end as the caller reports it: an exit is awaited in the state
    /// (the monitor records it right after telling the client), a vanished
    /// monitor reads as the container's recorded or guessed exit.
    private func finish(_ end: AttachEnd, _ record: ContainerRecord) -> AttachOutcome {
        switch end {
        case .detached:
            return .detached
        case .exited(let code):
            awaitRecordedExit(record.id)
            return .exited(code)
        case .disconnected:
            awaitRecordedExit(record.id)
            return .exited(readState(record.id).exitCode)
        }
    }
}
