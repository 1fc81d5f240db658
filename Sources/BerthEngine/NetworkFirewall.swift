// nftables rules for berth's networks (issue 12): masquerade and forwarding per
// network, published ports per container, each change one transaction in berth's
// own table (FirewallRules.swift has the layout, BerthSystem's NFTables runs it).
import BerthSystem

package enum NetworkFirewall {
    /// The network's chains and rules (masquerade unless internal; an internal
    /// network gets no outbound path). Idempotent.
    static func setUpNetwork(_ network: NetworkConfig) throws {
        try run(FirewallRules().setUp(network), what: "setting up the firewall of network \(network.name)")
        allowLoopbackSources(on: FirewallRules.bridge(of: network))
    }

    /// Removes what setUpNetwork made; nothing when it is gone.
    static func removeNetwork(_ network: NetworkConfig) throws {
        try run(FirewallRules().remove(network), what: "removing the firewall of network \(network.name)")
    }

    /// This container's rules on `network` (its published ports: DNAT from the
    /// host's addresses and 127.0.0.1, and from other containers) in one transaction.
    /// A container without published ports gets no rules at all.
    static func addContainer(id: String, network: NetworkConfig, ipv4: String?, ipv6: String?, ports: [PortMapping]) throws {
        guard !ports.isEmpty else { return }
        allowLoopbackSources(on: FirewallRules.bridge(of: network))
        try run(FirewallRules().addContainer(id: id, ipv4: ipv4, ipv6: ipv6, ports: ports),
                what: "publishing the ports of container \(id.prefix(12)) on network \(network.name)")
    }

    /// Removes every rule of the container, in one transaction; nothing when none is left.
    static func removeContainer(id: String) throws {
        try run(FirewallRules().removeContainer(id: id), what: "removing the published ports of container \(id.prefix(12))")
    }

    private static func run(_ commands: String, what: String) throws {
        do {
            try NFTables.run(commands)
        } catch {
            throw ContainerError.invalid("\(what): \(error)")
        }
    }

    /// route_localnet=1 on the bridge, so that a connection from 127.0.0.1 DNATed to
    /// a container may leave lo (the kernel drops 127/8 sources on other devices
    /// otherwise). Best effort: a bridge not made yet gets it from the next call.
    private static func allowLoopbackSources(on bridge: String) {
        guard FileSystem.exists("/proc/sys/net/ipv4/conf/\(bridge)") else { return }
        try? Sysctl.ensure("net/ipv4/conf/\(bridge)/route_localnet", "1")
    }
}
