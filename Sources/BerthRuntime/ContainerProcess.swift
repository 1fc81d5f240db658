// Starting a container's first process and supervising it in the foreground:
// clone through the C child path, id maps for rootless, release, exec check,
// signal forwarding (or a pty relay with -t), and the exit status.
package import BerthSystem
import CBerth
import Glibc

package final class ContainerProcess {
    package let pid: Int32
    /// Reaped through (ChildProcess.reap), closed with this object.
    private let pidfd: Int32
    private var deadline: ProcessDeadline?
    /// Under the systemd manager: the cgroup's memory.events, watched for OOM kills
    /// (MemoryEventsWatch; set by the engine, which placed the cgroup).
    package var memoryEvents: MemoryEventsWatch?

    init(pid: pid_t, pidfd: Int32) {
        self.pid = pid
        self.pidfd = pidfd
    }

    deinit { FileDescriptor.close(unowned: pidfd) }

    /// Launches the container and returns once its command has been exec'd; a
    /// failure before exec throws with the stage that failed (and reaps the child).
    /// `beforeRelease` runs with the child's pid once its namespaces exist and its
    /// id maps are written, before it runs a single instruction of its own (network
    /// set-up happens there). The LaunchWork it returns runs after the release while
    /// the child sets up its rootfs, with `spec.barrier`; without it, before the
    /// release.
    package static func start(_ spec: ContainerSpec, stdio: (Int32, Int32, Int32) = (-1, -1, -1),
                              beforeRelease: (Int32) throws -> LaunchWork = { _ in LaunchWork() }) throws -> ContainerProcess {
        let launch = LaunchPlan(spec, stdio: stdio)
        var syncFD: Int32 = -1
        var pidfd: Int32 = -1
        var plan = launch.plan
        let pid = berth_launch(&plan, &syncFD, &pidfd)
        if pid < 0 { throw RuntimeError.system(SystemError("clone container process", "")) }
        let sync = FileDescriptor(raw: syncFD)
        let process = ContainerProcess(pid: pid, pidfd: pidfd)
        do {
            if let maps = spec.idMaps {
                try UserNamespace.writeMaps(pid: pid, uid: maps.uid, gid: maps.gid)
            }
            let work = try beforeRelease(pid)
            if !spec.barrier {
                try work.besideSetUp?()
                try work.atBarrier?()
            }
            if berth_launch_release(sync.raw) != 0 { throw RuntimeError.system(SystemError("release container process", "")) }
            if spec.barrier {
                try work.besideSetUp?()
                if let ready = work.atBarrier {
                    try passBarrier(sync, ready)
                } else {
                    // Nothing to wait for at the barrier: the pass goes ahead, so a
                    // child still at its mounts does not wait for a round trip there.
                    if berth_launch_pass_barrier(sync.raw) != 0 { throw RuntimeError.system(SystemError("release container process to exec", "")) }
                    if berth_launch_wait_barrier(sync.raw) < 0 { throw RuntimeError.system(SystemError("wait for container process at its barrier", "")) }
                    Stopwatch.mark("child at barrier")
                }
            }
            var report = berth_launch_report()
            let result = berth_launch_wait_exec(sync.raw, &report)
            if result < 0 { throw RuntimeError.system(SystemError("wait for container exec", "")) }
            if result == 1 { throw failure(report, command: spec.arguments[0]) }
        } catch {
            try? Subprocess.send(SIGKILL, to: pid)
            _ = process.wait()
            throw error
        }
        withExtendedLifetime(launch) {}
        return process
    }

    /// Waits for the child at its barrier, then for `ready`, and lets it go on. A
    /// child that failed on its way leaves its report queued for the exec wait,
    /// which then names what failed (rather than the helper, which may fail too
    /// once the namespace is gone).
    private static func passBarrier(_ sync: FileDescriptor, _ ready: () throws -> Void) throws {
        let reached = berth_launch_wait_barrier(sync.raw)
        if reached < 0 { throw RuntimeError.system(SystemError("wait for container process at its barrier", "")) }
        guard reached == 1 else { return }
        try ready()
        Stopwatch.mark("barrier")
        if berth_launch_pass_barrier(sync.raw) != 0 { throw RuntimeError.system(SystemError("release container process to exec", "")) }
    }

    static func failure(_ report: berth_launch_report, command: String) -> RuntimeError {
        var copy = report
        let detail = withUnsafeBytes(of: &copy.detail) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        let stage = LaunchStage(rawValue: report.stage) ?? .sync
        if stage == .exec {
            if report.error == ENOENT { return .commandNotFound(command) }
            return .cannotInvoke(command, reason: SystemError.reason(report.error))
        }
        return .setupFailed(stage: stage.description, detail: detail, errno: report.error)
    }

    /// The pidfd, made inheritable for the program this process is about to exec
    /// (the C monitor), which reaps the container through it from then on.
    package func handOverPidfd() throws -> Int32 {
        try FileDescriptor.setInheritable(unowned: pidfd)
        return pidfd
    }

    /// Sends `signal` after `seconds` unless the process has exited by then (--timeout).
    package func signal(_ signal: Int32, afterSeconds seconds: UInt) {
        deadline = ProcessDeadline(pid: pid, pidfd: pidfd, signal: signal, seconds: seconds)
    }

    /// Reads `pipe` (its output) while the process runs and SIGKILLs it once
    /// `seconds` have passed (a health check's timeout); wait() reaps it afterwards.
    package func captureOutput(_ pipe: FileDescriptor, limit: Int, seconds: Double) -> PipeCapture.Captured {
        PipeCapture.read(pipe, untilExitOf: pidfd, limit: limit, seconds: seconds) { try? Subprocess.send(SIGKILL, to: pid) }
    }

    /// Waits for the process and returns its exit code (128+N for signal N).
    package func wait() -> Int32 {
        if let deadline {
            // Wait without reaping, so the deadline thread finishes before the pid is freed.
            try? ChildProcess.awaitExit(pid: pid, pidfd: pidfd, "container process")
            deadline.finish()
            self.deadline = nil
        }
        return (try? ChildProcess.reap(pid: pid, pidfd: pidfd, "container process")) ?? ExitCode.engineError
    }
}

/// The stages of berth_launch_stage, named for messages.
enum LaunchStage: Int32, CustomStringConvertible {
    case sync = 1, mountRootfs, mounts, pivotRoot, masks, hostname, network, rlimits, ids, capabilities, seccomp, cwd, stdio, exec
    case namespaces, initProcess, joinUserNamespace, personality, joinNamespaces
    case sysctl, devices

    var description: String {
        switch self {
        case .sync: return "waiting for the parent"
        case .mountRootfs: return "mount root filesystem"
        case .mounts: return "mount"
        case .pivotRoot: return "pivot_root"
        case .masks: return "mask paths"
        case .hostname: return "set hostname"
        case .network: return "set up network namespace"
        case .rlimits: return "set resource limit"
        case .ids: return "set user and groups"
        case .capabilities: return "set capabilities"
        case .seccomp: return "load seccomp filter"
        case .cwd: return "change to working directory"
        case .stdio: return "set up stdio"
        case .exec: return "exec"
        case .namespaces: return "create cgroup namespace"
        case .initProcess: return "start init"
        case .joinUserNamespace: return "join the pause process's user namespace"
        case .personality: return "set personality"
        case .joinNamespaces: return "join the container's namespaces"
        case .sysctl: return "set sysctl"
        case .devices: return "create device"
        }
    }
}
