// `update`: new limits for a container, stored in its record (a later start keeps
// them) and, while it runs, written to its cgroup at once.
import BerthSystem

extension Engine {
    /// Merges `resources` into the container's limits; returns its ID.
    package func updateContainer(_ nameOrID: String, resources: ContainerResources) throws -> String {
        var asked = resources
        try Engine.resolveDevices(&asked)
        let found = try resolveContainer(nameOrID)
        let lock = try lockContainer(found.id)
        defer { lock.unlock() }
        var record = try readRecord(found.id)
        var merged = record.resources ?? ContainerResources()
        merged.merge(asked)
        record.resources = merged
        try checkCgroups(record)
        if readState(record.id).status == .running, let location = cgroupLocation(record.id) {
            do {
                try applyLimits(merged, at: location)
                if let unit = location.unit {
                    try SystemdScope.setProperties(unit: unit, SystemdScope.limitProperties(merged), rootless: record.isRootless)
                }
            } catch {
                throw ContainerError.invalid("updating container \(record.name): \(error)")
            }
        }
        try writeRecord(record)
        recordEvent(.container("update", record))
        return record.id
    }
}
