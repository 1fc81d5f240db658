// `--network` at create (issue 12): the mode kept in record.network and, for
// bridge networks, one NetworkRequest per network with --ip, --ip6, --mac-address
// and --network-alias (podman 4.3's `NAME:ip=…,mac=…,alias=…` syntax too).
import BerthSystem
import Glibc

/// The network flags of create and run besides --network itself.
package struct NetworkFlags: Sendable {
    /// --network given more than once: every value after the first.
    package var additional: [String] = []
    package var ipv4: String?
    package var ipv6: String?
    package var mac: String?
    package var aliases: [String] = []

    package init() {}

    var asksBridgeOnly: Bool { ipv4 != nil || ipv6 != nil || mac != nil || !aliases.isEmpty }
}

/// What create records: `mode` in record.network, `requests` in record.networkRequests.
struct NetworkModeChoice {
    var mode: String
    var requests: [NetworkRequest]?
}

extension Engine {
    /// The mode a container gets without --network: the default network for root,
    /// pasta rootless (as podman's default_rootless_network_cmd). Already root of the
    /// rootless user namespace (`berth unshare`, a build) pasta cannot open the
    /// container's namespaces (EACCES on /proc/PID/ns/user), so such a container
    /// shares the caller's network, as build RUN steps do by default.
    static var defaultNetworkMode: String {
        StorePaths.isRootless ? (UserNamespace.isInitial ? "pasta" : "host") : "bridge"
    }

    /// Parses --network (and the flags that only bridge networks take); named
    /// networks must exist.
    func networkMode(_ value: String, flags: NetworkFlags) throws -> NetworkModeChoice {
        let values = ([value] + flags.additional).filter { !$0.isEmpty }
        let first = values.first.map { $0 == "private" || $0 == "default" ? Engine.defaultNetworkMode : $0 } ?? Engine.defaultNetworkMode
        let special = ["none", "host"].contains(first) || first.hasPrefix("container:") || first.hasPrefix("ns:")
            || first == "pasta" || first.hasPrefix("pasta:") || first == "slirp4netns" || first.hasPrefix("slirp4netns:")
        if special {
            guard values.count <= 1 else {
                throw NetworkError.invalid("--network \(first) cannot be combined with other networks")
            }
            if flags.asksBridgeOnly {
                throw NetworkError.invalid("--ip, --ip6, --mac-address and --network-alias can only be used with bridge networks, not --network \(first)")
            }
            return NetworkModeChoice(mode: try specialMode(first), requests: nil)
        }
        var requests: [NetworkRequest] = []
        for item in (values.isEmpty ? ["bridge"] : values).map({ $0 == "private" || $0 == "default" ? "bridge" : $0 }) {
            if item.contains(":") {
                requests.append(try Engine.networkRequest(item))
            } else {
                requests += item.split(separator: ",").map { NetworkRequest(name: String($0)) }
            }
        }
        for index in requests.indices {
            if requests[index].name == "bridge" { requests[index].name = Engine.defaultNetworkName }
            requests[index].aliases += flags.aliases
            _ = try network(named: requests[index].name)
        }
        if Set(requests.map(\.name)).count != requests.count {
            throw NetworkError.invalid("--network names a network twice: \(requests.map(\.name).joined(separator: ","))")
        }
        if flags.ipv4 != nil || flags.ipv6 != nil || flags.mac != nil {
            guard requests.count == 1 else {
                throw NetworkError.invalid("--ip, --ip6 and --mac-address can only be set for a single network; use --network NAME:ip=… for several")
            }
            requests[0].ipv4 = flags.ipv4 ?? requests[0].ipv4
            requests[0].ipv6 = flags.ipv6 ?? requests[0].ipv6
            requests[0].mac = flags.mac ?? requests[0].mac
        }
        for request in requests { try Engine.validate(request) }
        return NetworkModeChoice(mode: "bridge", requests: requests)
    }

    /// container:NAME (resolved to the ID), ns:PATH (must exist), none, host, pasta, slirp4netns.
    private func specialMode(_ mode: String) throws -> String {
        if mode.hasPrefix("container:") {
            let target = String(mode.dropFirst("container:".count))
            guard !target.isEmpty else { throw NetworkError.invalid("--network container: needs a container name or ID") }
            return "container:" + (try resolveContainer(target).id)
        }
        if mode.hasPrefix("ns:") {
            let path = String(mode.dropFirst(3))
            guard path.hasPrefix("/"), FileSystem.exists(path) else {
                throw NetworkError.invalid("--network ns:\(path): the network namespace path must exist and be absolute")
            }
            return mode
        }
        if UserModeNetworkMode.isUserMode(mode) { _ = try UserModeNetworkMode(parsing: mode) }  // bad options fail at create
        return mode
    }

    /// `NAME:ip=…,ip6=…,mac=…,alias=…,interface_name=…` (podman 4.3).
    static func networkRequest(_ text: String) throws -> NetworkRequest {
        let colon = text.firstIndex(of: ":")!
        var request = NetworkRequest(name: String(text[..<colon]))
        for option in text[text.index(after: colon)...].split(separator: ",") {
            let parts = option.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw NetworkError.invalid("invalid option \"\(option)\" for network \(request.name): want KEY=VALUE") }
            let value = String(parts[1])
            switch parts[0] {
            case "ip": request.ipv4 = value
            case "ip6": request.ipv6 = value
            case "mac": request.mac = value
            case "alias": request.aliases.append(value)
            case "interface_name": request.interface = value
            default: throw NetworkError.invalid("unknown bridge network option: \(parts[0])")
            }
        }
        return request
    }

    /// Addresses must be the right family, the MAC six bytes, the interface name a
    /// valid one; whether an address lies in the subnet is checked at attach.
    static func validate(_ request: NetworkRequest) throws {
        if let ip = request.ipv4, IPAddress(ip)?.isIPv4 != true {
            throw NetworkError.invalid("\(ip) is not an IPv4 address")
        }
        if let ip = request.ipv6, IPAddress(ip).map({ !$0.isIPv4 }) != true {
            throw NetworkError.invalid("\(ip) is not an IPv6 address")
        }
        if let mac = request.mac, MACAddress.parse(mac) == nil {
            throw NetworkError.invalid("invalid MAC address \(mac): want six hex bytes, as 92:d0:c6:0a:29:33")
        }
        if let name = request.interface, name.isEmpty || name.utf8.count > 15 || name.contains("/") || name.contains(" ") {
            throw NetworkError.invalid("invalid interface name \"\(name)\": 1 to 15 characters, no / or space")
        }
    }
}

enum MACAddress {
    /// "92:d0:c6:0a:29:33" → six bytes; nil for anything else, and for multicast addresses.
    static func parse(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        let bytes = parts.compactMap { $0.count == 2 ? UInt8($0, radix: 16) : nil }
        guard bytes.count == 6, bytes[0] & 1 == 0 else { return nil }
        return bytes
    }
}

extension Engine {
    /// host, container:ID and ns:PATH use a network namespace that exists already;
    /// every other mode gets a new one at clone.
    static func sharesNetworkNamespace(_ mode: String) -> Bool {
        mode == "host" || mode.hasPrefix("container:") || mode.hasPrefix("ns:")
    }
}

extension Engine {
    /// The network namespace a container:ID or ns:PATH container joins at start: the
    /// other container must be running (its namespace lives with its process).
    func networkNamespaceToJoin(_ record: ContainerRecord) throws -> FileDescriptor? {
        try openNamespace(of: record.network, kind: "net", for: record)
    }
}
