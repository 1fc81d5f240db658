// `rm`, `stop`, `wait` of one container: changing or watching its life from
// outside the berth process that is its parent.
import BerthImage
import BerthRuntime
import BerthSystem
import Glibc

extension Engine {
    /// Removes one container; a running one only with `force`, stopped first as
    /// `stop` does with `stopTimeout` (0: SIGKILL at once, as --replace, --rm and rmi -f want).
    /// `volumes` (rm -v; always for a --rm container) removes its anonymous volumes too.
    package func removeContainer(_ nameOrID: String, force: Bool, stopTimeout: Double = 0, lockHeld: Bool = false,
                                 volumes: Bool = false) throws {
        let record = try resolveContainer(nameOrID)
        // Stopped before the lock is taken: the container's parent (run or its
        // monitor) then records the exit and is done before the files go.
        if force { try stopContainer(record, timeout: stopTimeout) }
        let lock: FileLock
        do {
            lock = try lockContainer(record.id)
        } catch let error as SystemError where error.errno == ENOENT {
            return  // its own --rm removed it meanwhile
        }
        defer { lock.unlock() }
        guard FileSystem.exists(containerDir(record.id) + "/config.json") else { return }
        let state = readState(record.id)
        if state.status == .running {
            guard force else { throw ContainerError.running(record.id) }
            try stopProcess(record, state, timeout: stopTimeout)
        }
        // A monitor waiting out a restart back-off has nothing left to restart.
        if let monitor = state.monitorPID, monitor != ProcessIdentity.pid, state.monitorIsAlive {
            try? Subprocess.send(SIGKILL, to: monitor)
        }
        // What `berth mount` left mounted goes first: the files under it go next.
        try releaseMount(record)
        // A monitor killed with -9 recorded no exit: its cgroup, network and leases go here.
        releaseLaunch(record)
        try removeContainerFiles(record, storeLockHeld: lockHeld)
        deactivateVolumes(record)
        if volumes || record.autoRemove { removeAnonymousVolumes(of: record) }
        recordEvent(.container("remove", record))
    }

    /// The container's name, record, runtime directory and directory, under the store lock
    /// (which `storeLockHeld` says the caller has). The caller holds the container's lock.
    func removeContainerFiles(_ record: ContainerRecord, storeLockHeld: Bool = false) throws {
        let remove = { () throws in
            ContainerNames(self).release(record.name, for: record.id)
            try FileSystem.unlinkIfPresent(self.containerDir(record.id) + "/config.json")
            try FileSystem.removeTree(self.runtimeDir(record.id))
            try self.removeContainerDirectory(record.id)
        }
        if storeLockHeld { try remove() } else { try store.withLock(remove) }
    }

    /// Stops a running container: its stop signal, then SIGKILL after `timeout`
    /// seconds; returns once the berth process that started it recorded the exit.
    /// A container that is not running is left as it is.
    func stopContainer(_ record: ContainerRecord, timeout: Double) throws {
        // Also while the monitor waits out a restart back-off: it must not start it again.
        if storedState(record.id)?.restartCount != nil || record.restart.kind != .no {
            try markStoppedByUser(record.id)
        }
        let state = readState(record.id)
        guard state.status == .running else { return }
        try stopProcess(record, state, timeout: timeout)
        awaitRecordedExit(record.id)
    }

    /// The stop signal (none when `timeout` is 0), then SIGKILL once `timeout` has passed.
    func stopProcess(_ record: ContainerRecord, _ state: ContainerState, timeout: Double) throws {
        if timeout > 0 {
            try signal(state, SignalName.number(record.stopSignal) ?? SIGTERM, container: record)
            if waitForExit(state, timeout: timeout) { return }
        }
        try signal(state, SIGKILL, container: record)
        if !waitForExit(state, timeout: 10) {
            throw ContainerError.invalid("container \(record.name) (pid \(state.pid)) did not exit after SIGKILL")
        }
    }

    private func signal(_ state: ContainerState, _ number: Int32, container record: ContainerRecord) throws {
        do {
            try Subprocess.send(number, to: state.pid)
            thawAfterSignal(record, state)
        } catch let error as SystemError where error.errno == ESRCH {
            // It exited meanwhile, which is what we wanted.
        } catch {
            throw ContainerError.invalid("stopping container \(record.name): \(error)")
        }
    }

