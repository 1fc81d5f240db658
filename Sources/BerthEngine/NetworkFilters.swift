// `--filter` of `network ls` and `network prune`, podman's keys: different keys must
// all match, values of one key any (label! excludes).
import FoundationEssentials

package struct NetworkFilters: Sendable {
    private var filters: [(key: String, value: String)] = []
    private var untilTimes: [String: Double] = [:]

    package static let listKeys = ["name", "id", "driver", "label", "label!", "dangling", "until"]
    package static let pruneKeys = ["label", "label!", "until"]

    /// `time` turns an `until` value into seconds since the epoch (nil: not a time).
    package init(_ texts: [String] = [], keys: [String] = listKeys, time: (String) -> Double? = { _ in nil }) throws {
        for text in texts {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, keys.contains(parts[0]) else {
                throw NetworkError.invalid("invalid filter \"\(parts.first ?? text)\"")
            }
            switch parts[0] {
            case "dangling":
                guard ["true", "false", "1", "0"].contains(parts[1].lowercased()) else {
                    throw NetworkError.invalid("invalid dangling filter value \"\(parts[1])\": use true or false")
                }
            case "until":
                guard let seconds = time(parts[1]) else { throw NetworkError.invalid("failed to parse until filter value \"\(parts[1])\"") }
                untilTimes[parts[1]] = seconds
            case "name":
                guard (try? Regex(parts[1])) != nil else { throw NetworkError.invalid("invalid name filter \"\(parts[1])\": not a regular expression") }
            default: break
            }
            filters.append((parts[0], parts[1]))
        }
    }

    /// Whether a count of users matters (the dangling filter): counting costs a read of every container.
    var needsUsers: Bool { filters.contains { $0.key == "dangling" } }

    func matches(_ network: NetworkConfig, users: Int) -> Bool {
        Dictionary(grouping: filters, by: \.key).allSatisfy { key, values in
            key == "label!" ? !values.contains { Self.label($0.value, network.labels ?? [:]) }
                            : values.contains { matches(key, $0.value, network, users: users) }
        }
    }

    private func matches(_ key: String, _ value: String, _ network: NetworkConfig, users: Int) -> Bool {
        switch key {
        case "name": return (try? Regex(value)).map { network.name.contains($0) } ?? false
        case "id": return network.id.hasPrefix(value)
        case "driver": return network.driver == value
        case "label": return Self.label(value, network.labels ?? [:])
        case "dangling": return (users == 0) == ["true", "1"].contains(value.lowercased())
        case "until": return (RFC3339.parse(network.created)?.timeIntervalSince1970 ?? 0) < untilTimes[value] ?? 0
        default: return false
        }
    }

    /// "KEY" (any value) or "KEY=VALUE".
    private static func label(_ filter: String, _ labels: [String: String]) -> Bool {
        let parts = filter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let value = labels[parts[0]] else { return false }
        return parts.count == 1 || value == parts[1]
    }
}
