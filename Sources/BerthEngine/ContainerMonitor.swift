// Detached containers (`run -d`, `start` without -a): a per-container monitor is
// the container's parent (design.md §2: the role conmon plays for podman, never a
// daemon). It is one process in two halves: `berth __monitor ID` (Swift) prepares
// and starts the container, then execs the C monitor image (MonitorImage, from a
// memfd) that holds the output pipes, the log and the health-check timer for as
// long as the container runs; at the exit the C half execs `berth __monitor ID
// --exited CODE` again, which records it and applies --rm and the restart policy
// (ContainerRestart.swift). The pid never changes: State.ConmonPid names it.
import BerthMonitorImage
import BerthRuntime
import BerthSystem
import Glibc

/// What a `__monitor` process is asked to do.
package enum MonitorStep: Sendable {
    /// Start the container and report on the status pipe (fd 3); with a client, fd 4
    /// is an attach client's socket and the size (if any) its window.
    case start(client: Bool, terminalSize: (rows: UInt16, columns: UInt16)?)
    /// The container exited with this code: record it, then --rm or restart.
    /// `oomKilled`: the monitor saw the OOM killer end a process of it (`--oom-killed`).
    case exited(Int32, oomKilled: Bool)
    /// The restart back-off has passed: start it again.
    case restart
    /// Hold a detached `exec -it` session's terminal (fd 3) until its process
    /// (pidfd on fd 4) ends (ExecDetach.swift).
    case holdTerminal
}

extension MonitorStep {
    /// `__monitor ID --client ROWSxCOLUMNS|-`: start with an attach client on fd 4.
    package static let clientFlag = "--client"
    /// `__monitor ID --hold-terminal`.
    package static let holdFlag = "--hold-terminal"
    /// `__monitor ID --exited CODE --oom-killed` (monitor.c).
    package static let oomKilledFlag = "--oom-killed"

    /// The words after the ID: none, `--client SIZE`, `--exited CODE [--oom-killed]`, `--restart`.
    package init?(words: [String]) {
        switch words.first {
        case nil: self = .start(client: false, terminalSize: nil)
        case "--restart" where words.count == 1: self = .restart
        case MonitorStep.holdFlag where words.count == 1: self = .holdTerminal
        case "--exited" where words.count == 2 || (words.count == 3 && words[2] == MonitorStep.oomKilledFlag):
            guard let code = Int32(words[1]) else { return nil }
            self = .exited(code, oomKilled: words.count == 3)
        case MonitorStep.clientFlag where words.count == 2:
            let size = words[1].split(separator: "x").compactMap { UInt16($0) }
            self = .start(client: true, terminalSize: size.count == 2 ? (size[0], size[1]) : nil)
        default: return nil
        }
    }
}

extension Engine {
    /// The hidden sub-command the monitor runs: `__monitor ID [--exited CODE | --restart]`.
    package static let monitorCommand = "__monitor"

    /// The container's k8s-file log: --log-opt path, else userdata/ctr.log as podman's.
    package func logPath(_ record: ContainerRecord) -> String {
        record.logPath ?? containerDir(record.id) + "/userdata/ctr.log"
    }

    /// Starts the container under a new monitor and returns once it runs.
    package func startDetached(_ nameOrID: String) throws -> ContainerRecord {
        let record = try resolveContainer(nameOrID)
        if readState(record.id).status == .running { return record }
        _ = try spawnMonitor(record, client: nil)
        return record
    }

    /// Starts `record` under a new monitor and returns the monitor's pid once the
    /// container runs; its dependencies first, unless `dependenciesStarted`. `client`:
    /// an attach client's socket end, handed to the monitor before the start, with
    /// the client's window size for the pty.
    func spawnMonitor(_ record: ContainerRecord, client: (socket: FileDescriptor, size: (rows: UInt16, columns: UInt16)?)?,
                      dependenciesStarted: Bool = false) throws -> Int32 {
        if !dependenciesStarted { try startDependencies(record) }
        applySdNotifyEnvironment(record)
        let (reader, writer) = try FileDescriptor.pipe("monitor status pipe")
        var arguments = ["--root", paths.root, "--runroot", paths.runroot, Engine.monitorCommand, record.id]
        if let client { arguments += [MonitorStep.clientFlag, client.size.map { "\($0.rows)x\($0.columns)" } ?? "-"] }
        let pid = try SelfExec.spawnDetached(arguments, statusFD: writer.raw, clientFD: client?.socket.raw)
        writer.close()
        client?.socket.close()
        let message = String(decoding: try reader.readAll(path: "monitor status pipe"), as: UTF8.self)
        if message.hasPrefix("started") {
            notifyStarted(record, mainPID: pid)  // --sdnotify (ContainerSdNotify.swift)
            return pid
        }
        // The monitor failed before reporting: it has exited (or will); reap it.
        _ = try? Subprocess.wait(pid, "monitor")
        // "error CODE: message", CODE being the exit code a foreground run would give.
        let parts = message.split(separator: ":", maxSplits: 1)
        if parts.count == 2, parts[0].hasPrefix("error "), let code = Int32(parts[0].dropFirst(6)) {
            throw ContainerError.startFailed(parts[1].trimmedSpaces.filter { $0 != "\n" }, exitCode: code)
        }
        throw ContainerError.startFailed("the monitor exited before starting the container", exitCode: ExitCode.engineError)
    }

