// The text of berth's nftables transactions (nft's syntax), kept apart from running
// them so that what a network or a container gets can be read and tested alone.
//
// Layout, all in one table `inet berth`: each network has two base chains of its
// own (net-BRIDGE-nat: masquerade; net-BRIDGE-fwd: forwarding), each container with
// published ports two (ctr-ID-pre and ctr-ID-out: DNAT for traffic arriving from
// outside and from other containers, and for the host's own connections). A chain
// per object means removal is `delete chain` by name: one transaction, no lookup of
// rule handles first.
import BerthSystem
import Synchronization

package struct FirewallRules: Sendable {
    /// `inet berth`, or BERTH_TEST_NFT_TABLE's name so that tests running side by
    /// side never flush each other's rules.
    package var table: String

    package static let tableVariable = "BERTH_TEST_NFT_TABLE"

    /// The table of engine calls made inside a test process: set there instead of the
    /// environment, which every berth the process spawns meanwhile would inherit (and
    /// fill a table nobody deletes).
    package static var tableInThisProcess: String? {
        get { processTable.withLock { $0 } }
        set { processTable.withLock { $0 = newValue } }
    }
    private static let processTable = Mutex<String?>(nil)

    package init(table: String = FirewallRules.tableInThisProcess
                    ?? Environment.get(FirewallRules.tableVariable).flatMap { $0.isEmpty ? nil : $0 } ?? "berth") {
        self.table = table
    }

    // MARK: networks

    /// Creates (or refills) the network's chains: masquerade of its subnets'
    /// outbound traffic, of hairpin connections (a container reaching a published
    /// port through a host address) and of 127.0.0.1's connections to published ports;
    /// forwarding accepted to and from its bridge. An internal network gets no
    /// masquerade and a drop of everything routed in or out of its bridge.
    package func setUp(_ network: NetworkConfig) -> String {
        let bridge = Self.bridge(of: network), nat = natChain(network), fwd = forwardChain(network)
        var text = "add table inet \(table)\n"
            + "add chain inet \(table) \(nat) { type nat hook postrouting priority srcnat; policy accept; }\n"
            + "add chain inet \(table) \(fwd) { type filter hook forward priority filter; policy accept; }\n"
            + "flush chain inet \(table) \(nat)\n"
            + "flush chain inet \(table) \(fwd)\n"
        func rule(_ chain: String, _ body: String) { text += "add rule inet \(table) \(chain) \(body) comment \"network \(network.name)\"\n" }
        if network.internal {
            rule(fwd, "iifname \(quoted(bridge)) oifname != \(quoted(bridge)) drop")
            rule(fwd, "oifname \(quoted(bridge)) iifname != \(quoted(bridge)) drop")
            return text
        }
        for subnet in network.subnets.map(\.subnet) {
            let family = subnet.contains(":") ? "ip6" : "ip"
            rule(nat, "\(family) saddr \(subnet) \(family) daddr != \(subnet) masquerade")
            rule(nat, "oifname \(quoted(bridge)) \(family) saddr \(subnet) ct status dnat masquerade")
        }
        // route_localnet on the bridge lets 127.0.0.1 leave lo; its replies need a real source.
        rule(nat, "oifname \(quoted(bridge)) ip saddr 127.0.0.0/8 masquerade")
        rule(fwd, "iifname \(quoted(bridge)) accept")
        rule(fwd, "oifname \(quoted(bridge)) ct state established,related accept")
        rule(fwd, "oifname \(quoted(bridge)) ct status dnat accept")
        return text
    }

    /// Deletes the network's chains; a chain that is gone is first made, so the
    /// transaction never fails for it.
    package func remove(_ network: NetworkConfig) -> String {
        "add table inet \(table)\n"
            + "add chain inet \(table) \(natChain(network)) { type nat hook postrouting priority srcnat; policy accept; }\n"
            + "add chain inet \(table) \(forwardChain(network)) { type filter hook forward priority filter; policy accept; }\n"
            + "delete chain inet \(table) \(natChain(network))\n"
            + "delete chain inet \(table) \(forwardChain(network))\n"
    }

    // MARK: containers

    /// The container's DNAT rules for `ports` (one rule a port, in both chains):
    /// from every host address (`fib daddr type local`, 127.0.0.1 included) or the
    /// mapping's host address, to the container's address on `network`.
    package func addContainer(id: String, ipv4: String?, ipv6: String?, ports: [PortMapping]) -> String {
        let pre = "ctr-\(id)-pre", out = "ctr-\(id)-out"
        var text = "add table inet \(table)\n"
            + "add chain inet \(table) \(pre) { type nat hook prerouting priority dstnat; policy accept; }\n"
            + "add chain inet \(table) \(out) { type nat hook output priority -100; policy accept; }\n"
            + "flush chain inet \(table) \(pre)\n"
            + "flush chain inet \(table) \(out)\n"
        let v4 = ipv4.map(Self.address), v6 = ipv6.map(Self.address)
        for mapping in ports {
            let hostV6 = mapping.hostIP.contains(":")
            let targets: [(family: String, address: String)] = [
                v4.flatMap { hostV6 ? nil : ("ip", $0) },
                v6.flatMap { !mapping.hostIP.isEmpty && !hostV6 ? nil : ("ip6", "[\($0)]") },
            ].compactMap { $0 }
            for offset in 0..<mapping.range {
                let hostPort = Int(mapping.hostPort) + Int(offset), containerPort = Int(mapping.containerPort) + Int(offset)
                for target in targets {
                    let destination = mapping.hostIP.isEmpty
                        ? "meta nfproto \(target.family == "ip" ? "ipv4" : "ipv6") fib daddr type local"
                        : "\(target.family) daddr \(mapping.hostIP)"
                    let body = "\(destination) \(mapping.protocol) dport \(hostPort) dnat \(target.family) to \(target.address):\(containerPort)"
                    for chain in [pre, out] { text += "add rule inet \(table) \(chain) \(body)\n" }
                }
            }
        }
        return text
    }

    /// Deletes the container's chains (made first if gone, so this never fails for them).
    package func removeContainer(id: String) -> String {
        let pre = "ctr-\(id)-pre", out = "ctr-\(id)-out"
        return "add table inet \(table)\n"
            + "add chain inet \(table) \(pre) { type nat hook prerouting priority dstnat; policy accept; }\n"
            + "add chain inet \(table) \(out) { type nat hook output priority -100; policy accept; }\n"
            + "delete chain inet \(table) \(pre)\n"
            + "delete chain inet \(table) \(out)\n"
    }

    // MARK: names

    /// The network's bridge on the host, as Engine.bridgeName finds it (berth0 when the config names none).
    package static func bridge(of network: NetworkConfig) -> String {
        (try? Engine.bridgeName(network)) ?? network.networkInterface ?? "berth0"
    }

    private func natChain(_ network: NetworkConfig) -> String { "net-\(Self.bridge(of: network))-nat" }
    private func forwardChain(_ network: NetworkConfig) -> String { "net-\(Self.bridge(of: network))-fwd" }

    private func quoted(_ name: String) -> String { "\"\(name)\"" }

    /// "10.88.0.5/16" → "10.88.0.5".
    private static func address(_ text: String) -> String {
        String(text.split(separator: "/", maxSplits: 1).first ?? Substring(text))
    }
}
