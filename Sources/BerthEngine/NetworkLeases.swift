// Addresses handed to containers on a bridge network (issue 12): RUNROOT/networks/
// NAME.leases (JSON: address → container ID, and per subnet the address handed out
// last), changed only under the flock of RUNROOT/networks/NAME.lock, so 20 parallel
// starts get 20 distinct addresses. The lock also serializes the network's one-time
// set-up (its bridge).
//
// Addresses are handed out round-robin from the last one, as netavark does: a
// just-freed address is taken again only when the range wraps, because the exited
// container's veth, still holding it, is deleted by a detached child some 25 ms later
// (BridgeAttachment.detachBridge), and the kernel's neighbour entries for it may
// outlive the container too.
import BerthImage
import BerthSystem

/// A network's leases as its file keeps them.
struct NetworkLeases: Equatable {
    /// Address → container ID (for the default network's host-wide file, another
    /// store's container by directory: NetworkSharedLeases.swift).
    var addresses: [String: String] = [:]
    /// Subnet (CIDR) → the address handed out last in it: the next search starts after it.
    var lastHandedOut: [String: String] = [:]

    /// In the file a subnet's last address sits beside the leases under this prefix
    /// and the subnet (no address has a space), so the file stays one flat object.
    static let lastKeyPrefix = "last "

    init(addresses: [String: String] = [:], lastHandedOut: [String: String] = [:]) {
        self.addresses = addresses
        self.lastHandedOut = lastHandedOut
    }

    init(file: [String: String]) {
        for (key, value) in file {
            if key.hasPrefix(Self.lastKeyPrefix) {
                lastHandedOut[String(key.dropFirst(Self.lastKeyPrefix.count))] = value
            } else {
                addresses[key] = value
            }
        }
    }

    var file: [String: String] {
        var result = addresses
        for (subnet, address) in lastHandedOut { result[Self.lastKeyPrefix + subnet] = address }
        return result
    }
}

extension Engine {
    var networkRunDir: String { paths.runroot + "/networks" }

    /// Runs `body` with the leases of `network` under its lock and writes them back
    /// when `body` changed them. Leases from before a reboot (the file is older than
    /// the boot: /run is not always a tmpfs) and of removed containers are dropped.
    func withLeases<T>(_ network: String, _ body: (inout NetworkLeases) throws -> T) throws -> T {
        // The default network's are host-wide for root (NetworkSharedLeases.swift).
        let directory = leasesDirectory(network)
        try FileSystem.makeDirectories(directory, mode: 0o755)
        if directory != networkRunDir { try FileSystem.makeDirectories(networkRunDir, mode: 0o755) }  // the bridge marker's
        let lock = try FileLock.exclusive(directory + "/" + network + ".lock")
        defer { lock.unlock() }
        let path = directory + "/" + network + ".leases"
        var leases = NetworkLeases()
        if let bytes = try? FileSystem.readFile(path), !BootTime.predates(path) {
            leases = NetworkLeases(file: try JSONCoding.decode([String: String].self, from: bytes, location: path))
            leases.addresses = leasesForThisStore(leases.addresses, network: network)
        }
        let before = leases
        leases.addresses = leases.addresses.filter { leaseHolderExists($0.value) }
        let result = try body(&leases)
        if leases != before {
            var stored = leases
            stored.addresses = leasesForFile(leases.addresses, network: network)
            try AtomicFile.write(JSONCoding.encode(stored.file), to: path, durable: false)
        }
        return result
    }

    /// The address for container `id` in `subnet`: the requested one (in the subnet,
    /// not the gateway, not leased to another container) or the first free one after
    /// the address handed out last in the subnet, wrapping to the first after the
    /// gateway at the end of the range (the subnet's lease range when it has one).
    static func leaseAddress(in subnet: NetworkSubnet, requested: String?, for id: String,
                             leases: inout NetworkLeases, network: String) throws -> IPAddress {
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
            if let holder = leases.addresses[address.description], holder != id {
                throw NetworkError.invalid("requested ip address \(requested) is already allocated to container ID \(holder)")
            }
            leases.addresses[address.description] = id
            return address
        }
        let noneLeft = NetworkError.invalid("network \(network) has no free address left in \(subnet.subnet)")
        guard let first = subnet.leaseRange?.startIP.flatMap(IPAddress.init) ?? range.address.advanced(by: 1),
              let last = subnet.leaseRange?.endIP.flatMap(IPAddress.init)
                ?? (range.isIPv4 ? range.lastAddress.advanced(by: -1) : range.lastAddress),
              first <= last else { throw noneLeft }
        var start = first
        if let previous = leases.lastHandedOut[subnet.subnet].flatMap(IPAddress.init), first <= previous, previous < last,
           let next = previous.advanced(by: 1) {
            start = next
        }
        let isFree = { (address: IPAddress) in address != gateway && leases.addresses[address.description] == nil }
        var found = firstAddress(from: start, through: last, where: isFree)
        if found == nil, first < start, let end = start.advanced(by: -1) {
            found = firstAddress(from: first, through: end, where: isFree)
        }
        guard let address = found else { throw noneLeft }
        leases.addresses[address.description] = id
        leases.lastHandedOut[subnet.subnet] = address.description
        return address
    }

    /// The first address from `start` through `end` (inclusive) that `accepts`.
    private static func firstAddress(from start: IPAddress, through end: IPAddress, where accepts: (IPAddress) -> Bool) -> IPAddress? {
        var candidate: IPAddress? = start
        while let address = candidate, address <= end {
            if accepts(address) { return address }
            candidate = address.advanced(by: 1)
        }
        return nil
    }
}
