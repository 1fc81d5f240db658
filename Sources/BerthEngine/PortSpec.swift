// `-p`/`--publish` and `--expose` as podman 4.3 parses them:
// [ip:][hostPort[-end]:]containerPort[-end][/tcp|udp|sctp], with podman's messages.

package enum PortSpec {
    /// One `-p` value: its mappings (one per protocol), host port 0 where the host
    /// port is left to berth (`-p 80`, `-p 127.0.0.1::80`).
    package static func parse(_ text: String) throws -> [PortMapping] {
        var rest = Substring(text)
        var protocols = ["tcp"]
        if let slash = rest.lastIndex(of: "/") {
            protocols = try rest[rest.index(after: slash)...].split(separator: ",", omittingEmptySubsequences: false).map(parseProtocol)
            rest = rest[..<slash]
        }
        var hostIP = ""
        if rest.first == "[" {
            // [v6]:hostPort:containerPort
            guard let close = rest.firstIndex(of: "]") else { throw invalid(text, "an IPv6 address must be closed with ]") }
            hostIP = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
            guard rest.first == ":" else { throw invalid(text, "a host port must follow the address") }
            rest = rest.dropFirst()
            guard IPAddressText.isIPv6(hostIP) else { throw ContainerError.invalid("cannot parse \"\(hostIP)\" as an IP address") }
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        let hostPart: Substring?
        switch parts.count {
        case 1: hostPart = nil
        case 2: hostPart = parts[0]
        case 3:
            guard hostIP.isEmpty else { throw invalid(text, "too many colons") }
            hostIP = String(parts[0])
            hostPart = parts[1]
            if !hostIP.isEmpty && !IPAddressText.isIPv4(hostIP) {
                throw ContainerError.invalid("cannot parse \"\(hostIP)\" as an IP address")
            }
        default: throw invalid(text, "too many colons")
        }
        guard let containerText = parts.last, !containerText.isEmpty else {
            throw ContainerError.invalid("parsing container port: invalid port number: \"\(text)\" names none")
        }
        let container = try range(containerText, role: "container")
        var host: (first: UInt16, count: UInt16) = (0, container.count)
        if let hostPart, !hostPart.isEmpty {
            host = try range(hostPart, role: "host")
            guard host.count == container.count else {
                throw ContainerError.invalid("host and container port ranges have different lengths: \(host.count) vs \(container.count)")
            }
        }
        return protocols.map {
            PortMapping(hostIP: hostIP, hostPort: host.first, containerPort: container.first, protocol: $0, range: container.count)
        }
    }

    /// `--expose` and the image's EXPOSE: "80", "80/udp", "8000-8010/tcp".
    package static func parseExposed(_ text: String) throws -> [String] {
        var port = Substring(text), proto = "tcp"
        if let slash = port.lastIndex(of: "/") {
            proto = try parseProtocol(port[port.index(after: slash)...])
            port = port[..<slash]
        }
        let ports = try range(port, role: "exposed")
        return (0..<ports.count).map { "\(ports.first + $0)/\(proto)" }
    }

    private static func parseProtocol(_ text: Substring) throws -> String {
        let name = text.lowercased()
        guard ["tcp", "udp", "sctp"].contains(name) else {
            throw ContainerError.invalid("invalid protocol \"\(text)\" of a port: use tcp, udp or sctp")
        }
        return name
    }

    /// "80" or "8000-8010": the first port and how many.
    private static func range(_ text: Substring, role: String) throws -> (first: UInt16, count: UInt16) {
        let ends = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        let first = try number(ends[0], role: role)
        guard ends.count == 2 else { return (first, 1) }
        guard !ends[1].isEmpty else { throw ContainerError.invalid("parsing \(role) port: must provide ending number for port range") }
        let last = try number(ends[1], role: role)
        guard last > first else {
            throw ContainerError.invalid("parsing \(role) port: the end port of a range must be higher than the start port - \(last) is not higher than \(first)")
        }
        return (first, last - first + 1)
    }

    private static func number(_ text: Substring, role: String) throws -> UInt16 {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ContainerError.invalid("parsing \(role) port: invalid port number: \"\(text)\" is not a number")
        }
        guard let value = Int(text), value >= 1, value <= 65535 else {
            throw ContainerError.invalid("parsing \(role) port: port numbers must be between 1 and 65535 (inclusive), got \(text)")
        }
        return UInt16(value)
    }

    private static func invalid(_ text: String, _ why: String) -> ContainerError {
        .invalid("invalid port \"\(text)\": \(why); use [ip:][hostPort:]containerPort[/protocol]")
    }
}

/// Address text checks, without resolving names.
package enum IPAddressText {
    package static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy { $0.isASCII && $0.isNumber } && Int(part)! <= 255
        }
    }

    package static func isIPv6(_ text: String) -> Bool {
        guard text.contains(":"), text.count <= 45 else { return false }
        let allowed = text.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        let groups = text.split(separator: ":", omittingEmptySubsequences: false)
        return allowed && groups.count >= 3 && groups.count <= 9 && text.doubleColonCount <= 1
    }
}

extension String {
    /// How many times "::" occurs (an IPv6 address has at most one).
    fileprivate var doubleColonCount: Int {
        var count = 0, previous: Character? = nil
        for character in self {
            if character == ":" && previous == ":" { count += 1 }
            previous = character
        }
        return count
    }
}
