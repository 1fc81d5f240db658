// The processes of the rootless network namespace (user-defined networks rootless,
// RootlessNetns.swift in the engine): its one pasta, started inside the rootless
// user namespace and holding the network namespace on its fd 3, and berth's own
// short-lived helpers that run inside that namespace.
import CBerth
import Glibc

package enum RootlessNetnsProcess {
    /// Starts `executable` (pasta) inside the user namespace `userns` (nil: ours) with `netns`
    /// (nil: a new network namespace of that user namespace) as its fd 3, bound to
    /// no thread of ours, and waits until it writes to the FIFO `readiness`
    /// (pasta's --pid) or dies. Returns its pid; its output goes to `output`.
    package static func start(_ executable: String, _ arguments: [String], userns: FileDescriptor?, netns: FileDescriptor?,
                              output: FileDescriptor, readiness: FileDescriptor, seconds: Double) throws -> Int32 {
        let argv = CStringArray([FileSystem.basename(of: executable)] + arguments)
        let envp = CStringArray(Environment.all())
        var pidfd: Int32 = -1
        let pid = berth_spawn_rootless_netns_helper(executable, argv.pointers, envp.pointers, userns?.raw ?? -1, netns?.raw ?? -1,
                                                    output.raw, &pidfd)
        if pid < 0 { throw SystemError("start", executable) }
        let handle = FileDescriptor(raw: pidfd)
        defer { handle.close() }  // it outlives this command: never reaped here
        let deadline = Stopwatch.seconds() + seconds
        while true {
            let left = deadline - Stopwatch.seconds()
            if left <= 0 {
                _ = berth_pidfd_send_signal(pidfd, SIGKILL)
                throw SystemError("wait for", executable, errno: ETIMEDOUT)
            }
            var fds = [pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: readiness.raw, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, Int32(left * 1000 + 1))
            if ready < 0 && errno == EINTR { continue }
            if fds[1].revents != 0 {
                var byte: UInt8 = 0
                if (try? withUnsafeMutableBytes(of: &byte) { try readiness.read(into: $0) }) == 1 { return pid }
            }
            if fds[0].revents != 0 || fds[1].revents != 0 || ready < 0 {
                var info = siginfo_t()
                _ = waitid(P_PIDFD, id_t(pidfd), &info, WEXITED)
                throw SystemError("start", executable, errno: ECHILD)
            }
        }
    }

    /// The network namespace that the helper `pid` holds open (any of its fds on a
    /// network namespace other than the one it runs in): readable by the user who
    /// owns the helper's user namespace, nobody else.
    package static func openNetworkNamespace(heldBy pid: Int32) throws -> FileDescriptor {
        let own = try? FileSystem.readLink("/proc/\(pid)/ns/net")
        let directory = "/proc/\(pid)/fd"
        for entry in try FileSystem.list(directory).sorted(by: { (Int($0) ?? 0) < (Int($1) ?? 0) }) {
            guard let target = try? FileSystem.readLink(directory + "/" + entry), target.hasPrefix("net:["), target != own else { continue }
            return try FileDescriptor.open(directory + "/" + entry, O_RDONLY | O_CLOEXEC)
        }
        throw SystemError("find the network namespace held by", "process \(pid)", errno: ENOENT)
    }
}

extension SelfExec {
    /// Runs berth with `arguments` as root of the user namespace `userns` (nil: ours),
    /// inside the network namespace `netns` (both joined before main,
    /// userns_join.c), and returns its exit status and output.
    package static func runInNetworkNamespace(_ arguments: [String], userns: FileDescriptor?, netns: FileDescriptor) throws -> Subprocess.Output {
        try userns?.setInheritable()
        try netns.setInheritable()
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        try check("pipe2", executable) { berth_pipe_cloexec(&outPipe) }
        try check("pipe2", executable) { berth_pipe_cloexec(&errPipe) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        let userName = String(cString: BERTH_JOIN_USERNS_ENV), netName = String(cString: BERTH_JOIN_NETNS_ENV)
        let environment = Environment.all().filter { !$0.hasPrefix(userName + "=") && !$0.hasPrefix(netName + "=") }
            + (userns.map { ["\(userName)=\($0.raw)"] } ?? []) + ["\(netName)=\(netns.raw)"]
        let pid: pid_t
        do {
            pid = try Subprocess.spawn(executable, arguments, actions: &actions, environment: environment)
        } catch {
            close(outPipe[0]); close(outPipe[1]); close(errPipe[0]); close(errPipe[1])
            throw error
        }
        close(outPipe[1]); close(errPipe[1])
        let out = FileDescriptor(raw: outPipe[0]), err = FileDescriptor(raw: errPipe[0])
        let stdout = try out.readAll(path: executable)
        let stderr = try err.readAll(path: executable)
        return Subprocess.Output(status: try Subprocess.wait(pid, executable), stdout: stdout, stderr: stderr)
    }
}
