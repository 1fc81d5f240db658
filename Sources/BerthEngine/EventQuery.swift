// `events`: the events log read back, filtered as podman 4.3 filters events
// (libpod/events/filters.go), printed so far or followed as it grows.
import BerthSystem

package struct EventOptions: Sendable {
    /// --filter KEY=VALUE: values of one key are alternatives, different keys all apply.
    package var filters: [String] = []
    /// --since / --until, in seconds since the epoch.
    package var since: Double?
    package var until: Double?
    /// --stream (the default): follow the log until interrupted or --until passes.
    package var stream = true
    package init() {}
}

/// The parsed --filter flags.
package struct EventFilter: Sendable {
    /// The keys podman knows, upper-cased as its switch compares them.
    package static let keys = ["container", "event", "status", "image", "pod", "volume", "type", "label"]
    private var byKey: [String: [String]] = [:]

    package init(_ filters: [String]) throws {
        for filter in filters {
            let parts = filter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw ContainerError.invalid("\(filter) is an invalid filter") }
            let key = parts[0].lowercased()
            guard Self.keys.contains(key) else { throw ContainerError.invalid("\(parts[0]) is an invalid filter") }
            byKey[key == "status" ? "event" : key, default: []].append(String(parts[1]))
        }
    }

    package func matches(_ event: BerthEvent) -> Bool {
        byKey.allSatisfy { key, values in values.contains { Self.match(key, $0, event) } }
    }

    private static func match(_ key: String, _ value: String, _ event: BerthEvent) -> Bool {
        switch key {
        case "container":
            return event.type == .container && (event.name == value || (!value.isEmpty && event.id.hasPrefix(value)))
        case "event": return event.status == value
        case "image":
            // An image event by its ID or name, a container event by the image it runs.
            if event.type == .image { return (!value.isEmpty && event.id.hasPrefix(value)) || event.name == value }
            return event.type == .container && (event.image == value || event.image == "localhost/" + value
                || event.image.hasSuffix("/" + value) || event.image.hasSuffix("/" + value + ":latest"))
        case "pod": return event.podID == value || (!value.isEmpty && event.podID.hasPrefix(value))
        case "volume": return event.type == .volume && event.name.hasPrefix(value)
        case "type": return event.type.rawValue == value
        case "label":
            let parts = value.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let attributes = event.attributes, let found = attributes[parts[0]] else { return false }
            return parts.count == 1 || found == parts[1]
        default: return false
        }
    }
}

extension Engine {
    /// Calls `emit` for each event of the log that passes the options, oldest first;
    /// streaming, keeps polling the log (every 50 ms) until `until` has passed or
    /// `emit` returns false (the reader went away).
    package func events(_ options: EventOptions, emit: (BerthEvent) -> Bool) throws {
        let filter = try EventFilter(options.filters)
        let since = options.since.map { Int64($0 * 1e9) }
        let until = options.until.map { Int64($0 * 1e9) }
        let reader = LineLogReader(path: eventLogPath)
        while true {
            for line in try reader.readLines() {
                guard let event = BerthEvent(jsonLine: line) else { continue }
                if let since, event.time < since { continue }
                if let until, event.time > until { continue }
                guard filter.matches(event) else { continue }
                if !emit(event) { return }
            }
            guard options.stream else { return }
            if let until, WallClock.nanoseconds() > until { return }
            Stopwatch.sleep(0.05)
        }
    }
}
