// `--filter` for ps (and start, stop, rm): podman's keys, values of one key
// or'ed, different keys and'ed, every label= condition must hold.
package struct ContainerFilters: Sendable {
    package static let keys = ["ancestor", "before", "exited", "health", "id", "label", "name", "restart-policy", "since", "status"]
    package static let statuses = ["created", "running", "exited", "stopped", "paused", "restarting", "removing", "dead"]

    private var byKey: [String: [String]] = [:]
    /// Resolved once here rather than per container: ancestor= image IDs, and the
    /// creation times of before= and since= containers.
    private var ancestorIDs: Set<String> = []
    private var before: Double?
    private var since: Double?

    /// `imageID` and `created` look up an image and a container by what the user
    /// typed (nil: not found).
    package init(_ texts: [String], imageID: (String) -> String?, created: (String) -> Double?) throws {
        for text in texts {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, Self.keys.contains(parts[0]) else {
                throw ContainerError.invalid("invalid filter \"\(text)\": use one of \(Self.keys.map { $0 + "=" }.joined(separator: ", "))")
            }
            let (key, value) = (parts[0], parts[1])
            switch key {
            case "status":
                guard Self.statuses.contains(value) else {
                    throw ContainerError.invalid("invalid status filter \"\(value)\": use one of \(Self.statuses.joined(separator: ", "))")
                }
            case "restart-policy":
                guard RestartPolicy.Kind(rawValue: value) != nil else {
                    throw ContainerError.invalid("\(value) is an invalid restart policy")
                }
            case "exited":
                guard Int32(value) != nil else { throw ContainerError.invalid("invalid exited filter \"\(value)\": an exit code is a number") }
            case "ancestor":
                if let id = imageID(value) { ancestorIDs.insert(id) }
            case "before", "since":
                guard let time = created(value) else { throw ContainerError.notFound(value) }
                if key == "before" { before = min(before ?? time, time) } else { since = max(since ?? time, time) }
            default: break
            }
            byKey[key, default: []].append(value)
        }
    }

    /// A status= filter decides which states show; without one, ps lists running containers only.
    package var constrainsStatus: Bool { byKey["status"] != nil }

    package func matches(_ c: ContainerDetails) -> Bool {
        byKey.allSatisfy { key, values in
            if key == "label" { return values.allSatisfy { matches(key, $0, c) } }
            return values.contains { matches(key, $0, c) }
        }
    }

    private func matches(_ key: String, _ value: String, _ c: ContainerDetails) -> Bool {
        switch key {
        case "status":
            return c.state.statusName == value || (value == "exited" && c.state.status == .stopped)
        case "name": return c.record.name.contains(value)
        case "id": return c.record.id.hasPrefix(value)
        case "restart-policy": return c.record.restart.kind.rawValue == value
        // podman's: the status of a running container's check (starting, healthy, unhealthy).
        case "health":
            return c.state.status == .running && c.record.healthCommand != nil && c.state.health?.status == value
        case "exited":
            return (c.state.status == .exited || c.state.status == .stopped) && Int32(value) == c.state.exitCode
        case "label":
            let parts = value.split(separator: "=", maxSplits: 1).map(String.init)
            guard let label = c.record.labels[parts[0]] else { return false }
            return parts.count == 1 || label == parts[1]
        case "before": return before.map { c.record.created < $0 } ?? false
        case "since": return since.map { c.record.created > $0 } ?? false
        default:
            return c.record.imageName.contains(value) || c.record.imageID.hasPrefix(value) || ancestorIDs.contains(c.record.imageID)
        }
    }
}

extension Engine {
    /// Filters whose image and container references are looked up in this store.
    package func containerFilters(_ texts: [String]) throws -> ContainerFilters {
        try ContainerFilters(texts, imageID: { try? self.resolveImage($0).id },
                             created: { try? self.resolveContainer($0).created })
    }
}
