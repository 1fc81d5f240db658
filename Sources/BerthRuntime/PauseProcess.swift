// Rootless containers join one user namespace per runroot, held by a tiny
// "pause" process (podman's design): its id maps are written once with
// newuidmap/newgidmap, instead of on every container start (~2.5 ms each time,
// design.md §7). The pause process is berth itself, re-executed with a hidden
// command, doing nothing but wait.
package import BerthSystem
import Glibc

package enum PauseProcess {
    /// The hidden sub-command the pause process runs.
    package static let command = "__pause"

    /// Moves a new pause process (its pid) out of the caller's cgroup, or does
    /// nothing: the engine's choice (a systemd scope under the systemd manager).
    package typealias Placement = (Int32) -> Void

    /// An fd of the user namespace of the live pause process for `runroot`,
    /// starting one when there is none (or it died, or the machine rebooted).
    /// `place`: called with a new pause process's pid before anyone joins it.
    package static func userNamespace(runroot: String, place: Placement? = nil) throws -> FileDescriptor {
        try FileSystem.makeDirectories(runroot, mode: 0o700)
        let lock = try FileLock.exclusive(runroot + "/pause.lock")
        defer { lock.unlock() }
        let pidFile = runroot + "/pause.pid"
        if let (pid, start, boot) = read(pidFile), boot == ProcessLiveness.bootID, ProcessLiveness.startTime(of: pid) == start,
           let fd = try? FileDescriptor.open("/proc/\(pid)/ns/user", O_RDONLY) {
            return fd
        }
        let pid = try spawn(runroot: runroot)
        place?(pid)
        guard let start = ProcessLiveness.startTime(of: pid) else { throw SystemError("start pause process", "", errno: ESRCH) }
        try AtomicFile.write("\(pid) \(start) \(ProcessLiveness.bootID)\n", to: pidFile, mode: 0o600, durable: false)
        return try FileDescriptor.open("/proc/\(pid)/ns/user", O_RDONLY)
    }

    /// Runs berth with `arguments` (this command, again) as root of the rootless user
    /// namespace: the pause process's, joined in place of this process (no new id
    /// maps, so no newuidmap/newgidmap), or, when no pause process can be had, a
    /// fresh namespace whose maps are written for it. Returns only in that fallback.
    package static func reexecuteInUserNamespace(runroot: String, arguments: [String], place: Placement? = nil) throws -> Int32 {
        if let userns = try? userNamespace(runroot: runroot, place: place) {
            try SelfExec.replace(arguments: arguments, joining: userns)
        }
        return try UserNamespace.reexecute(arguments: arguments)
    }

    /// Runs berth with `arguments` as root of the rootless user namespace (as
    /// `reexecuteInUserNamespace`, in a child) and returns its exit status.
    package static func runInUserNamespace(runroot: String, arguments: [String]) throws -> Int32 {
        if let userns = try? userNamespace(runroot: runroot) {
            return try SelfExec.run(arguments: arguments, joining: userns)
        }
        return try UserNamespace.reexecute(arguments: arguments)
    }

    /// Starts berth's pause command in a new user namespace with the rootless maps.
    /// Returns once it has cleared the parent-death signal the clone gave it: until
    /// then, this berth exiting (a command that fails fast) would kill it.
    /// The runroot it serves is its argument: ps (and a test's cleanup) can tell
    /// whose it is.
    private static func spawn(runroot: String) throws -> Int32 {
        // The pause process inherits the write end and closes it only after clearing
        // that signal (DetachedProcess.detach): EOF here means it is safe, or dead.
        let (started, startedWriter) = try FileDescriptor.pipe("pause process start pipe")
        try startedWriter.setInheritable()
        // A berth linked against a Swift runtime outside the system's library path (a
        // debug build copied to a host without Swift) finds it through LD_LIBRARY_PATH:
        // the pause process is berth again, so it keeps that one variable.
        let libraryPath = Environment.get("LD_LIBRARY_PATH").map { ["LD_LIBRARY_PATH=" + $0] } ?? []
        let (child, release) = try SelfExec.startInNewUserNamespace([command, runroot], environment: ["PATH=/usr/bin:/bin"] + libraryPath)
        startedWriter.close()
        do {
            let maps = UserNamespace.rootlessMaps()
            try UserNamespace.writeMaps(pid: child.pid, uid: maps.uid, gid: maps.gid)
            try SelfExec.release(release)
            release.close()
            _ = try started.readAll(path: "pause process start pipe")
        } catch {
            try? child.send(SIGKILL)
            _ = try? child.wait(SelfExec.executable)
            throw error
        }
        // It outlives this command: let it go unwaited (its pidfd closed).
        child.release()
        return child.pid
    }

    /// The pause process itself: no stdio, its own session, waiting until it is
    /// ended. SIGTERM and SIGINT end it, as podman's catatonit pause process (a
    /// cleanup need not reach for SIGKILL); the other signals a terminal or a
    /// session's end sends are ignored. berth never needs it gone: one ended while
    /// containers use it is replaced (RootlessNetnsStale.swift says what that costs).
    package static func run() -> Never {
        DetachedProcess.detach(keepingFDsThrough: 2, ignoring: [SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE],
                               stdioToNull: true, changeToRoot: true)
        DetachedProcess.endOn([SIGTERM, SIGINT])
        DetachedProcess.waitForever()
    }

    /// Ends this runroot's pause process if it still runs (`system reset`, which then
    /// removes the runroot and its pause.pid).
    package static func stop(runroot: String) {
        guard let (pid, start, boot) = read(runroot + "/pause.pid"), boot == ProcessLiveness.bootID,
              ProcessLiveness.startTime(of: pid) == start else { return }
        try? Subprocess.send(SIGKILL, to: pid)
    }

    private static func read(_ path: String) -> (Int32, UInt64, String)? {
        guard let text = try? FileSystem.readText(path) else { return nil }
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count == 3, let pid = Int32(fields[0]), let start = UInt64(fields[1]) else { return nil }
        return (pid, start, String(fields[2]))
    }
}
