// A container's cgroup made and taken down off the start's and the removal's
// critical path (issue 14: placement adds at most 1 ms to `run --rm true`). The
// directories, limits, device rules and cgroup.json need no pid, so a thread
// makes them while berth builds the spec and clones the child; placeInCgroup
// waits for it before the child is released, so the container is in its cgroup,
// every limit in force, before its first instruction. At exit the rmdirs run
// beside the rest of the removal, waited for before berth returns: when `rm` or
// `run --rm` returns, no cgroup directory is left.
import BerthSystem
import Synchronization

/// The placements started ahead (beginCgroupPlacement), by container ID.
private let placementsAhead = Mutex<[String: BackgroundJob]>([:])

extension Engine {
    /// Starts making `record`'s cgroup on a thread of its own. Not for the systemd
    /// manager (systemd makes the scope with the pid in it) nor --cgroups=split
    /// (it moves the caller's own processes): those are placed at the release.
    /// The caller holds the container's lock and has checked it is not running.
    func beginCgroupPlacement(_ record: ContainerRecord) {
        guard record.cgroups != "split",
              let plan = try? CgroupPlan.make(record, host: Engine.cgroupHost, rootless: record.isRootless),
              plan.unit == nil else { return }
        let engine = UncheckedSendable(self)
        let job = BackgroundJob {
            Stopwatch.mark("cgroup ahead")
            defer { Stopwatch.mark("cgroup ahead made") }
            // cgroup.json lives in the runtime directory, which the spec makes too.
            try FileSystem.makeDirectories(engine.value.runtimeDir(record.id), mode: 0o755)
            try engine.value.makeCgroup(record, plan: plan)
        }
        placementsAhead.withLock { $0[record.id] = job }
    }

    /// Waits for the placement started ahead for `id` and throws its error; false
    /// when none was started (placeInCgroup then does the work itself).
    func finishCgroupPlacementAhead(_ id: String) throws -> Bool {
        guard let job = placementsAhead.withLock({ $0.removeValue(forKey: id) }) else { return false }
        try job.wait()
        return true
    }

    /// Starts removing the container's cgroup directories (and an idle monitor
    /// leaf beside them) on a thread beside the caller's other removal work;
    /// finishCgroupRemoval waits for it (`here`: done on this thread, by now). cgroup.json is left to the finish: a
    /// thread unlinking inside the runtime directory would race its removal.
    func beginCgroupRemoval(_ record: ContainerRecord, here: Bool = false) -> CgroupRemoval? {
        _ = try? finishCgroupPlacementAhead(record.id)
        guard let location = cgroupLocation(record.id) else { return nil }
        let engine = UncheckedSendable(self)
        return CgroupRemoval(record: record, location: location, job: BackgroundJob(here: here) {
            try engine.value.removeCgroupDirectories(location, of: record)
        })
    }

    /// Waits for the removal, reports what stayed as a warning, and forgets the
    /// cgroup (cgroup.json kept when a directory stayed, so that a later rm tries again).
    func finishCgroupRemoval(_ removal: CgroupRemoval?) {
        guard let removal else { return }
        var failed = false
        do {
            try removal.job.wait()
        } catch {
            failed = true
            Warnings.report("\(error)")
        }
        forgetCgroupLocation(removal.record.id)
        if !failed { try? FileSystem.unlinkIfPresent(cgroupLocationFile(removal.record.id)) }
    }

    /// The rmdirs themselves, every directory tried; the failures in one error.
    func removeCgroupDirectories(_ location: CgroupLocation, of record: ContainerRecord) throws {
        Stopwatch.mark("cgroup removal")
        defer { Stopwatch.mark("cgroup removed") }
        var failures: [String] = []
        for directory in Set(location.paths.values).sorted() {
            do {
                try CgroupFiles.remove(directory)
            } catch {
                failures.append("\(error)")
            }
        }
        removeIdleMonitorCgroup(location)
        if !failures.isEmpty { throw ContainerError.invalid("container \(record.name): " + failures.joined(separator: "; ")) }
    }
}

/// A cgroup removal under way (beginCgroupRemoval).
struct CgroupRemoval {
    let record: ContainerRecord
    let location: CgroupLocation
    let job: BackgroundJob
}
