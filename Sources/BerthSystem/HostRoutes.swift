// The host's routes, read from /proc/net/route and /proc/net/ipv6_route: a new
// network's subnet must not overlap one the host already reaches (podman refuses
// the same), or its containers could not reach those addresses.

package struct HostRoute: Sendable, Equatable {
    package var destination: IPSubnet
    package var interface: String
}

package enum HostRoutes {
    /// The host's routes, default routes and the loopback's, link-local and multicast
    /// ones left out: they overlap every subnet, or none a user would pick.
    package static func current() -> [HostRoute] {
        ipv4() + ipv6()
    }

    private static func ipv4() -> [HostRoute] {
        guard let text = try? FileSystem.readText("/proc/net/route") else { return [] }
        var routes: [HostRoute] = []
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            guard fields.count >= 8, let destination = UInt32(fields[1], radix: 16),
                  let mask = UInt32(fields[7], radix: 16), mask != 0, fields[0] != "lo" else { continue }
            // The kernel prints the in-memory (network order) word as a host-order number.
            let address = IPAddress(bytes: withUnsafeBytes(of: destination) { Array($0) })
            let prefix = withUnsafeBytes(of: mask) { $0.reduce(0) { $0 + $1.nonzeroBitCount } }
            routes.append(HostRoute(destination: IPSubnet(address: address, prefixLength: prefix), interface: String(fields[0])))
        }
        return routes
    }

    private static func ipv6() -> [HostRoute] {
        guard let text = try? FileSystem.readText("/proc/net/ipv6_route") else { return [] }
        var routes: [HostRoute] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 10, fields[0].count == 32, let prefix = Int(fields[1], radix: 16),
                  prefix > 0, fields[9] != "lo" else { continue }
            var bytes: [UInt8] = []
            var hex = Substring(fields[0])
            while !hex.isEmpty {
                guard let byte = UInt8(hex.prefix(2), radix: 16) else { break }
                bytes.append(byte)
                hex = hex.dropFirst(2)
            }
            guard bytes.count == 16, bytes[0] != 0xFF, !(bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80) else { continue }
            routes.append(HostRoute(destination: IPSubnet(address: IPAddress(bytes: bytes), prefixLength: prefix),
                                    interface: String(fields[9])))
        }
        return routes
    }
}
