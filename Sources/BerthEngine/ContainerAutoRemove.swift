// --rm: a container removed as soon as its process has ended (a foreground run, or the
// monitor's `--exited` step). What recordExit and removeContainer would do one after the
// other, done under one hold of the container's lock with the record in hand, and
// without writing the exit into state.json first: the file goes a moment later, and
// until then the liveness check reads the container as exited. Only when the removal
// fails is the exit written, so a container that stays keeps a true record; the code
// itself is kept a while for `wait` (ContainerWaitExitCodes.swift).
import BerthSystem
import FoundationEssentials
import Glibc

extension Engine {
    /// `started` is the state `launch` wrote; `code` the container's exit code; `oomKilled`
    /// what the memory.events watch saw (kept only if the container stays).
    func removeAfterExit(_ record: ContainerRecord, _ started: ContainerState, code: Int32, oomKilled: Bool = false) throws {
        let config = containerDir(record.id) + "/config.json"
        guard FileSystem.exists(config) else { return }  // rm -f removed it meanwhile
        let lock: FileLock
        do {
            lock = try lockContainer(record.id)
        } catch let error as SystemError where error.errno == ENOENT {
            return
        }
        defer { lock.unlock() }
        guard FileSystem.exists(config) else { return }
        deactivateVolumes(record)
        releaseLaunch(record)
        let died = BerthEvent.container("died", record, exitCode: code)
        // For a `wait` that finds the container gone (ContainerWaitExitCodes.swift).
        keepExitCode(code, of: record.id)
        do {
            // What `berth mount` left mounted goes first: the files under it go next.
            try releaseMount(record)
            try removeContainerFiles(record)
        } catch {
            recordEvents([died])
            if FileSystem.exists(config) {
                var state = storedState(record.id) ?? started
                state.status = .exited
                state.exitCode = code
                state.finishedAt = Date().timeIntervalSince1970
                noteOOMKill(record, in: &state, observed: oomKilled)
                try? writeState(state, for: record.id)
            }
            throw error
        }
        removeAnonymousVolumes(of: record)
        recordEvents([died, .container("remove", record)])
    }
}
