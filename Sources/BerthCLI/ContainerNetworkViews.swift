// inspect's NetworkSettings in podman's shape: the basic fields (IPAddress,
// IPPrefixLen, Gateway, MacAddress, …) of the container's one network, Ports, and
// Networks keyed by network name with each network's address, aliases and ID.
import BerthEngine
import BerthTemplate

extension ContainerViews {
    static func networkSettings(_ c: ContainerDetails) -> TemplateValue {
        let running = c.state.status == .running
        let status = running ? c.network : nil
        let requests = c.record.networkRequests ?? []
        var networks: [(String, TemplateValue)] = []
        for request in requests {
            let interface = status?.interfaces[request.name]
            networks.append((request.name, .structure("*define.InspectAdditionalNetwork",
                basicNetworkConfig(interface) + [
                    ("NetworkID", .string(c.networkIDs[request.name] ?? "")),
                    ("DriverOpts", .null), ("IPAMConfig", .null), ("Links", .null),
                    ("Aliases", ImageViews.strings(request.aliases + (interface == nil ? [] : [String(c.record.id.prefix(12))]))),
                ])))
        }
        // The basic fields describe the container's network when it has exactly one.
        let single = requests.count == 1 ? status?.interfaces[requests[0].name] : nil
        var fields = basicNetworkConfig(single) + [
            ("Bridge", .string("")), ("SandboxID", .string("")), ("HairpinMode", .bool(false)),
            ("LinkLocalIPv6Address", .string("")), ("LinkLocalIPv6PrefixLen", .int(0)),
            ("Ports", ports(status?.ports ?? [])),
            ("SandboxKey", .string(running && !c.record.network.hasPrefix("container:") && c.record.network != "host"
                ? "/proc/\(c.state.pid)/ns/net" : "")),
        ]
        if !networks.isEmpty { fields.append(("Networks", .map(networks))) }
        return .structure("*define.InspectNetworkSettings", fields)
    }

    /// podman's InspectBasicNetworkConfig of one interface (empty values when none).
    private static func basicNetworkConfig(_ interface: NetworkStatus.InterfaceStatus?) -> [(String, TemplateValue)] {
        func split(_ cidr: String?) -> (String, Int64) {
            guard let cidr, let slash = cidr.firstIndex(of: "/") else { return (cidr ?? "", 0) }
            return (String(cidr[..<slash]), Int64(cidr[cidr.index(after: slash)...]) ?? 0)
        }
        let (ipv4, prefix4) = split(interface?.ipv4)
        let (ipv6, prefix6) = split(interface?.ipv6)
        return [
            ("EndpointID", .string("")), ("Gateway", .string(interface?.gateway ?? "")),
            ("IPAddress", .string(ipv4)), ("IPPrefixLen", .int(prefix4)),
            ("IPv6Gateway", .string(interface?.gateway6 ?? "")),
            ("GlobalIPv6Address", .string(ipv6)), ("GlobalIPv6PrefixLen", .int(prefix6)),
            ("MacAddress", .string(interface?.mac ?? "")),
        ]
    }

    /// {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}, one key per container port of a range.
    private static func ports(_ mappings: [PortMapping]) -> TemplateValue {
        var result: [(String, TemplateValue)] = []
        for mapping in mappings {
            for offset in 0..<max(mapping.range, 1) {
                let key = "\(mapping.containerPort + offset)/\(mapping.protocol)"
                result.append((key, .array([.structure("define.InspectHostPort", [
                    ("HostIp", .string(mapping.hostIP)), ("HostPort", .string(String(mapping.hostPort + offset))),
                ])])))
            }
        }
        return .map(result)
    }
}
