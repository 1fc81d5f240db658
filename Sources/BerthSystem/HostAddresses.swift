// The host's own IPv4 addresses by interface (getifaddrs): where a rootless
// container's /etc/hosts points host.containers.internal.
import Glibc

package struct HostInterfaceAddress: Sendable, Equatable {
    package var interface: String
    package var address: IPAddress
}

package enum HostAddresses {
    /// Every IPv4 address of an interface that is up, loopback ones left out, in the
    /// kernel's order.
    package static func ipv4() -> [HostInterfaceAddress] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var result: [HostInterfaceAddress] = []
        var entry: UnsafeMutablePointer<ifaddrs>? = first
        while let current = entry?.pointee {
            defer { entry = current.ifa_next }
            guard let socketAddress = current.ifa_addr, socketAddress.pointee.sa_family == sa_family_t(AF_INET),
                  current.ifa_flags & UInt32(IFF_UP) != 0, current.ifa_flags & UInt32(IFF_LOOPBACK) == 0 else { continue }
            let bytes = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
            }
            result.append(HostInterfaceAddress(interface: String(cString: current.ifa_name), address: IPAddress(bytes: bytes)))
        }
        return result
    }
}

extension HostAddresses {
    /// The IPv4 default route's interface and gateway (/proc/net/route); nil without one.
    package static func defaultRoute() -> (interface: String, gateway: IPAddress?)? {
        guard let text = try? FileSystem.readText("/proc/net/route") else { return nil }
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            guard fields.count >= 8, fields[1] == "00000000", fields[7] == "00000000",
                  let gateway = UInt32(fields[2], radix: 16) else { continue }
            // The kernel prints the in-memory (network order) word as a host-order number.
            let address = IPAddress(bytes: withUnsafeBytes(of: gateway) { Array($0) })
            return (String(fields[0]), gateway == 0 ? nil : address)
        }
        return nil
    }
}
