// `container prune` (and the containers `system prune` removes): every container
// that is not running, build containers aside, matching podman's prune filters
// (label=, label!=, until=: each must hold). A container another one depends on
// (ContainerDependents.swift) goes only after it, and not while a dependent stays.
import BerthSystem

/// podman 4.3's container prune filters; `until` is given as seconds since the epoch.
package struct ContainerPruneFilters: Sendable {
    private var labels: [String] = []
    private var notLabels: [String] = []
    private var untils: [Double] = []

    package init() {}

    /// `time` turns an `until` value into seconds since the epoch (nil: not a time).
    package init(_ texts: [String], time: (String) -> Double?) throws {
        for text in texts {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                throw ContainerError.invalid("filter input must be in the form of filter=value: \(text) is invalid")
            }
            switch parts[0] {
            case "label": labels.append(parts[1])
            case "label!": notLabels.append(parts[1])
            case "until":
                guard let seconds = time(parts[1]) else {
                    throw ContainerError.invalid("failed to parse value as time or duration: \"\(parts[1])\"")
                }
                untils.append(seconds)
            default:
                throw ContainerError.invalid("\(parts[0]) is an invalid filter")
            }
        }
    }

    func matches(_ record: ContainerRecord) -> Bool {
        labels.allSatisfy { VolumeFilters.label($0, record.labels) }
            && !notLabels.contains { VolumeFilters.label($0, record.labels) }
            && untils.allSatisfy { record.created < $0 }
    }
}

/// What a prune removed (IDs in order, the bytes of their upper layers) and what it could not.
package struct ContainerPruneReport: Sendable {
    package var removed: [String] = []
    package var bytes: Int64 = 0
    package var errors: [String] = []
}

extension Engine {
    package func pruneContainers(_ filters: ContainerPruneFilters = ContainerPruneFilters()) throws -> ContainerPruneReport {
        let all = try listContainers()
        let candidates = all.filter { $0.record.builder == nil && $0.state.status != .running && filters.matches($0.record) }
        let chosen = Set(candidates.map(\.record.id))
        var dependents: [String: [String]] = [:]
        for c in all {
            for id in Engine.dependencies(c.record) { dependents[id, default: []].append(c.record.id) }
        }
        var report = ContainerPruneReport()
        var removed = Set<String>()
        var failed = Set<String>()
        // Dependents first: a container goes once each one depending on it is gone.
        func prune(_ c: ContainerDetails) {
            let id = c.record.id
            guard !removed.contains(id), !failed.contains(id) else { return }
            for dependent in dependents[id] ?? [] where chosen.contains(dependent) {
                if let other = candidates.first(where: { $0.record.id == dependent }) { prune(other) }
            }
            let left = (dependents[id] ?? []).filter { !removed.contains($0) }
            guard left.isEmpty else {
                failed.insert(id)
                report.errors.append("container \(id) has dependent containers which must be removed before it: "
                    + left.joined(separator: ", ") + ": container already exists")
                return
            }
            let size = TreeSize.bytes(containerDir(id) + "/upper")
            do {
                try removeContainer(id, force: false)
                removed.insert(id)
                report.removed.append(id)
                report.bytes += size
            } catch ContainerError.running {
                return   // started meanwhile
            } catch ContainerError.notFound {
                return   // removed meanwhile
            } catch {
                failed.insert(id)
                report.errors.append("\(error)")
            }
        }
        for c in candidates { prune(c) }
        return report
    }
}
