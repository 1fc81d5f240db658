// `rm`, `stop`, `wait`: changing a container's life from outside its berth process.
import BerthImage
import BerthRuntime
import BerthSystem
import FoundationEssentials
import Glibc

extension Engine {
    /// Removes a container; a running one only with `force` (stopped with SIGKILL).
    package func removeContainer(_ nameOrID: String, force: Bool, lockHeld: Bool = false) throws {
        let record = try resolveContainer(nameOrID)
        let lock = try lockContainer(record.id)
        defer { lock.unlock() }
        let state = readState(record.id)
        if state.status == .running {
            guard force else { throw ContainerError.running(record.name) }
            kill(state.pid, SIGKILL)
            waitForExit(state, timeout: 10)
        }
        let remove = { () throws in
            ContainerNames(self).release(record.name, for: record.id)
            try FileSystem.unlinkIfPresent(self.containerDir(record.id) + "/config.json")
            try FileSystem.removeTree(self.runtimeDir(record.id))
            try self.removeOwnedBySubordinateIDs(self.containerDir(record.id))
        }
        if lockHeld { try remove() } else { try store.withLock(remove) }
    }

    /// Stops a running container: its stop signal, then SIGKILL after `timeout` seconds.
    package func stopContainer(_ nameOrID: String, timeout: Double) throws -> String {
        let record = try resolveContainer(nameOrID)
        let state = readState(record.id)
        guard state.status == .running else { return record.name }
        let signal = SignalName.number(record.stopSignal) ?? SIGTERM
        kill(state.pid, signal)
        if !waitForExit(state, timeout: timeout) {
            kill(state.pid, SIGKILL)
            waitForExit(state, timeout: 10)
        }
        // The berth process that started it records the exit; wait for that too.
        let deadline = Date().timeIntervalSince1970 + 5
        while readState(record.id).status == .running && Date().timeIntervalSince1970 < deadline { usleep(10_000) }
        return record.name
    }

    /// Waits until the container is not running and returns its exit code.
    package func waitContainer(_ nameOrID: String) throws -> Int32 {
        let record = try resolveContainer(nameOrID)
        while true {
            let state = readState(record.id)
            // A created container is waited for until it has run and exited, as podman does.
            if state.status != .running && state.status != .created { return state.exitCode }
            usleep(20_000)
            guard FileSystem.exists(containerDir(record.id) + "/config.json") else { return state.exitCode }
        }
    }

    @discardableResult
    func waitForExit(_ state: ContainerState, timeout: Double) -> Bool {
        let deadline = Date().timeIntervalSince1970 + timeout
        while ProcessLiveness.isAlive(pid: state.pid, startTime: state.pidStartTime, bootID: state.bootID) {
            if Date().timeIntervalSince1970 > deadline { return false }
            usleep(10_000)
        }
        return true
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
