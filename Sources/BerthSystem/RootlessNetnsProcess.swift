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

    /// The user namespace the helper `pid` runs in: the one its network namespace
    /// belongs to, which a berth must join to enter it.
    package static func openUserNamespace(of pid: Int32) throws -> FileDescriptor {
        try FileDescriptor.open("/proc/\(pid)/ns/user", O_RDONLY | O_CLOEXEC)
    }

    /// Whether processes `one` and `other` run in the same user namespace (false when
    /// either is gone). A pause process killed and replaced leaves the rootless
    /// network namespace's pasta in the old user namespace, and a container of the
    /// new one cannot be given an interface there: each side's root has no
    /// capability over the other's namespaces.
    package static func shareUserNamespace(_ one: Int32, _ other: Int32) -> Bool {
        guard let first = try? FileSystem.readLink("/proc/\(one)/ns/user"),
              let second = try? FileSystem.readLink("/proc/\(other)/ns/user") else { return false }
        return first == second
    }

    /// Whether process `member` runs in the user namespace of `owner` or in one
    /// nested directly in it (a rootless --userns keep-id container's): root of the
    /// owner's namespace may then make its interfaces.
    package static func isInUserNamespace(of owner: Int32, orNestedIn member: Int32) -> Bool {
        shareUserNamespace(owner, member) || isUserNamespace("/proc/\(owner)/ns/user", parentOf: member)
    }

    /// Whether process `member`'s user namespace is nested directly in this process's
    /// (a keep-id container that got a namespace of its own, not one in the rootless one).
    package static func isNestedInOwnUserNamespace(_ member: Int32) -> Bool {
        isUserNamespace("/proc/self/ns/user", parentOf: member)
    }

    private static func isUserNamespace(_ path: String, parentOf member: Int32) -> Bool {
        guard let own = try? FileSystem.readLink(path),
              let namespace = try? FileDescriptor.open("/proc/\(member)/ns/user", O_RDONLY | O_CLOEXEC) else { return false }
        // NS_GET_PARENT (linux/nsfs.h): an fd of the namespace's parent.
        let parent = ioctl(namespace.raw, UInt(0xb7 << 8 | 0x2))
        guard parent >= 0 else { return false }
        let handle = FileDescriptor(raw: parent)
        defer { handle.close() }
        return (try? FileSystem.readLink("/proc/self/fd/\(parent)")) == own
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
        let userName = String(cString: BERTH_JOIN_USERNS_ENV), netName = String(cString: BERTH_JOIN_NETNS_ENV)
        let environment = Environment.all().filter { !$0.hasPrefix(userName + "=") && !$0.hasPrefix(netName + "=") }
            + (userns.map { ["\(userName)=\($0.raw)"] } ?? []) + ["\(netName)=\(netns.raw)"]
        return try Subprocess.start(executable, arguments, environment: environment, stdinFromNull: true).finish()
    }
}
