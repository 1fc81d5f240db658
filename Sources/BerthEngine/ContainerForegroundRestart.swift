// A restart policy on a foreground `run` (or `start -a`), as podman 4.3 applies
// it: the run prints the first run's output and exits with its code; the
// restarts happen afterwards, detached. Here a monitor takes the container over
// at the exit (`__monitor ID --exited CODE`, the same step a detached
// container's monitor runs), so back-off, RestartCount and `stop` ending the
// policy are the detached ones.
import BerthSystem
import Glibc

extension Engine {
    /// Called once a foreground run recorded its container's exit.
    func handOverRestartPolicy(_ record: ContainerRecord, exitCode code: Int32) {
        guard !record.autoRemove, record.restart.kind != .no, let state = storedState(record.id),
              state.stoppedByUser != true, record.restart.restarts(exitCode: code, count: state.restartCount ?? 0) else { return }
        guard let status = try? FileDescriptor.open("/dev/null", O_WRONLY) else { return }
        let arguments = ["--root", paths.root, "--runroot", paths.runroot, Engine.monitorCommand, record.id, "--exited", "\(code)"]
        // Never waited for: it outlives this process (its own session, reparented).
        _ = try? SelfExec.spawnDetached(arguments, statusFD: status.raw)
    }
}