    /// The Swift half of the monitor's life; returns only when the monitor is done
    /// (its exit status), else it becomes the C monitor.
    package func runMonitor(_ id: String, step: MonitorStep) -> Int32 {
        switch step {
        case .start(let withClient, let size):
            // Its stdio is /dev/null already (SelfExec.spawnDetached); fd 3 is the
            // status pipe, fd 4 an attach client's socket (--client).
            DetachedProcess.detach(keepingFDsThrough: withClient ? 4 : 3, ignoring: [SIGHUP, SIGINT, SIGQUIT, SIGPIPE],
                                   stdioToNull: false, changeToRoot: false)
            let status = FileDescriptor(raw: 3)
            let client = withClient ? FileDescriptor(raw: 4) : nil
            do {
                let record: ContainerRecord
                do {
                    record = try readRecord(id)
                } catch let error as SystemError where error.errno == ENOENT {
                    // rm -f or another run --replace of its name came first.
                    throw ContainerError.invalid("container \(id) was removed before it could start")
                }
                try placeMonitor(record)
                try superviseInMonitor(record, restartCount: nil, delayMS: nil, client: client, terminalSize: size) {
                    try? status.write(Array("started\n".utf8))
                    status.close()
                }
            } catch {
                var error = error
                // rm -f or another run --replace of its name came while it started: whatever
                // step then failed (a log, a cgroup, a network file), that is the story.
                if !FileSystem.exists(containerDir(id) + "/config.json") {
                    error = ContainerError.invalid("container \(id) was removed before it could start")
                }
                let code = (error as? any ExitCoded)?.exitCode ?? ExitCode.engineError
                try? status.write(Array("error \(code): \(error)\n".utf8))
            }
            return ExitCode.engineError
        case .exited(let code, let oomKilled):
            // A foreground run handing its restart policy over (ContainerForegroundRestart)
            // spawned this one in its own session: leave it, as a monitor does at start.
            if getsid(0) != ProcessIdentity.pid {
                DetachedProcess.detach(keepingFDsThrough: 2, ignoring: [SIGHUP, SIGINT, SIGQUIT, SIGPIPE], stdioToNull: false, changeToRoot: false)
            }
            return afterExit(id, code: code, oomKilled: oomKilled)
        case .restart:
            return restartAfterBackOff(id)
        case .holdTerminal:
            return becomeTerminalHolder(id)
        }
    }

    /// Starts the container with its stdout and stderr on pipes, then execs the C
    /// monitor with everything it holds; returns only by throwing.
    /// `client` is an attach client connected before the start (run -it, start -ai),
    /// `terminalSize` its window.
    func superviseInMonitor(_ record: ContainerRecord, restartCount: Int?, delayMS: Int?, client: FileDescriptor? = nil,
                            terminalSize: (rows: UInt16, columns: UInt16)? = nil, onStarted: () -> Void) throws {
        // --log-driver none: the monitor still drains the pipes, into no log.
        let log = record.logDriver == "none" ? nil
            : try FileDescriptor.open(logPath(record), O_WRONLY | O_CREAT | O_APPEND, mode: 0o600)
        // Pipes or a pty, stdin for -i, the attach socket (MonitorStreams.swift).
        let streams = try MonitorStreams(record, runtimeDirectory: runtimeDir(record.id), client: client, terminalSize: terminalSize)
        var attach = AttachOptions()
        attach.detachedStdio = streams.containerStdio
        let (process, _, _) = try launch(record, attach: attach, monitorPID: ProcessIdentity.pid,
                                          restartCount: restartCount, restartDelayMS: delayMS)
        streams.closeContainerEnds()
        try log?.setInheritable()
        try streams.handOver()
        let pidfd = try process.handOverPidfd()
        onStarted()
        var arguments = ["berth=\(SelfExec.executable)", "root=\(paths.root)", "runroot=\(paths.runroot)", "id=\(record.id)",
                         "pid=\(process.pid)", "pidfd=\(pidfd)"] + streams.monitorArguments
        if let log { arguments.append("log=\(log.raw)") }
        if let size = record.logMaxSize { arguments.append("log-max-size=\(size)") }
        if let interval = monitorHealthInterval(record) { arguments.append("health-interval-ms=\(interval)") }
        // --timeout, podman's: the monitor sends SIGKILL once the time is up (exit code 137).
        if let limit = record.timeout, limit > 0 { arguments.append("timeout-ms=\(limit * 1000)") }
        // Under the systemd manager: the monitor polls memory.events for OOM kills (ContainerOOM.swift).
        if let events = try process.memoryEvents?.handOver() { arguments += ["oom-events=\(events.fd)", "oom-kills=\(events.kills)"] }
        try withExtendedLifetime(streams) {
            try SelfExec.replace(withImage: MonitorImage.bytes(), name: "berth-monitor", arguments: arguments)
        }
    }

    /// Becomes the C monitor in back-off mode: it sleeps `milliseconds`, then runs
    /// `__monitor ID --restart`.
    func backOffInMonitor(_ id: String, milliseconds: Int) throws -> Never {
        let arguments = ["berth=\(SelfExec.executable)", "root=\(paths.root)", "runroot=\(paths.runroot)", "id=\(id)",
                         "sleep-ms=\(max(milliseconds, 1))"]
        try SelfExec.replace(withImage: MonitorImage.bytes(), name: "berth-monitor", arguments: arguments)
    }

    /// --pidfile and --conmon-pidfile, written at every start.
    func writePidFiles(_ record: ContainerRecord, containerPID: Int32, monitorPID: Int32) throws {
        if let file = record.pidFile { try AtomicFile.write("\(containerPID)", to: file, durable: false) }
        if let file = record.conmonPidFile { try AtomicFile.write("\(monitorPID)", to: file, durable: false) }
    }
}
