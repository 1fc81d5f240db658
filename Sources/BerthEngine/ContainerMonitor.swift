// Detached containers (`run -d`, `start` without -a): a per-container monitor
// process, berth re-executed with a hidden command, is the container's parent
// (design.md §2: the role conmon plays for podman, never a daemon). It writes the
// container's output to a log, records the exit and applies --rm. The starting
// command waits on a pipe for "started" (or the start error) and returns.
import BerthRuntime
import BerthSystem
import Glibc

extension Engine {
    /// The hidden sub-command the monitor runs: `__monitor ID`.
    package static let monitorCommand = "__monitor"

    package func logPath(_ id: String) -> String { containerDir(id) + "/userdata/ctr.log" }

    /// Starts the container under a new monitor and returns once it runs.
    package func startDetached(_ nameOrID: String) throws -> ContainerRecord {
        let record = try resolveContainer(nameOrID)
        if readState(record.id).status == .running { return record }
        if record.tty { throw ContainerError.invalid("detached containers with a terminal (-t) are not supported yet") }
        let (reader, writer) = try FileDescriptor.pipe("monitor status pipe")
        let arguments = ["--root", paths.root, "--runroot", paths.runroot, Engine.monitorCommand, record.id]
        let pid = try SelfExec.spawnDetached(arguments, statusFD: writer.raw)
        writer.close()
        let message = String(decoding: try reader.readAll(path: "monitor status pipe"), as: UTF8.self)
        if message.hasPrefix("started") { return record }
        // The monitor failed before reporting: it has exited (or will); reap it.
        _ = try? Subprocess.wait(pid, "monitor")
        // "error CODE: message", CODE being the exit code a foreground run would give.
        let parts = message.split(separator: ":", maxSplits: 1)
        if parts.count == 2, parts[0].hasPrefix("error "), let code = Int32(parts[0].dropFirst(6)) {
            throw ContainerError.startFailed(parts[1].trimmedSpaces.filter { $0 != "\n" }, exitCode: code)
        }
        throw ContainerError.startFailed("the monitor exited before starting the container", exitCode: ExitCode.engineError)
    }

    /// The monitor's life: runs the container with its output in the log and
    /// reports on `statusFD` (3) once it is started.
    package func runMonitor(_ id: String, statusFD: Int32) -> Int32 {
        // Its stdio is /dev/null already (SelfExec.spawnDetached); fd 3 is the status pipe.
        DetachedProcess.detach(keepingFDsThrough: 3, ignoring: [SIGHUP, SIGINT, SIGQUIT, SIGPIPE],
                               stdioToNull: false, changeToRoot: false)
        let status = FileDescriptor(raw: statusFD)
        do {
            let log = try FileDescriptor.open(logPath(id), O_WRONLY | O_CREAT | O_APPEND, mode: 0o600)
            let null = try FileDescriptor.open("/dev/null", O_RDONLY)
            var attach = AttachOptions()
            attach.detachedStdio = (null.raw, log.raw, log.raw)
            return try startAttached(id, attach: attach) { _ in
                null.close()
                try? status.write(Array("started\n".utf8))
                status.close()
            }
        } catch {
            let code = (error as? any ExitCoded)?.exitCode ?? ExitCode.engineError
            try? status.write(Array("error \(code): \(error)\n".utf8))
            return ExitCode.engineError
        }
    }
}
