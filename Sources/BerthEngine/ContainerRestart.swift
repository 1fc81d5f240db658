// Restart policies without a daemon: the monitor applies them when the container
// exits (--restart no|on-failure[:N]|always|unless-stopped), with docker's back-off:
// 100 ms doubling up to a minute between restarts, back to 100 ms once a run
// lasted 10 s. A stop, kill or rm by the user ends the policy (StoppedByUser).
import BerthSystem
import FoundationEssentials

package struct RestartPolicy: Sendable, Equatable {
    package enum Kind: String, Sendable { case no, onFailure = "on-failure", always, unlessStopped = "unless-stopped" }
    package var kind: Kind
    /// on-failure:N; 0: no limit.
    package var maximumRetries: Int = 0

    static let initialDelayMS = 100
    static let maximumDelayMS = 60_000
    /// A run this long resets the back-off (docker's rule).
    static let steadyRunSeconds = 10.0

    /// podman's spellings: "", "no", "on-failure", "on-failure:3", "always", "unless-stopped".
    package init(parsing text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let kind = parts[0].isEmpty ? .no : Kind(rawValue: parts[0]) else {
            throw ContainerError.invalid("running container create option: \"\(parts[0])\" is not a valid restart policy: invalid argument")
        }
        self.kind = kind
        if parts.count == 2 {
            guard kind == .onFailure else {
                throw ContainerError.invalid("restart policy retries can only be specified with on-failure restart policy")
            }
            guard let retries = Int(parts[1]) else {
                throw ContainerError.invalid("parsing restart policy retry count: strconv.Atoi: parsing \"\(parts[1])\": invalid syntax")
            }
            guard retries >= 0 else { throw ContainerError.invalid("must specify restart policy retry count as a number greater than 0") }
            maximumRetries = retries
        }
    }

    /// Whether a container that exited with `code`, restarted `count` times so far, starts again.
    func restarts(exitCode code: Int32, count: Int) -> Bool {
        switch kind {
        case .no: return false
        case .always, .unlessStopped: return true
        case .onFailure: return code != 0 && (maximumRetries == 0 || count < maximumRetries)
        }
    }

    /// The next back-off after one of `previous` ms, for a run that lasted `uptime` seconds.
    static func nextDelay(previous: Int?, uptime: Double) -> Int {
        guard let previous, uptime < steadyRunSeconds else { return initialDelayMS }
        return min(previous * 2, maximumDelayMS)
    }
}

extension ContainerRecord {
    package var restart: RestartPolicy {
        (try? RestartPolicy(parsing: restartPolicy ?? "")) ?? RestartPolicy(kind: .no)
    }
}

extension RestartPolicy {
    init(kind: Kind) { self.kind = kind }
}

extension Engine {
    /// `__monitor ID --exited CODE [--oom-killed]`: records the exit, then --rm, a restart after the
    /// back-off, or the end of the monitor.
    func afterExit(_ id: String, code: Int32, oomKilled: Bool = false) -> Int32 {
        guard let record = try? readRecord(id) else { return 0 }  // removed meanwhile (rm -f)
        let started = storedState(id) ?? ContainerState(status: .running)
        if record.autoRemove {
            // No exit written first: the container goes now (ContainerAutoRemove.swift).
            try? removeAfterExit(record, started, code: code, oomKilled: oomKilled)
            return 0
        }
        // A foreground run that handed its restart policy over recorded the exit itself.
        let recorded = started.status == .running ? (try? recordExit(record, started, code: code, oomKilled: oomKilled)) ?? .success(()) : .success(())
        guard case .success = recorded else { return ExitCode.engineError }
        let count = started.restartCount ?? 0
        let policyRestarts = started.stoppedByUser != true && record.restart.restarts(exitCode: code, count: count)
        guard policyRestarts || started.restartsForHealth(record) else { return 0 }
        let uptime = Date().timeIntervalSince1970 - (started.startedAt ?? 0)
        let delay = RestartPolicy.nextDelay(previous: started.restartDelayMS, uptime: uptime)
        do {
            let lock = try lockContainer(id)
            var state = storedState(id) ?? started
            guard state.status != .running, state.stoppedByUser != true else { lock.unlock(); return 0 }
            state.restartDelayMS = delay
            state.monitorPID = ProcessIdentity.pid
            state.monitorStartTime = ProcessLiveness.startTime(of: ProcessIdentity.pid)
            try writeState(state, for: id)
            lock.unlock()
            try backOffInMonitor(id, milliseconds: delay)
        } catch {
            return ExitCode.engineError
        }
    }

    /// `__monitor ID --restart`: the back-off has passed; starts the container again
    /// unless the user stopped, removed or started it meanwhile.
    func restartAfterBackOff(_ id: String) -> Int32 {
        guard let record = try? readRecord(id) else { return 0 }
        let state = readState(id)
        guard state.status != .running, state.stoppedByUser != true, state.monitorPID == ProcessIdentity.pid else { return 0 }
        do {
            try superviseInMonitor(record, restartCount: (state.restartCount ?? 0) + 1, delayMS: state.restartDelayMS) {}
        } catch {
            // Recorded by launch in the state's error; the policy ends here, as docker's does on a start error.
            return ExitCode.engineError
        }
        return 0
    }

    /// The user stops, kills or removes the container: its restart policy ends.
    package func markStoppedByUser(_ id: String) throws {
        let lock = try lockContainer(id)
        defer { lock.unlock() }
        guard var state = storedState(id) else { return }
        state.stoppedByUser = true
        try writeState(state, for: id)
    }
}
