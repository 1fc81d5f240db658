// `network create` (issue 12): checks every flag as podman 4.3 does, picks what was
// left out (a name, a free 10.89.N.0/24, a gateway, a bridge berthN) and writes the
// network's file under the networks lock: a refused create leaves nothing behind.
import BerthImage
import BerthSystem
import FoundationEssentials

/// What `network create` was asked (podman's flags).
package struct NetworkCreateOptions: Sendable {
    package var name: String?
    package var driver = "bridge"
    package var subnets: [String] = []
    package var gateways: [String] = []
    package var ipRanges: [String] = []
    package var isInternal = false
    package var disableDNS = false
    package var ipv6 = false
    package var labels: [String: String] = [:]
    package var options: [String: String] = [:]
    package var ipamDriver: String?

    package init() {}
}

extension Engine {
    /// The bridge options podman's bridge driver knows (`-o mtu=1400`, …).
    static let bridgeOptions: Set<String> = ["mtu", "vlan", "isolate", "com.docker.network.bridge.name"]

    package func createNetwork(_ options: NetworkCreateOptions) throws -> NetworkConfig {
        if let name = options.name, !NetworkNames.isValid(name) { throw NetworkError.invalidName(name) }
        guard options.driver == "bridge" else {
            throw NetworkError.unsupported("unsupported driver \(options.driver): berth has only the bridge driver")
        }
        let ipam = options.ipamDriver ?? "host-local"
        guard ipam == "host-local" else {
            throw NetworkError.unsupported("unsupported ipam driver \"\(ipam)\": berth allocates addresses itself (host-local)")
        }
        var bridgeOptions = options.options
        let bridgeName = bridgeOptions.removeValue(forKey: "com.docker.network.bridge.name")
        try Engine.checkBridgeOptions(options.options)
        if let bridgeName, !Engine.isValidInterfaceName(bridgeName) {
            throw NetworkError.invalid("invalid bridge name \(bridgeName): an interface name has 1 to 15 characters, none of them '/', ':' or white space")
        }
        var subnets = try Engine.parseSubnets(options)
        return try withNetworksLock {
            let existing = try networkFiles()
            let name = options.name ?? Engine.freeNetworkName(existing)
            if name == Engine.defaultNetworkName || existing.contains(where: { $0.name == name }) {
                throw NetworkError.exists(name)
            }
            let taken = try takenSubnets()
            for subnet in subnets {
                guard let parsed = IPSubnet(cidr: subnet.subnet) else { continue }
                if taken.contains(where: { $0.overlaps(parsed) }) {
                    throw NetworkError.invalid("subnet \(parsed) is already used on the host or by another config")
                }
            }
            // None given: a free IPv4 one (and an IPv6 one with --ipv6); with --ipv6 both families.
            let hasIPv4 = subnets.contains { IPSubnet(cidr: $0.subnet)?.isIPv4 == true }
            let hasIPv6 = subnets.contains { IPSubnet(cidr: $0.subnet)?.isIPv4 == false }
            if subnets.isEmpty || (options.ipv6 && !hasIPv4) { subnets.append(try Engine.freeIPv4Subnet(taken: taken)) }
            if options.ipv6 && !hasIPv6 { subnets.append(try Engine.freeIPv6Subnet(taken: taken)) }
            let interface = try bridgeName ?? Engine.freeBridgeName(existing)
            if let owner = existing.first(where: { $0.networkInterface == interface }) {
                throw NetworkError.invalid("bridge name \(interface) is already used by network \(owner.name)")
            }
            let config = NetworkConfig(
                name: name, id: RandomID.hex(32), driver: "bridge", networkInterface: interface,
                created: RFC3339.format(Date()), subnets: subnets,
                ipv6Enabled: options.ipv6 || subnets.contains { IPSubnet(cidr: $0.subnet)?.isIPv4 == false },
                internal: options.isInternal, dnsEnabled: !options.disableDNS,
                labels: options.labels.isEmpty ? nil : options.labels,
                options: bridgeOptions.isEmpty ? nil : bridgeOptions, ipamOptions: ["driver": ipam])
            try writeNetwork(config)
            return config
        }
    }

    /// podman's checks of the bridge driver's options.
    static func checkBridgeOptions(_ options: [String: String]) throws {
        for (key, value) in options.sorted(by: { $0.key < $1.key }) {
            guard bridgeOptions.contains(key) else { throw NetworkError.invalid("unsupported bridge network option \(key)") }
            switch key {
            case "mtu":
                guard let mtu = Int(value), mtu >= 0 else {
                    throw NetworkError.invalid("invalid mtu \"\(value)\": strconv.Atoi: parsing \"\(value)\": invalid syntax")
                }
                if mtu > 0 && mtu < 68 { throw NetworkError.invalid("mtu \(mtu) is less than the minimum 68") }
            case "vlan":
                guard let vlan = Int(value), (0...4094).contains(vlan) else {
                    throw NetworkError.invalid("vlan ID \(value) must be between 0 and 4094")
                }
            case "isolate":
                guard ["true", "false", "strict"].contains(value) else {
                    throw NetworkError.invalid("invalid isolate option \"\(value)\": use true, false or strict")
                }
            default: break
            }
        }
    }

