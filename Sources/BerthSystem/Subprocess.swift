// Runs helper programs (newuidmap, newgidmap) with posix_spawn: no fork of the
// Swift process, fds closed on exec, the exit status returned as podman reports it.
import Glibc
import CBerth

package enum Subprocess {
    package struct Output: Sendable {
        package var status: Int32
        package var stdout: [UInt8]
        package var stderr: [UInt8]
    }

    /// A started helper whose output is collected by `finish`.
    package struct Running {
        let pid: pid_t
        let executable: String
        let stdout: FileDescriptor
        let stderr: FileDescriptor

        package func finish() throws -> Output {
            let out = try stdout.readAll(path: executable)
            let err = try stderr.readAll(path: executable)
            return Output(status: try Subprocess.wait(pid, executable), stdout: out, stderr: err)
        }
    }

    /// Runs `executable` (searched on PATH when it has no slash) and collects its output.
    package static func run(_ executable: String, _ arguments: [String]) throws -> Output {
        try start(executable, arguments).finish()
    }

    /// `stdinFromNull`: standard input on /dev/null rather than ours.
    package static func start(_ executable: String, _ arguments: [String], environment: [String] = Environment.all(),
                              stdinFromNull: Bool = false) throws -> Running {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        try check("pipe2", executable) { berth_pipe_cloexec(&outPipe) }
        try check("pipe2", executable) { berth_pipe_cloexec(&errPipe) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if stdinFromNull { posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        let pid: pid_t
        do {
            pid = try spawn(executable, arguments, actions: &actions, environment: environment)
        } catch {
            close(outPipe[0]); close(outPipe[1]); close(errPipe[0]); close(errPipe[1])
            throw error
        }
        close(outPipe[1]); close(errPipe[1])
        // Helpers print little: reading stdout then stderr cannot deadlock for
        // outputs under the pipe buffer size.
        return Running(pid: pid, executable: executable, stdout: FileDescriptor(raw: outPipe[0]),
                       stderr: FileDescriptor(raw: errPipe[0]))
    }

    /// Runs `executable` with standard input and output on /dev/null and standard
    /// error shared with ours (a helper whose messages are for the user); its status.
    package static func runSharingStderr(_ executable: String, _ arguments: [String]) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let pid = try spawn(executable, arguments, actions: &actions)
        return try wait(pid, executable)
    }

    /// Starts a long-lived helper (the container monitor): stdio on /dev/null and
    /// `statusFD` as its fd 3; it is not waited for here.
    package static func spawnDetached(_ executable: String, _ arguments: [String], statusFD: Int32, clientFD: Int32? = nil) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        // dup2 clears close-on-exec on the copy; the pipe end is never fd 3 itself
        // (0-2 are open), so the copy is always a fresh, inheritable descriptor.
        // An attach client's socket (run -it, start -ai) becomes fd 4. The dup2s run
        // in order, so a source that is 3 or 4 itself is first copied out of the way.
        func copyAbove4(_ fd: Int32) throws -> FileDescriptor {
            FileDescriptor(raw: try check("fcntl(F_DUPFD_CLOEXEC)", "fd \(fd)") { fcntl(fd, F_DUPFD_CLOEXEC, 5) })
        }
        let client = try clientFD.map(copyAbove4)
        let status = statusFD == 4 ? try copyAbove4(statusFD) : nil
        posix_spawn_file_actions_adddup2(&actions, status?.raw ?? statusFD, 3)
        if let client { posix_spawn_file_actions_adddup2(&actions, client.raw, 4) }
        defer { withExtendedLifetime((client, status)) {} }
        return try spawn(executable, arguments, actions: &actions)
    }

    static func spawn(_ executable: String, _ arguments: [String], actions: inout posix_spawn_file_actions_t,
                      environment: [String] = Environment.all()) throws -> pid_t {
        var pid: pid_t = 0
        let argv = CStringArray([executable] + arguments)
        let envp = CStringArray(environment)
        let rc = executable.contains("/")
            ? posix_spawn(&pid, executable, &actions, nil, argv.pointers, envp.pointers)
            : posix_spawnp(&pid, executable, &actions, nil, argv.pointers, envp.pointers)
        if rc != 0 { throw SystemError("spawn", executable, errno: rc) }
        return pid
    }

    /// Replaces this process with `command` (its first element searched on PATH
    /// when it has no slash), keeping the environment; throws only if exec failed.
    package static func replaceProcess(with command: [String]) throws -> Never {
        let argv = CStringArray(command)
        execvp(command[0], argv.pointers)
        throw SystemError("exec", command[0])
    }

    /// Sends `signal` to process `pid`.
    package static func send(_ signal: Int32, to pid: Int32) throws {
        try check("kill -\(signal)", "pid \(pid)") { kill(pid, signal) }
    }

    /// Waits for `pid` and maps its end to a shell-style status (128+N for signals).
    package static func wait(_ pid: Int32, _ name: String) throws -> Int32 {
        var status: Int32 = 0
        try check("waitpid", name) { waitpid(pid, &status, 0) }
        return decode(status)
    }

    package static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        if signal == 0 { return (status >> 8) & 0xff }
        return 128 + signal
    }

    package static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }

    /// Finds `name` on PATH (or the usual sbin directories), nil when absent.
    package static func which(_ name: String) -> String? {
        let path = Environment.get("PATH") ?? "/usr/local/bin:/usr/bin:/bin"
        let dirs: [String] = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        for dir in dirs {
            let candidate = "\(dir)/\(name)"
            if isExecutable(candidate) { return candidate }
        }
        return nil
    }
}

/// NUL-terminated argv/envp arrays that live as long as this value.
package final class CStringArray {
    private var storage: [UnsafeMutablePointer<CChar>?]

    package init(_ strings: [String]) {
        storage = strings.map { strdup($0) } + [nil]
    }

    deinit { for pointer in storage { free(pointer) } }

    package var pointers: UnsafePointer<UnsafeMutablePointer<CChar>?> {
        storage.withUnsafeBufferPointer { $0.baseAddress! }
    }
}

package enum Environment {
    package static func get(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    /// Sets `name` for this process and everything it starts from now on.
    package static func set(_ name: String, _ value: String) {
        setenv(name, value, 1)
    }

    /// The environment as a dictionary (the first definition of a name wins, as getenv).
    package static func dictionary() -> [String: String] {
        var result: [String: String] = [:]
        for entry in all() {
            guard let equals = entry.firstIndex(of: "=") else { continue }
            let name = String(entry[..<equals])
            if result[name] == nil { result[name] = String(entry[entry.index(after: equals)...]) }
        }
        return result
    }

    package static func all() -> [String] {
        var result: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            result.append(String(cString: entry))
            pointer += 1
        }
        return result
    }
}
