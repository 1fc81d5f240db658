// The shapes networks share (issue 12): a network's config file, what a container
// asked of a network at create, a published port, and what its start set up.

/// One network as stored in ROOT/networks/NAME.json: podman's (netavark's) network
/// config format, so `network inspect` prints what podman prints and a user can read
/// the file. The default network `berth` has no file until it is first used.
package struct NetworkConfig: Codable, Sendable, Equatable {
    package var name: String
    /// 64 hex digits.
    package var id: String
    /// "bridge" (the only driver berth has).
    package var driver: String
    /// The bridge's name on the host: "berth0" for the default network, "berthN" for others.
    package var networkInterface: String?
    /// RFC 3339 with nanoseconds, as podman writes it.
    package var created: String
    package var subnets: [NetworkSubnet]
    package var ipv6Enabled: Bool
    package var `internal`: Bool
    package var dnsEnabled: Bool
    package var labels: [String: String]?
    /// "mtu", "isolate", … as `network create --opt` gave them.
    package var options: [String: String]?
    /// {"driver": "host-local"}, as podman.
    package var ipamOptions: [String: String]?

    enum CodingKeys: String, CodingKey {
        case name, id, driver, created, subnets, labels, options
        case networkInterface = "network_interface"
        case ipv6Enabled = "ipv6_enabled"
        case `internal`
        case dnsEnabled = "dns_enabled"
        case ipamOptions = "ipam_options"
    }
}

package struct NetworkSubnet: Codable, Sendable, Equatable {
    /// CIDR: "10.88.0.0/16".
    package var subnet: String
    package var gateway: String?
    package var leaseRange: LeaseRange?

    package struct LeaseRange: Codable, Sendable, Equatable {
        package var startIP: String?
        package var endIP: String?
        enum CodingKeys: String, CodingKey { case startIP = "start_ip", endIP = "end_ip" }
    }

    enum CodingKeys: String, CodingKey { case subnet, gateway, leaseRange = "lease_range" }
}

/// What a container asked of one network at create (`--network NAME[:alias=…,ip=…]`,
/// `--network-alias`, `--ip`, `--mac-address`, `network connect`).
package struct NetworkRequest: Codable, Sendable, Equatable {
    package var name: String
    package var aliases: [String] = []
    package var ipv4: String? = nil
    package var ipv6: String? = nil
    package var mac: String? = nil
    /// The interface name inside the container; nil: eth0, eth1, … in order.
    package var interface: String? = nil
}

/// One `-p` mapping as podman stores it (a range of `range` consecutive ports).
package struct PortMapping: Codable, Sendable, Equatable {
    /// "" for every host address.
    package var hostIP: String
    package var hostPort: UInt16
    package var containerPort: UInt16
    /// "tcp", "udp" or "sctp".
    package var `protocol`: String
    package var range: UInt16 = 1
}

/// What a container's start set up, in RUNROOT/containers/ID/network.json: written
/// by attachNetworks, read by inspect, port, exec and detachNetworks, removed at
/// detach.
package struct NetworkStatus: Codable, Sendable, Equatable {
    /// Network name → the container's interface on it.
    package var interfaces: [String: InterfaceStatus] = [:]
    /// The ports published for this run (host ports chosen for `-p 80` filled in).
    package var ports: [PortMapping] = []
    /// pasta's or slirp4netns's pid (rootless), which lives as long as the container.
    package var helperPID: Int32? = nil
    package var helperStartTime: UInt64? = nil
    /// True for a rootless container on bridge networks: its interfaces are in the
    /// rootless network namespace (RootlessNetns.swift).
    package var rootlessNetns: Bool? = nil

    package struct InterfaceStatus: Codable, Sendable, Equatable {
        package var interface: String
        /// With prefix: "10.88.0.5/16".
        package var ipv4: String?
        package var ipv6: String?
        package var gateway: String?
        package var gateway6: String?
        package var mac: String
        /// The host end of the veth pair (root bridge networks).
        package var hostVeth: String?
        package var aliases: [String] = []
    }
}
