// `exec`: a process started in a running container's namespaces through the C
// exec path (CBerth/exec.c), with the settings of a ContainerSpec.
import BerthSystem
import CBerth
import Glibc

/// The namespaces a running container's process is in, opened from /proc/PID/ns.
package final class ContainerNamespaces {
    /// Joined in this order; the user namespace first (it grants the rest).
    static let kinds: [(name: String, type: Int32)] = [
        ("user", CloneFlag.newUser), ("cgroup", CloneFlag.newCgroup), ("ipc", CloneFlag.newIPC),
        ("uts", CloneFlag.newUTS), ("net", CloneFlag.newNet), ("pid", CloneFlag.newPID), ("mnt", CloneFlag.newNS),
    ]
    let joined: [(fd: FileDescriptor, type: Int32)]

    /// Those of `pid` that berth is not in already (joining one's own user
    /// namespace fails, and the others would be wasted work).
    package init(of pid: Int32) throws {
        var joined: [(fd: FileDescriptor, type: Int32)] = []
        for kind in ContainerNamespaces.kinds {
            let theirs = try FileDescriptor.open("/proc/\(pid)/ns/\(kind.name)", O_RDONLY)
            let ours = try FileDescriptor.open("/proc/self/ns/\(kind.name)", O_RDONLY)
            let (a, b) = (try theirs.status(), try ours.status())
            if a.st_ino != b.st_ino || a.st_dev != b.st_dev { joined.append((theirs, kind.type)) }
        }
        self.joined = joined
    }
}

extension ContainerProcess {
    /// Starts `spec`'s process (its arguments, environment, ids, capabilities,
    /// seccomp, rlimits, cwd, tty) in `namespaces` and returns once it has been
    /// exec'd. Detached, the process is the container's init's and the returned
    /// one is the short-lived process that forked it (reap it with wait()).
    /// `cgroupFiles`: the container's cgroup files (v1 `tasks`, v2 `cgroup.procs`)
    /// the intermediate writes itself into first.
    package static func exec(_ spec: ContainerSpec, in namespaces: ContainerNamespaces, detach: Bool,
                             stdio: (Int32, Int32, Int32), cgroupFiles: [String] = []) throws -> ContainerProcess {
        let launch = LaunchPlan(spec, stdio: stdio)
        var process = launch.plan
        let joins = namespaces.joined.map { berth_exec_namespace(fd: $0.fd.raw, type: $0.type) }
        let cgroupJoins = try cgroupFiles.map { try FileDescriptor.open($0, O_WRONLY | O_CLOEXEC) }
        defer { for file in cgroupJoins { file.close() } }
        let cgroupFDs = cgroupJoins.map(\.raw)
        var syncFD: Int32 = -1
        var pidfd: Int32 = -1
        let pid = joins.withUnsafeBufferPointer { buffer in
            cgroupFDs.withUnsafeBufferPointer { fds in
                withUnsafePointer(to: &process) { processPointer in
                    var plan = berth_exec_plan(process: processPointer, namespaces: buffer.baseAddress,
                                               namespace_count: buffer.count, detach: detach,
                                               cgroup_fds: fds.baseAddress, cgroup_fd_count: fds.count)
                    return berth_exec(&plan, &syncFD, &pidfd)
                }
            }
        }
        if pid < 0 { throw RuntimeError.system(SystemError("start a process in the container", "")) }
        let sync = FileDescriptor(raw: syncFD)
        defer { sync.close() }
        let started = ContainerProcess(pid: pid, pidfd: pidfd)
        var report = berth_launch_report()
        let result = berth_launch_wait_exec(sync.raw, &report)
        if result != 0 {
            let error = result < 0 ? RuntimeError.system(SystemError("wait for the exec in the container", ""))
                : failure(report, command: spec.arguments[0])
            _ = started.wait()
            throw error
        }
        withExtendedLifetime(launch) {}
        withExtendedLifetime(namespaces) {}
        return started
    }
}
