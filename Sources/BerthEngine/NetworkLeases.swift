// Addresses handed to containers on a bridge network (issue 12): RUNROOT/networks/
// NAME.leases (JSON: address → container ID), changed only under the flock of
// RUNROOT/networks/NAME.lock, so 20 parallel starts get 20 distinct addresses.
// The lock also serializes the network's one-time set-up (its bridge).
import BerthImage
import BerthSystem

extension Engine {
    var networkRunDir: String { paths.runroot + "/networks" }

    /// Runs `body` with the leases of `network` under its lock and writes them back
    /// when `body` changed them. Leases from before a reboot (the file is older than
    /// the boot: /run is not always a tmpfs) and of removed containers are dropped.
    func withLeases<T>(_ network: String, _ body: (inout [String: String]) throws -> T) throws -> T {
        // The default network's are host-wide for root (NetworkSharedLeases.swift).
        let directory = leasesDirectory(network)
        try FileSystem.makeDirectories(directory, mode: 0o755)
        if directory != networkRunDir { try FileSystem.makeDirectories(networkRunDir, mode: 0o755) }  // the bridge marker's
        let lock = try FileLock.exclusive(directory + "/" + network + ".lock")
        defer { lock.unlock() }
        let path = directory + "/" + network + ".leases"
        var leases: [String: String] = [:]
        if let bytes = try? FileSystem.readFile(path), !BootTime.predates(path) {
            leases = leasesForThisStore(try JSONCoding.decode([String: String].self, from: bytes, location: path), network: network)
        }
        let before = leases
        leases = leases.filter { leaseHolderExists($0.value) }
        let result = try body(&leases)
        if leases != before {
            try AtomicFile.write(JSONCoding.encode(leasesForFile(leases, network: network)), to: path, durable: false)
        }
        return result
    }

    /// The address for container `id` in `subnet`: the requested one (in the subnet,
    /// not the gateway, not leased to another container) or the lowest free one after
    /// the gateway, within the subnet's lease range when it has one.
    static func leaseAddress(in subnet: NetworkSubnet, requested: String?, for id: String,
                             leases: inout [String: String], network: String) throws -> IPAddress {
        guard let range = IPSubnet(cidr: subnet.subnet) else {
            throw NetworkError.invalid("network \(network) has a bad subnet \(subnet.subnet)")
        }
        let gateway = subnet.gateway.flatMap(IPAddress.init)
        if let requested {
            guard let address = IPAddress(requested), range.contains(address) else {
                throw NetworkError.invalid("requested static ip \(requested) not in any subnet on network \(network)")
            }
            guard address != gateway, address != range.address, !(range.isIPv4 && address == range.lastAddress) else {
                throw NetworkError.invalid("requested static ip \(requested) is the gateway, network or broadcast address of network \(network)")
            }
            if let holder = leases[address.description], holder != id {
                throw NetworkError.invalid("requested ip address \(requested) is already allocated to container ID \(holder)")
            }
            leases[address.description] = id
            return address
        }
        var candidate = subnet.leaseRange?.startIP.flatMap(IPAddress.init) ?? range.address.advanced(by: 1)
        let last = subnet.leaseRange?.endIP.flatMap(IPAddress.init)
            ?? (range.isIPv4 ? range.lastAddress.advanced(by: -1) : range.lastAddress)
        while let address = candidate, let last, address <= last {
            if address != gateway && leases[address.description] == nil {
                leases[address.description] = id
                return address
            }
            candidate = address.advanced(by: 1)
        }
        throw NetworkError.invalid("network \(network) has no free address left in \(subnet.subnet)")
    }
}
