// Running berth itself again (/proc/self/exe): the detached container monitor, the
// pull a `run` needs, the pause process, and a rootless command moved into the user
// namespace. The one place that knows the executable and how each is started.
import CBerth
import Glibc

package enum SelfExec {
    /// The berth executable, resolved once: a later exec by name would find
    /// whatever replaced the file meanwhile, /proc/self/exe never does.
    package static let executable: String = (try? FileSystem.readLink("/proc/self/exe")) ?? "/proc/self/exe"

    /// Replaces this process with berth running `arguments` inside the user
    /// namespace open on `userNamespace`. setns needs a single-threaded process, so
    /// the new berth joins in a C constructor before Swift starts (userns_join.c);
    /// stdio, the exit status and signals stay the caller's own, with no process
    /// left waiting in between.
    package static func replace(arguments: [String], joining userNamespace: FileDescriptor) throws -> Never {
        try userNamespace.setInheritable()
        let argv = CStringArray([executable] + arguments)
        let envp = CStringArray(environment(joining: userNamespace))
        execve(executable, argv.pointers, envp.pointers)
        throw SystemError("exec", executable)
    }

    /// Runs berth with `arguments` inside the user namespace open on
    /// `userNamespace` (joined as `replace` does) and returns its exit status.
    package static func run(arguments: [String], joining userNamespace: FileDescriptor) throws -> Int32 {
        try userNamespace.setInheritable()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let pid = try Subprocess.spawn(executable, arguments, actions: &actions, environment: environment(joining: userNamespace))
        return try Subprocess.wait(pid, executable)
    }

    /// Runs berth with `arguments`, stdin and stdout on /dev/null and stderr shared
    /// (a `pull` whose messages are for the user); its exit status.
    package static func runSharingStderr(_ arguments: [String]) throws -> Int32 {
        try Subprocess.runSharingStderr(executable, arguments)
    }

    /// Starts berth with `arguments` as a long-lived helper (the container monitor):
    /// stdio on /dev/null, `statusFD` as its fd 3, `clientFD` (an attach socket) as
    /// fd 4; not waited for here.
    package static func spawnDetached(_ arguments: [String], statusFD: Int32, clientFD: Int32? = nil) throws -> Int32 {
        try Subprocess.spawnDetached(executable, arguments, statusFD: statusFD, clientFD: clientFD)
    }

    /// Starts berth with `arguments` as the first process of a new user namespace.
    /// It waits until `release(_:)` is called on `release` (the caller writes the
    /// id maps first); closing `release` without it makes it exit 125 unexecuted.
    /// The caller reaps it through `ChildProcess.wait` (its pidfd).
    package static func startInNewUserNamespace(_ arguments: [String], environment: [String])
        throws -> (process: ChildProcess, release: FileDescriptor) {
        let argv = CStringArray([executable] + arguments)
        let envp = CStringArray(environment)
        var releaseFD: Int32 = -1
        var pidfd: Int32 = -1
        let pid = berth_spawn_in_userns(executable, argv.pointers, envp.pointers, &releaseFD, &pidfd)
        if pid < 0 { throw SystemError("clone a user namespace for", executable) }
        return (ChildProcess(pid: pid, pidfd: pidfd), FileDescriptor(raw: releaseFD))
    }

    /// Lets a process of `startInNewUserNamespace` go on: the child path's
    /// release record (launch.h), the one message format of its channel.
    package static func release(_ channel: FileDescriptor) throws {
        if berth_launch_release(channel.raw) != 0 { throw SystemError("release the new user namespace's process of", executable) }
    }

    private static func environment(joining userNamespace: FileDescriptor) -> [String] {
        let name = String(cString: BERTH_JOIN_USERNS_ENV)
        return Environment.all().filter { !$0.hasPrefix(name + "=") } + ["\(name)=\(userNamespace.raw)"]
    }
}

extension SelfExec {
    /// Replaces this process with the executable `image` (ELF bytes: the C
    /// container monitor) run from a sealed memfd named `name`, with `arguments`
    /// and this process's environment. Children stay this process's children.
    package static func replace(withImage image: [UInt8], name: String, arguments: [String]) throws -> Never {
        let argv = CStringArray([name] + arguments)
        let envp = CStringArray(Environment.all())
        _ = image.withUnsafeBytes { berth_exec_image($0.baseAddress, $0.count, name, argv.pointers, envp.pointers) }
        throw SystemError("exec the monitor image", name)
    }
}
