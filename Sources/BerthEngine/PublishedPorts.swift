// A container's published ports (issue 12): -p, -P and --expose resolved at create
// (podman picks `-p 80`'s host port then, so inspect shows it at once), checked
// again before every start (a host port someone bound meanwhile fails the start
// with a clear error, before the container runs), and listed for `port`.
import BerthImage
import BerthSystem
import Glibc

/// -p, --expose and -P as given to create and run.
package struct PortRequests: Sendable {
    package var publish: [String] = []
    package var expose: [String] = []
    package var publishAll = false
    package init() {}
}

extension Engine {
    /// The mappings and exposed ports of a new container. Every -p is parsed before
    /// anything is created; host ports left to berth are chosen here.
    func resolvePorts(_ requests: PortRequests, network: String, image: ContainerConfig) throws -> (ports: [PortMapping], exposed: [String]) {
        var mappings = try requests.publish.flatMap(PortSpec.parse)
        var exposed: [String] = []
        for text in (image.ExposedPorts ?? [:]).keys.sorted() + requests.expose {
            for port in try PortSpec.parseExposed(text) where !exposed.contains(port) { exposed.append(port) }
        }
        if requests.publishAll {
            for port in exposed {
                let parts = port.split(separator: "/")
                let number = UInt16(parts[0])!, proto = String(parts[1])
                let published = mappings.contains {
                    $0.protocol == proto && number >= $0.containerPort && Int(number) < Int($0.containerPort) + Int($0.range)
                }
                if !published { mappings.append(PortMapping(hostIP: "", hostPort: 0, containerPort: number, protocol: proto)) }
            }
        }
        guard !mappings.isEmpty else { return ([], exposed) }
        if Engine.sharesOtherNetwork(network) {
            Warnings.report("Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use")
            return ([], exposed)
        }
        for (index, mapping) in mappings.enumerated() where mapping.hostPort != 0 {
            if let other = mappings[..<index].first(where: { $0.hostPort != 0 && $0.overlaps(mapping) }) {
                throw ContainerError.invalid("conflicting port mappings for host port \(max(other.hostPort, mapping.hostPort)) (protocol \(mapping.protocol))")
            }
        }
        var taken = try portsPublishedByRunningContainers(except: nil).map(\.mapping) + mappings.filter { $0.hostPort != 0 }
        for index in mappings.indices where mappings[index].hostPort == 0 {
            mappings[index].hostPort = try freeHostPorts(for: mappings[index], avoiding: taken)
            taken.append(mappings[index])
        }
        return (mappings, exposed)
    }

    /// Before a start: each host port can be bound now and no running container
    /// publishes it. Throws naming the port, the address and who holds it.
    func checkPublishedPorts(_ record: ContainerRecord) throws {
        guard let ports = record.ports, !ports.isEmpty else { return }
        let others = try portsPublishedByRunningContainers(except: record.id)
        for mapping in ports {
            if let holder = others.first(where: { $0.mapping.overlaps(mapping) }) {
                throw ContainerError.invalid("cannot publish port \(mapping.hostPort)/\(mapping.protocol) of container \(record.name): container \(holder.name) publishes it already")
            }
            for offset in 0..<mapping.range {
                let port = mapping.hostPort + offset
                let address = mapping.hostIP.isEmpty ? "0.0.0.0" : mapping.hostIP
                switch PortProbe.bindError(protocol: mapping.protocol, address: mapping.hostIP, port: port) {
                case nil, EACCES?: continue  // EACCES: a rootless helper binds it, and says so itself
                case EADDRINUSE?:
                    throw ContainerError.invalid("cannot publish port \(port)/\(mapping.protocol) of container \(record.name): \(address):\(port) is already in use")
                case EADDRNOTAVAIL?:
                    throw ContainerError.invalid("cannot publish port \(port)/\(mapping.protocol) of container \(record.name): this host has no address \(address)")
                case let errno?:
                    throw ContainerError.invalid("cannot publish port \(port)/\(mapping.protocol) of container \(record.name) on \(address): \(SystemError.reason(errno))")
                }
            }
        }
    }

    /// `port`: each selected running container's published ports (podman lists none
    /// for a container that does not run).
    package func publishedPorts(_ selection: ContainerSelection) throws -> [(ContainerRecord, [PortMapping])] {
        try select(selection).compactMap { target in
            let record = try target.record.get()
            guard readState(record.id).status == .running else { return nil }
            return (record, record.ports ?? [])
        }
    }

    /// The modes whose network is not the container's own: -p has nothing to publish there.
    static func sharesOtherNetwork(_ mode: String) -> Bool {
        ["host", "none"].contains(mode) || mode.hasPrefix("container:") || mode.hasPrefix("ns:")
    }

    private func portsPublishedByRunningContainers(except id: String?) throws -> [(name: String, mapping: PortMapping)] {
        var result: [(name: String, mapping: PortMapping)] = []
        for other in try containerIDs() where other != id {
            guard let record = try? readRecord(other), let ports = record.ports, !ports.isEmpty,
                  readState(other).status == .running else { continue }
            result += ports.map { (record.name, $0) }
        }
        return result
    }

    /// `range` consecutive host ports that can be bound and no one publishes.
    private func freeHostPorts(for mapping: PortMapping, avoiding taken: [PortMapping]) throws -> UInt16 {
        for _ in 0..<32 {
            let first = try PortProbe.freePort(protocol: mapping.protocol, address: mapping.hostIP)
            guard Int(first) + Int(mapping.range) - 1 <= 65535 else { continue }
            var candidate = mapping
            candidate.hostPort = first
            let free = (0..<mapping.range).allSatisfy { offset in
                offset == 0 || PortProbe.bindError(protocol: mapping.protocol, address: mapping.hostIP, port: first + offset) == nil
            }
            if free && !taken.contains(where: { $0.overlaps(candidate) }) { return first }
        }
        throw ContainerError.invalid("no \(mapping.range) free consecutive host ports for \(mapping.containerPort)/\(mapping.protocol)")
    }
}

extension PortMapping {
    /// Both would catch a packet: same protocol, a host port in common, and the same
    /// host address or one of them on every address.
    package func overlaps(_ other: PortMapping) -> Bool {
        guard self.protocol == other.protocol else { return false }
        guard hostIP.isEmpty || other.hostIP.isEmpty || hostIP == other.hostIP else { return false }
        let mine = Int(hostPort)..<Int(hostPort) + Int(range), theirs = Int(other.hostPort)..<Int(other.hostPort) + Int(other.range)
        return mine.overlaps(theirs)
    }
}
