// `healthcheck run`, which the C monitor starts every --health-interval (no
// systemd timer, unlike podman): runs the container's check through the exec
// path with its timeout, records the result in State.Health under the
// container's lock, and carries out --health-on-failure once it is unhealthy.
import BerthRuntime
import BerthSystem
import FoundationEssentials
import Glibc

/// What one check found, as `healthcheck run` reports it (podman: nothing and
/// exit 0, or "unhealthy" and exit 1, whatever the container's status so far).
package enum HealthCheckOutcome: Sendable, Equatable {
    case healthy, unhealthy
}

extension Engine {
    package func runHealthCheck(_ nameOrID: String) throws -> HealthCheckOutcome {
        let record: ContainerRecord
        do {
            record = try resolveContainer(nameOrID)
        } catch let error as ContainerError {
            throw ContainerError.invalid("unable to look up \(nameOrID) to perform a health check: \(error)")
        }
        let state = readState(record.id)
        guard state.status == .running else { throw ContainerError.invalid("container \(record.id) is not running") }
        guard let command = record.healthCommand, let check = record.healthcheck else {
            throw ContainerError.invalid("container \(record.id) has no defined healthcheck")
        }
        let result = try execute(command, in: record, state, timeout: check.Timeout ?? HealthDefaults.timeout)
        let startPeriod = Double(check.StartPeriod ?? 0) / 1e9
        let health = try recordHealth(result, of: record, startedAt: state.startedAt) { health in
            health.record(result, retries: check.Retries ?? HealthDefaults.retries,
                          startPeriodEnds: (state.startedAt ?? 0) + startPeriod)
        }
        if let health { recordEvent(.health(health.status, record)) }
        if health?.status == HealthState.unhealthy { try act(on: record, state) }
        return result.exitCode == 0 ? .healthy : .unhealthy
    }

    /// Runs the check in the container, its stdout and stderr into one pipe (the
    /// first 500 bytes kept, as podman keeps them), killed after `timeout` ns.
    private func execute(_ command: [String], in record: ContainerRecord, _ state: ContainerState, timeout: Int64) throws -> HealthResult {
        var options = ExecOptions()
        options.command = command
        let spec = try execSpec(record, options)
        let namespaces: ContainerNamespaces
        do {
            namespaces = try containerNamespaces(state.pid)
        } catch let error as SystemError where error.errno == ENOENT || error.errno == ESRCH {
            throw ContainerError.invalid("container \(record.id) is not running")
        }
        let input = try FileDescriptor.open("/dev/null", O_RDONLY)
        let output = try FileDescriptor.pipe("health check output")
        let start = Date().timeIntervalSince1970
        let process: ContainerProcess
        do {
            process = try ContainerProcess.exec(spec, in: namespaces, detach: false, stdio: (input.raw, output.write.raw, output.write.raw))
        } catch let error as RuntimeError {
            // podman counts a check that cannot be started as a failed one (exit code 1).
            switch error {
            case .commandNotFound, .cannotInvoke:
                return HealthResult(start: start, end: Date().timeIntervalSince1970, exitCode: 1, output: "\(error)")
            default: throw error
            }
        }
        input.close()
        output.write.close()
        let captured = process.captureOutput(output.read, limit: HealthDefaults.outputLimit, seconds: Double(timeout) / 1e9)
        let code = process.wait()
        var text = String(decoding: captured.bytes, as: UTF8.self)
        while text.hasSuffix("\n") { text.removeLast() }
        var result = HealthResult(start: start, end: Date().timeIntervalSince1970, exitCode: Int(code), output: text)
        if captured.expired {
            // podman's record of a check that ran too long: exit code -1 and the reason.
            result.exitCode = -1
            result.output = "healthcheck command exceeded timeout of \(Engine.goDuration(timeout))"
        }
        return result
    }

    /// Applies `change` to State.Health under the container's lock, unless the
    /// container has been started again since the check began (its result belongs
    /// to a run that is over). Returns the health as written.
    private func recordHealth(_ result: HealthResult, of record: ContainerRecord, startedAt: Double?,
                              _ change: (inout HealthState) -> Void) throws -> HealthState? {
        let lock: FileLock
        do {
            lock = try lockContainer(record.id)
        } catch let error as SystemError where error.errno == ENOENT {
            return nil  // removed meanwhile
        }
        defer { lock.unlock() }
        guard var state = storedState(record.id), state.startedAt == startedAt else { return nil }
        var health = state.health ?? HealthState(startingAfter: nil)
        change(&health)
        state.health = health
        try writeState(state, for: record.id)
        return health
    }

    /// --health-on-failure, podman's way: kill and stop end the container as the
    /// user's kill and stop do (its restart policy ends too); restart SIGKILLs it
    /// and leaves the restart to the monitor (ContainerRestart.swift), so the
    /// back-off and RestartCount stay the restart policy's.
    private func act(on record: ContainerRecord, _ state: ContainerState) throws {
        switch record.healthAction {
        case .none:
            return
        case .kill:
            try markStoppedByUser(record.id)
            try? Subprocess.send(SIGKILL, to: state.pid)
        case .restart:
            try? Subprocess.send(SIGKILL, to: state.pid)
        case .stop:
            try markStoppedByUser(record.id)
            // Not stopContainer: it waits for the exit record, which the monitor
            // writes only after reaping this check.
            try stopProcess(record, state, timeout: record.stopTimeoutSeconds)
        }
    }

    /// Go's time.Duration.String for the whole-unit values health flags take: 30s, 1m30s, 500ms.
    static func goDuration(_ nanoseconds: Int64) -> String {
        if nanoseconds < 1_000_000_000 {
            if nanoseconds % 1_000_000 == 0 { return "\(nanoseconds / 1_000_000)ms" }
            if nanoseconds % 1_000 == 0 { return "\(nanoseconds / 1_000)µs" }
            return "\(nanoseconds)ns"
        }
        let totalSeconds = nanoseconds / 1_000_000_000
        var fraction = String(nanoseconds % 1_000_000_000).leftPadded(to: 9)
        while fraction.hasSuffix("0") { fraction.removeLast() }
        let seconds = "\(totalSeconds % 60)" + (fraction.isEmpty ? "" : "." + fraction) + "s"
        let (hours, minutes) = (totalSeconds / 3600, totalSeconds / 60 % 60)
        if hours > 0 { return "\(hours)h\(minutes)m" + seconds }
        return minutes > 0 ? "\(minutes)m" + seconds : seconds
    }
}

extension ContainerState {
    /// Whether the monitor restarts this container because --health-on-failure=restart
    /// applies (podman restarts an unhealthy one whatever its restart policy says).
    func restartsForHealth(_ record: ContainerRecord) -> Bool {
        record.healthAction == .restart && health?.status == HealthState.unhealthy && stoppedByUser != true
    }
}