    /// Waits until the container's state meets one of `conditions`; returns its exit
    /// code when waiting for an end (stopped, exited), else -1 as podman does.
    func waitContainer(_ record: ContainerRecord, for conditions: Set<WaitCondition>, interval: Double) -> Int32 {
        while true {
            var state = readState(record.id)
            for condition in conditions where condition.isMet(by: state.status) {
                guard condition.isEnd else { return -1 }
                // The exit code is the one its parent records, not the liveness guess.
                awaitRecordedExit(record.id)
                // Removed by --rm meanwhile: its code was kept for this.
                if let code = keptExitCode(of: record.id) { return code }
                state = readState(record.id)
                return state.exitCode
            }
            // Removed meanwhile (--rm): the kept code, or its last state.
            guard FileSystem.exists(containerDir(record.id) + "/config.json") else { return keptExitCode(of: record.id) ?? state.exitCode }
            Stopwatch.sleep(interval)
        }
    }

    @discardableResult
    func waitForExit(_ state: ContainerState, timeout: Double) -> Bool {
        let deadline = Stopwatch.seconds() + timeout
        while ProcessLiveness.isAlive(pid: state.pid, startTime: state.pidStartTime, bootID: state.bootID) {
            if Stopwatch.seconds() > deadline { return false }
            Stopwatch.sleep(0.01)
        }
        return true
    }
}

/// What `wait --condition` can wait for (podman's container states berth has).
package enum WaitCondition: String, Sendable, CaseIterable {
    case created, running, stopped, exited

    /// podman's spellings; its states berth has no counterpart for are refused.
    package init(parsing text: String) throws {
        if text == "configured" { self = .created; return }
        if let condition = WaitCondition(rawValue: text) { self = condition; return }
        if ["paused", "removing", "stopping"].contains(text) {
            throw ContainerError.invalid("wait --condition \(text) is not supported yet: berth has no \(text) state")
        }
        throw ContainerError.invalid("unknown container state: \(text): invalid argument")
    }

    var isEnd: Bool { self == .stopped || self == .exited }

    func isMet(by status: ContainerStatus) -> Bool {
        switch self {
        case .created: return status == .created
        case .running: return status == .running
        // A created container is waited for until it has run and exited, as podman does.
        case .stopped, .exited: return status == .exited || status == .stopped
        }
    }
}

package enum SignalName {
    static let table: [String: Int32] = [
        "HUP": SIGHUP, "INT": SIGINT, "QUIT": SIGQUIT, "ILL": SIGILL, "TRAP": SIGTRAP, "ABRT": SIGABRT, "BUS": SIGBUS,
        "FPE": SIGFPE, "KILL": SIGKILL, "USR1": SIGUSR1, "SEGV": SIGSEGV, "USR2": SIGUSR2, "PIPE": SIGPIPE,
        "ALRM": SIGALRM, "TERM": SIGTERM, "CHLD": SIGCHLD, "CONT": SIGCONT, "STOP": SIGSTOP, "TSTP": SIGTSTP,
        "TTIN": SIGTTIN, "TTOU": SIGTTOU, "URG": SIGURG, "XCPU": SIGXCPU, "XFSZ": SIGXFSZ, "VTALRM": SIGVTALRM,
        "PROF": SIGPROF, "WINCH": SIGWINCH, "IO": SIGIO, "PWR": SIGPWR, "SYS": SIGSYS,
    ]

    /// "SIGTERM", "TERM", "term" or "15".
    package static func number(_ text: String) -> Int32? {
        if let n = Int32(text), n > 0, n < 65 { return n }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        return table[name]
    }
}

extension Engine {
    /// Removes a tree that may hold files owned by subordinate ids (a rootless
    /// container's upper dir): outside the user namespace, berth re-executes itself
    /// inside it to do so, as `podman unshare rm` would.
    /// The container's directory, its record already gone. A monitor that read the
    /// record just before (a detached start racing rm -f or --replace) may still make
    /// its log in userdata before it finds the record gone and stops: the tree is
    /// removed again then, a few times at most.
    private func removeContainerDirectory(_ id: String) throws {
        var attempt = 1
        while true {
            do {
                return try removeOwnedBySubordinateIDs(containerDir(id))
            } catch let error as SystemError where error.errno == ENOTEMPTY && attempt < 5 {
                attempt += 1
                usleep(20_000)
            }
        }
    }

    func removeOwnedBySubordinateIDs(_ path: String) throws {
        guard Engine.needsUserNamespaceForWrites else { return try FileSystem.removeTree(path) }
        do {
            try FileSystem.removeTree(path)
        } catch let error as SystemError where error.errno == EACCES || error.errno == EPERM {
            let status = try PauseProcess.runInUserNamespace(runroot: paths.runroot, arguments: ["unshare", "/bin/rm", "-rf", "--", path])
            if status != 0 { throw ContainerError.invalid("removing \(path) in the user namespace failed (exit \(status))") }
        }
    }
}
