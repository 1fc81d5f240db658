// One container on one bridge network (root, issue 12): the network's bridge made
// once (gateway addresses, forwarding, its firewall rules), then per container a
// lease, a veth pair whose peer is made inside the container, its addresses and the
// default route there. Everything through rtnetlink; no `ip` process.
import BerthSystem

extension Engine {
    /// Connects the container (its network namespace is that of `pid`) to `network`
    /// as `interface`. What it made is taken down again when a later step fails.
    func attachBridge(_ record: ContainerRecord, _ request: NetworkRequest, network: NetworkConfig, interface: String,
                      pid: Int32, sockets: NetlinkSockets, defaultRoute: Bool) throws -> NetworkStatus.InterfaceStatus {
        let bridge = try Engine.bridgeName(network)
        let hostVeth = "veth" + RandomID.hex(4)
        var ipv4: (IPAddress, Int, String?)?
        var ipv6: (IPAddress, Int, String?)?
        let bridgeIndex = try withLeases(network.name) { leases -> Int32 in
            let index = try ensureBridge(network, bridge: bridge, host: sockets.host())
            leases.addresses = leases.addresses.filter { $0.value != record.id }
            for subnet in network.subnets {
                guard let range = IPSubnet(cidr: subnet.subnet) else { continue }
                if range.isIPv4 && ipv4 == nil {
                    let address = try Engine.leaseAddress(in: subnet, requested: request.ipv4, for: record.id, leases: &leases, network: network.name)
                    ipv4 = (address, range.prefixLength, subnet.gateway)
                } else if !range.isIPv4 && ipv6 == nil {
                    let address = try Engine.leaseAddress(in: subnet, requested: request.ipv6, for: record.id, leases: &leases, network: network.name)
                    ipv6 = (address, range.prefixLength, subnet.gateway)
                }
            }
            if request.ipv4 != nil && ipv4 == nil || request.ipv6 != nil && ipv6 == nil {
                throw NetworkError.invalid("network \(network.name) has no \(request.ipv4 != nil ? "IPv4" : "IPv6") subnet for the requested address")
            }
            return index
        }
        Stopwatch.mark("leased")
        do {
            let mac = request.mac.flatMap(MACAddress.parse)
            let mtu = network.options?["mtu"].flatMap { UInt32($0) }
            try sockets.host().createVeth(VethPair(hostName: hostVeth, bridgeIndex: bridgeIndex, peerName: interface,
                                                   peerPID: pid, peerMAC: mac, mtu: mtu))
            // Through netlink, not /sys: inside the rootless network namespace /sys is the host's.
            try sockets.host().enableHairpin(onBridgePort: hostVeth)
            Stopwatch.mark("veth made")
            let inside = try sockets.container()
            Stopwatch.mark("netns socket")
            guard let link = try inside.link(named: interface) else {
                throw NetworkError.invalid("the container's interface \(interface) vanished after it was made")
            }
            try inside.setUp(index: link.index, name: interface)
            for (address, prefix, _) in [ipv4, ipv6].compactMap({ $0 }) {
                try inside.addAddress(address.bytes, prefixLength: prefix, index: link.index, name: interface)
            }
            if defaultRoute {
                for (_, _, gateway) in [ipv4, ipv6].compactMap({ $0 }) {
                    if let gateway = gateway.flatMap(IPAddress.init) {
                        try inside.addDefaultRoute(via: gateway.bytes, index: link.index, name: interface)
                    }
                }
            }
            Stopwatch.mark("addresses set")
            return NetworkStatus.InterfaceStatus(
                interface: interface, ipv4: ipv4.map { "\($0.0)/\($0.1)" }, ipv6: ipv6.map { "\($0.0)/\($0.1)" },
                gateway: ipv4?.2, gateway6: ipv6?.2, mac: link.mac, hostVeth: hostVeth, aliases: request.aliases)
        } catch {
            try? sockets.host().deleteLink(named: hostVeth)
            try? releaseLeases(record.id, network: network.name)
            throw error
        }
    }

