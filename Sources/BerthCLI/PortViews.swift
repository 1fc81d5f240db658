// How published ports look: `port`'s lines, ps's PORTS column, and inspect's
// PortBindings and Ports maps, in podman's shapes.
import BerthEngine
import BerthTemplate

enum PortViews {
    /// `port CTR`: "80/tcp -> 0.0.0.0:8080", one line a port.
    static func lines(_ mappings: [PortMapping]) -> [String] {
        expanded(mappings).map { "\($0.containerPort)/\($0.protocol) -> \(hostAddress($0)):\($0.hostPort)" }
    }

    /// `port CTR 80[/tcp]`: "0.0.0.0:8080" for each host port it is published on;
    /// nil when it is not published.
    static func lines(_ mappings: [PortMapping], matching text: String) throws -> [String] {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let number = parts.first.flatMap({ UInt16($0) }) else { throw CLIError("invalid port \"\(text)\": not a port number") }
        let proto = parts.count > 1 ? String(parts[1]).lowercased() : "tcp"
        let found = expanded(mappings).filter { $0.containerPort == number && $0.protocol == proto }
        guard !found.isEmpty else { throw CLIError("failed to find published port \"\(number)/\(proto)\"") }
        return found.map { "\(hostAddress($0)):\($0.hostPort)" }
    }

    /// ps's PORTS: "0.0.0.0:8080->80/tcp, 127.0.0.1:9000-9001->90-91/udp".
    static func column(_ mappings: [PortMapping]) -> String {
        mappings.map { m in
            let host = m.range > 1 ? "\(m.hostPort)-\(Int(m.hostPort) + Int(m.range) - 1)" : "\(m.hostPort)"
            let container = m.range > 1 ? "\(m.containerPort)-\(Int(m.containerPort) + Int(m.range) - 1)" : "\(m.containerPort)"
            return "\(hostAddress(m)):\(host)->\(container)/\(m.protocol)"
        }.joined(separator: ", ")
    }

    /// HostConfig.PortBindings and NetworkSettings.Ports: "80/tcp" → [{HostIp, HostPort}],
    /// exposed ports nobody published → null, sorted as Go's JSON sorts map keys.
    static func bindings(_ record: ContainerRecord) -> TemplateValue {
        var entries: [String: [PortMapping]] = [:]
        for port in record.exposedPorts ?? [] { entries[port] = [] }
        for mapping in expanded(record.ports ?? []) { entries["\(mapping.containerPort)/\(mapping.protocol)", default: []].append(mapping) }
        return .map(entries.sorted { $0.key < $1.key }.map { key, mappings in
            (key, mappings.isEmpty ? .null : .array(mappings.map { m in
                .structure("define.InspectHostPort", [("HostIp", .string(m.hostIP)), ("HostPort", .string("\(m.hostPort)"))])
            }))
        })
    }

    /// `ps --format json`'s Ports: podman's []types.PortMapping (snake_case keys), null when none.
    static func json(_ ports: [PortMapping]?) -> TemplateValue {
        guard let ports, !ports.isEmpty else { return .null }
        return .array(ports.map { m in
            .structure("types.PortMapping", [
                ("host_ip", .string(m.hostIP)), ("container_port", .int(Int64(m.containerPort))),
                ("host_port", .int(Int64(m.hostPort))), ("range", .int(Int64(m.range))), ("protocol", .string(m.protocol)),
            ])
        })
    }

    /// One mapping a port (a range of three is three mappings).
    private static func expanded(_ mappings: [PortMapping]) -> [PortMapping] {
        mappings.flatMap { m in
            (0..<m.range).map { offset in
                var port = m
                port.hostPort += offset
                port.containerPort += offset
                port.range = 1
                return port
            }
        }
    }

    private static func hostAddress(_ m: PortMapping) -> String {
        m.hostIP.isEmpty ? "0.0.0.0" : m.hostIP.contains(":") ? "[\(m.hostIP)]" : m.hostIP
    }
}