    /// --subnet, --gateway and --ip-range, paired in order as podman pairs them.
    static func parseSubnets(_ options: NetworkCreateOptions) throws -> [NetworkSubnet] {
        if options.gateways.count > options.subnets.count {
            throw NetworkError.invalid("cannot set more gateways than subnets")
        }
        if options.ipRanges.count > options.subnets.count {
            throw NetworkError.invalid("cannot set more ranges than subnets")
        }
        var result: [NetworkSubnet] = []
        var seen: [IPSubnet] = []
        for (index, text) in options.subnets.enumerated() {
            guard let subnet = IPSubnet(cidr: text) else { throw NetworkError.invalid("invalid CIDR address: \(text)") }
            if let clash = seen.first(where: { $0.overlaps(subnet) }) {
                throw NetworkError.invalid("subnet \(subnet) overlaps subnet \(clash) of the same network")
            }
            seen.append(subnet)
            // An IPv4 subnet needs a gateway and at least one address for a container.
            if subnet.isIPv4 && subnet.prefixLength > 30 || !subnet.isIPv4 && subnet.prefixLength > 126 {
                throw NetworkError.invalid("subnet \(subnet) is too small: it has no address for a container beside the gateway")
            }
            var entry = NetworkSubnet(subnet: subnet.description, gateway: nil, leaseRange: nil)
            if index < options.gateways.count {
                guard let gateway = IPAddress(options.gateways[index]) else {
                    throw NetworkError.invalid("invalid argument \"\(options.gateways[index])\" for \"--gateway\" flag: invalid string being converted to IP address")
                }
                guard subnet.contains(gateway), gateway != subnet.address, gateway != subnet.lastAddress || !subnet.isIPv4 else {
                    throw NetworkError.invalid("gateway \(gateway) not in subnet \(subnet)")
                }
                entry.gateway = gateway.description
            } else {
                entry.gateway = subnet.address.advanced(by: 1)?.description
            }
            if index < options.ipRanges.count {
                entry.leaseRange = try leaseRange(options.ipRanges[index], in: subnet)
            }
            result.append(entry)
        }
        return result
    }

    /// --ip-range as a CIDR ("10.89.0.128/25") or a "START-END" pair, inside the subnet.
    private static func leaseRange(_ text: String, in subnet: IPSubnet) throws -> NetworkSubnet.LeaseRange {
        var start: IPAddress?, end: IPAddress?
        if let range = IPSubnet(cidr: text) {
            start = range.address == subnet.address ? range.address.advanced(by: 1) : range.address
            end = range.isIPv4 && range.lastAddress == subnet.lastAddress ? range.lastAddress.advanced(by: -1) : range.lastAddress
        } else {
            let ends = text.split(separator: "-", maxSplits: 1).map { IPAddress(String($0)) }
            if ends.count == 2 { start = ends[0]; end = ends[1] }
        }
        guard let start, let end, !(end < start) else {
            throw NetworkError.invalid("invalid ip-range \"\(text)\": use a CIDR subnet or START-END addresses")
        }
        guard subnet.contains(start), subnet.contains(end) else {
            throw NetworkError.invalid("ip-range \(text) is not in subnet \(subnet)")
        }
        return NetworkSubnet.LeaseRange(startIP: start.description, endIP: end.description)
    }

    /// podman's rule: the first 10.89.N.0/24 (N from 0, then on through 10.x) that no
    /// network or host route overlaps.
    static func freeIPv4Subnet(taken: [IPSubnet]) throws -> NetworkSubnet {
        var subnet = IPSubnet(cidr: "10.89.0.0/24")!
        while taken.contains(where: { $0.overlaps(subnet) }) {
            guard let next = subnet.lastAddress.advanced(by: 1), next.bytes[0] == 10 else {
                throw NetworkError.invalid("could not find a free subnet in 10.0.0.0/8: give one with --subnet")
            }
            subnet = IPSubnet(address: next, prefixLength: 24)
        }
        return NetworkSubnet(subnet: subnet.description, gateway: subnet.address.advanced(by: 1)?.description)
    }

    /// A random unique local /64 (RFC 4193 says random, and podman picks one so).
    static func freeIPv6Subnet(taken: [IPSubnet]) throws -> NetworkSubnet {
        for _ in 0..<100 {
            let random = RandomID.hex(7)
            var bytes: [UInt8] = [0xFD] + stride(from: 0, to: 14, by: 2).map {
                UInt8(random.dropFirst($0).prefix(2), radix: 16) ?? 0
            }
            bytes += [UInt8](repeating: 0, count: 8)
            let subnet = IPSubnet(address: IPAddress(bytes: bytes), prefixLength: 64)
            if !taken.contains(where: { $0.overlaps(subnet) }) {
                return NetworkSubnet(subnet: subnet.description, gateway: subnet.address.advanced(by: 1)?.description)
            }
        }
        throw NetworkError.invalid("could not find a free IPv6 subnet: give one with --subnet")
    }

    /// berthN, the first N from 1 that no network and no host interface has.
    static func freeBridgeName(_ networks: [NetworkConfig]) throws -> String {
        let used = Set(networks.compactMap(\.networkInterface))
        for n in 1..<100_000 {
            let name = "berth\(n)"
            if !used.contains(name) && !FileSystem.exists("/sys/class/net/" + name) { return name }
        }
        throw NetworkError.invalid("no free bridge name berthN: name one with -o com.docker.network.bridge.name=NAME")
    }

    /// berthN, the first N from 1 that no network is called (podman calls them podmanN).
    static func freeNetworkName(_ networks: [NetworkConfig]) -> String {
        let used = Set(networks.map(\.name))
        var n = 1
        while used.contains("berth\(n)") { n += 1 }
        return "berth\(n)"
    }

    /// The kernel's rule for interface names (dev_valid_name).
    static func isValidInterfaceName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 15 && name != "." && name != ".."
            && !name.contains(where: { $0 == "/" || $0 == ":" || $0.isWhitespace })
    }
}
