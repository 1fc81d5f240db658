// The network store (issue 12): ROOT/networks/NAME.json in podman's network config
// format, the default network `berth` (made and written on first use), and the lock
// network changes take (ROOT/networks/.lock).
import BerthImage
import BerthSystem
import FoundationEssentials

extension Engine {
    /// The default network's name; `--network bridge` means it.
    package static let defaultNetworkName = "berth"

    /// --network-config-dir, else ROOT/networks.
    package var networksDir: String { NetworkGlobals.configDir ?? store.root + "/networks" }
    func networkFile(_ name: String) -> String { networksDir + "/" + name + ".json" }

    /// The network called `name`, or whose ID starts with `name` (as podman); the
    /// default network `berth` is defined (and written) on first use.
    package func network(named name: String) throws -> NetworkConfig {
        if NetworkNames.isValid(name), let bytes = try? FileSystem.readFile(networkFile(name)) {
            return try JSONCoding.decode(NetworkConfig.self, from: bytes, location: networkFile(name))
        }
        if name == Engine.defaultNetworkName { return try defaultNetwork() }
        let byID = try networkFiles().filter { $0.id.hasPrefix(name) }
        if name.count >= 3, byID.count == 1 { return byID[0] }
        throw NetworkError.notFound(name)
    }

    /// Every network, sorted by name, the default one included (written on first use).
    package func networks() throws -> [NetworkConfig] {
        var all = try networkFiles()
        if !all.contains(where: { $0.name == Engine.defaultNetworkName }) { all.append(try defaultNetwork()) }
        return all.sorted { $0.name < $1.name }
    }

    /// The networks with a file, without making the default one.
    func networkFiles() throws -> [NetworkConfig] {
        guard FileSystem.isDirectory(networksDir) else { return [] }
        var result: [NetworkConfig] = []
        for entry in try FileSystem.list(networksDir) where entry.hasSuffix(".json") && !entry.hasPrefix(".") {
            let path = networksDir + "/" + entry
            guard let bytes = try? FileSystem.readFile(path) else { continue }  // removed meanwhile
            result.append(try JSONCoding.decode(NetworkConfig.self, from: bytes, location: path))
        }
        return result
    }

    /// Runs `body` holding ROOT/networks/.lock (create, rm, connect, disconnect).
    /// Re-entrant within this process: `network(named: "berth")` may write the default
    /// network from inside another holder, and flock on a second fd would wait forever.
    package func withNetworksLock<T>(_ body: () throws -> T) throws -> T {
        if NetworksLockDepth.value > 0 {
            NetworksLockDepth.value += 1
            defer { NetworksLockDepth.value -= 1 }
            return try body()
        }
        try FileSystem.makeDirectories(networksDir, mode: 0o755)
        let lock = try FileLock.exclusive(networksDir + "/.lock")
        NetworksLockDepth.value = 1
        defer {
            NetworksLockDepth.value = 0
            lock.unlock()
        }
        return try body()
    }

    /// Writes a network's file atomically (0644, as podman: readable by users).
    package func writeNetwork(_ config: NetworkConfig) throws {
        try FileSystem.makeDirectories(networksDir, mode: 0o755)
        try AtomicFile.write(JSONCoding.encode(config, pretty: true) + [0x0A], to: networkFile(config.name), mode: 0o644)
    }

    /// Removes a network's file; nothing when it is gone.
    package func removeNetworkFile(_ name: String) throws {
        try FileSystem.unlinkIfPresent(networkFile(name))
        AtomicFile.syncDirectory(networksDir)
    }

    /// The default network: 10.88.0.0/16 on bridge berth0, or the next free /16
    /// (10.89.0.0/16, …) when a host route or another network already has it, as podman.
    private func defaultNetwork() throws -> NetworkConfig {
        try withNetworksLock {
            if let bytes = try? FileSystem.readFile(networkFile(Engine.defaultNetworkName)) {
                return try JSONCoding.decode(NetworkConfig.self, from: bytes, location: networkFile(Engine.defaultNetworkName))
            }
            // berth0 is host-wide while network files are per store: its own routes (another
            // store's default network) are not taken, or each store would use up a /16.
            let taken = try networkFiles().flatMap { $0.subnets.compactMap { IPSubnet(cidr: $0.subnet) } }
                + HostRoutes.current().filter { $0.interface != "berth0" }.map(\.destination)
            var subnet = IPSubnet(cidr: "10.88.0.0/16")!
            while taken.contains(where: { $0.overlaps(subnet) }) {
                guard let next = subnet.lastAddress.advanced(by: 1), next.bytes[0] == 10 else {
                    throw NetworkError.invalid("no free /16 subnet in 10.0.0.0/8 for the default network \(Engine.defaultNetworkName)")
                }
                subnet = IPSubnet(address: next, prefixLength: 16)
            }
            let config = NetworkConfig(
                name: Engine.defaultNetworkName, id: Digest.of(Engine.defaultNetworkName).hex, driver: "bridge",
                networkInterface: "berth0", created: RFC3339.format(Date()),
                subnets: [NetworkSubnet(subnet: subnet.description, gateway: subnet.address.advanced(by: 1)?.description)],
                ipv6Enabled: false, internal: false, dnsEnabled: false, labels: nil, options: nil,
                ipamOptions: ["driver": "host-local"])
            try writeNetwork(config)
            return config
        }
    }

    /// The subnets a new network must not overlap: every network's and every host route's.
    /// (A route through a bridge of another store, which may have the same name, counts.)
    func takenSubnets() throws -> [IPSubnet] {
        try networkFiles().flatMap { $0.subnets.compactMap { IPSubnet(cidr: $0.subnet) } } + HostRoutes.current().map(\.destination)
    }
}

/// How deep this process is inside `withNetworksLock` (berth's engine work is
/// single-threaded; a command holds the lock on its main thread).
enum NetworksLockDepth {
    nonisolated(unsafe) static var value = 0
}

package enum NetworkNames {
    /// podman's rule for network names, the same as for volumes: [a-zA-Z0-9][a-zA-Z0-9_.-]*.
    package static func isValid(_ name: String) -> Bool { VolumeOptions.isValidName(name) }
}
