// nftables rules for berth's networks (issue 12): masquerade and forwarding per
// network, published ports per container, each change one transaction in berth's
// own table. Placeholder until the firewall work lands: no rule is made.

package enum NetworkFirewall {
    /// The network's chains and rules (masquerade unless internal; an internal
    /// network gets no outbound path). Idempotent.
    static func setUpNetwork(_ network: NetworkConfig) throws {}

    /// Removes what setUpNetwork made; nothing when it is gone.
    static func removeNetwork(_ network: NetworkConfig) throws {}

    /// This container's rules on `network` (its published ports: DNAT from the
    /// host's addresses and 127.0.0.1, and from other containers) in one transaction.
    static func addContainer(id: String, network: NetworkConfig, ipv4: String?, ipv6: String?, ports: [PortMapping]) throws {}

    /// Removes every rule of the container, in one transaction; nothing when none is left.
    static func removeContainer(id: String) throws {}
}
