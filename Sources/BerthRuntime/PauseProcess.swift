// Rootless containers join one user namespace per runroot, held by a tiny
// "pause" process (podman's design): its id maps are written once with
// newuidmap/newgidmap, instead of on every container start (~2.5 ms each time,
// design.md §7). The pause process is berth itself, re-executed with a hidden
// command, doing nothing but wait.
package import BerthSystem
import CBerth
import Glibc

package enum PauseProcess {
    /// The hidden sub-command the pause process runs.
    package static let command = "__pause"

    /// An fd of the user namespace of the live pause process for `runroot`,
    /// starting one when there is none (or it died, or the machine rebooted).
    package static func userNamespace(runroot: String) throws -> FileDescriptor {
        try FileSystem.makeDirectories(runroot, mode: 0o700)
        let lock = try FileLock.exclusive(runroot + "/pause.lock")
        defer { lock.unlock() }
        let pidFile = runroot + "/pause.pid"
        if let (pid, start, boot) = read(pidFile), boot == ProcessLiveness.bootID, ProcessLiveness.startTime(of: pid) == start,
           let fd = try? FileDescriptor.open("/proc/\(pid)/ns/user", O_RDONLY) {
            return fd
        }
        let pid = try spawn()
        guard let start = ProcessLiveness.startTime(of: pid) else { throw SystemError("start pause process", "", errno: ESRCH) }
        try AtomicFile.write("\(pid) \(start) \(ProcessLiveness.bootID)\n", to: pidFile, mode: 0o600, durable: false)
        return try FileDescriptor.open("/proc/\(pid)/ns/user", O_RDONLY)
    }

    /// Starts berth's pause command in a new user namespace with the rootless maps.
    private static func spawn() throws -> Int32 {
        let exe = (try? UserNamespace.readLink("/proc/self/exe")) ?? "/proc/self/exe"
        let argv = CStringArray([exe, command])
        let envp = CStringArray(["PATH=/usr/bin:/bin"])
        var releaseFD: Int32 = -1
        let pid = berth_spawn_in_userns(exe, argv.pointers, envp.pointers, &releaseFD)
        if pid < 0 { throw SystemError("clone user namespace for the pause process", exe) }
        let release = FileDescriptor(raw: releaseFD)
        do {
            let maps = UserNamespace.rootlessMaps()
            try UserNamespace.writeMaps(pid: pid, uid: maps.uid, gid: maps.gid)
            try release.write([1], path: "pause process release pipe")
        } catch {
            kill(pid, SIGKILL)
            _ = try? Subprocess.wait(pid, exe)
            throw error
        }
        return pid
    }

    /// The pause process itself: no stdio, its own session, every signal but
    /// SIGKILL ignored; it lives until killed (berth never needs it gone).
    package static func run() -> Never {
        _ = berth_clear_pdeathsig()
        setsid()
        let null = open("/dev/null", O_RDWR)
        if null >= 0 { dup2(null, 0); dup2(null, 1); dup2(null, 2); if null > 2 { close(null) } }
        // Whatever berth's caller left open (a pipe it waits on for EOF) must not
        // be held for the pause process's whole life.
        for name in (try? FileSystem.list("/proc/self/fd")) ?? [] {
            if let fd = Int32(name), fd > 2 { close(fd) }
        }
        for sig in [SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE] { signal(sig, SIG_IGN) }
        chdir("/")
        while true { pause() }
    }

    private static func read(_ path: String) -> (Int32, UInt64, String)? {
        guard let text = try? FileSystem.readText(path) else { return nil }
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count == 3, let pid = Int32(fields[0]), let start = UInt64(fields[1]) else { return nil }
        return (pid, start, String(fields[2]))
    }
}
