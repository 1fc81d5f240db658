// What a killed build leaves (its RUN container, stopped with its build: the
// container's parent-death signal ends it; its scratch files), found by the
// owner recorded with each and removed by the next build step or `rm`.
import BerthSystem
import Glibc

extension Engine {
    nonisolated(unsafe) private static var sweptBuildLeftovers = false

    /// Once per berth process: a build runs many steps.
    func sweepStaleBuildContainersOnce() throws {
        guard !Engine.sweptBuildLeftovers else { return }
        Engine.sweptBuildLeftovers = true
        try sweepStaleBuildContainers()
    }

    /// Removes the build containers and step scratch dirs whose build process is
    /// gone; returns the containers' IDs.
    @discardableResult
    package func sweepStaleBuildContainers() throws -> [String] {
        var removed: [String] = []
        for id in try containerIDs() {
            guard let record = try? readRecord(id), let owner = record.builder, !owner.isAlive else { continue }
            do {
                try removeContainer(id, force: true)
                removed.append(id)
            } catch ContainerError.notFound {
                continue
            }
        }
        for name in (try? FileSystem.list(buildRunScratchDir)) ?? [] {
            let fields = name.split(separator: "-")
            guard fields.count == 3, let pid = Int32(fields[0]), let start = UInt64(fields[1]) else { continue }
            if !ProcessLiveness.isAlive(pid: pid, startTime: start, bootID: ProcessLiveness.bootID) {
                try? FileSystem.removeTree(buildRunScratchDir + "/" + name)
            }
        }
        return removed
    }

    /// A step's scratch dir, named by its owner so that a sweep can tell a live build's from a dead one's.
    func newBuildScratchDirectory() throws -> String {
        let owner = BuildOwner.current
        let dir = buildRunScratchDir + "/\(owner.pid)-\(owner.startTime)-" + RandomID.hex(8)
        try FileSystem.makeDirectories(dir, mode: 0o700)
        return dir
    }
}