    /// Takes the container off `network`: its veth (the peer goes with it) and its leases.
    /// `waiting` (a disconnect of a running container): the interface is gone on return.
    /// Otherwise (an exit, a failed start, rm) nothing uses the veth any more, and its
    /// delete is not waited for: the kernel's part of it takes 10-25 ms.
    func detachBridge(_ id: String, network: String, _ status: NetworkStatus.InterfaceStatus, host: NetlinkSocket?,
                      waiting: Bool = false) {
        if let veth = status.hostVeth, let host {
            do {
                if waiting { try host.deleteLink(named: veth) } else { try host.deleteLinkDetached(named: veth) }
            } catch {
                Warnings.report("removing \(veth) of container \(id.prefix(12)): \(error)")
            }
        }
        Stopwatch.mark("veth deleted")
        do { try releaseLeases(id, network: network) } catch { Warnings.report("freeing the addresses of container \(id.prefix(12)) on network \(network): \(error)") }
    }

    func releaseLeases(_ id: String, network: String) throws {
        try withLeases(network) { leases in leases.addresses = leases.addresses.filter { $0.value != id } }
    }

    /// The network's bridge, made on first use (and again after a reboot) with the
    /// gateway addresses, forwarding on and the network's firewall rules: done once per
    /// network, which RUNROOT/networks/NAME.bridge records, so a container's start pays
    /// one stat and one link lookup here. Called under the lease lock.
    private func ensureBridge(_ network: NetworkConfig, bridge: String, host: NetlinkSocket) throws -> Int32 {
        let marker = bridgeMarker(network.name)
        if FileSystem.exists(marker), !BootTime.predates(marker), let link = try host.link(named: bridge), link.isUp {
            return link.index
        }
        let mtu = network.options?["mtu"].flatMap { UInt32($0) }
        do {
            try host.createBridge(bridge, mtu: mtu)
        } catch let error as SystemError where error.isAlreadyExisting {
        }
        guard let link = try host.link(named: bridge) else {
            throw NetworkError.invalid("bridge \(bridge) of network \(network.name) vanished after it was made")
        }
        if !link.isUp { try host.setUp(index: link.index, name: bridge) }
        for subnet in network.subnets {
            guard let range = IPSubnet(cidr: subnet.subnet), let gateway = subnet.gateway.flatMap(IPAddress.init) else { continue }
            try host.addAddress(gateway.bytes, prefixLength: range.prefixLength, index: link.index, name: bridge)
        }
        try Sysctl.ensure("net/ipv4/ip_forward", "1")
        if network.subnets.contains(where: { IPSubnet(cidr: $0.subnet)?.isIPv4 == false }) {
            try Sysctl.ensure("net/ipv6/conf/all/forwarding", "1")
        }
        try NetworkFirewall.setUpNetwork(network)
        try AtomicFile.write(bridge + "\n", to: marker, durable: false)
        return link.index
    }

    private func bridgeMarker(_ network: String) -> String { networkRunDir + "/" + network + ".bridge" }

    /// Takes down what the network's first attach made: its bridge, its firewall rules,
    /// its leases and marker (`network rm`). Nothing when they are gone.
    package func removeBridge(_ network: NetworkConfig) throws {
        try NetworkFirewall.removeNetwork(network)
        try NetlinkSocket.host().deleteLink(named: try Engine.bridgeName(network))
        for suffix in [".bridge", ".leases", ".lock"] {
            try FileSystem.unlinkIfPresent(networkRunDir + "/" + network.name + suffix)
        }
    }

    static func bridgeName(_ network: NetworkConfig) throws -> String {
        if let name = network.networkInterface ?? network.options?["com.docker.network.bridge.name"], !name.isEmpty { return name }
        if network.name == defaultNetworkName { return "berth0" }
        throw NetworkError.invalid("network \(network.name) names no bridge (network_interface)")
    }
}

/// The two netlink sockets an attach needs, opened on first use: the host's, and one
/// inside the container's network namespace.
final class NetlinkSockets {
    private let pid: Int32
    private var hostSocket: NetlinkSocket?
    private var containerSocket: NetlinkSocket?

    init(pid: Int32) { self.pid = pid }

    func host() throws -> NetlinkSocket {
        if let hostSocket { return hostSocket }
        let socket = try NetlinkSocket.host()
        hostSocket = socket
        return socket
    }

    func container() throws -> NetlinkSocket {
        if let containerSocket { return containerSocket }
        let socket = try NetlinkSocket.inNetworkNamespace(of: pid)
        containerSocket = socket
        return socket
    }
}
