// `exec -it` and the detach keys: the client goes, the exec'd process runs on
// (podman's exec). Its pty master must stay open, or the process would be hung
// up; berth keeps no session per exec, so a small holder (the C monitor image in
// hold mode, monitor_attach.c) keeps it until the process ends.
import BerthMonitorImage
import BerthRuntime
import BerthSystem
import Glibc

extension Engine {
    /// Hands `master` and the process's pidfd to a detached holder.
    func holdTerminal(_ master: FileDescriptor, of process: ContainerProcess, container id: String) throws {
        let pidfd = try process.handOverPidfd()
        let arguments = ["--root", paths.root, "--runroot", paths.runroot, Engine.monitorCommand, id, MonitorStep.holdFlag]
        // The holder's fd 3 is the master, its fd 4 the pidfd (runMonitor's .holdTerminal).
        _ = try SelfExec.spawnDetached(arguments, statusFD: master.raw, clientFD: pidfd)
    }

    /// `__monitor ID --hold-terminal`: becomes the C image in hold mode.
    func becomeTerminalHolder(_ id: String) -> Int32 {
        DetachedProcess.detach(keepingFDsThrough: 4, ignoring: [SIGHUP, SIGINT, SIGQUIT, SIGPIPE], stdioToNull: false, changeToRoot: true)
        let arguments = ["berth=\(SelfExec.executable)", "root=\(paths.root)", "runroot=\(paths.runroot)", "id=\(id)",
                         "out=3", "pidfd=4", "hold=1"]
        _ = try? SelfExec.replace(withImage: MonitorImage.bytes(), name: "berth-exec-holder", arguments: arguments)
        return ExitCode.engineError
    }
}
