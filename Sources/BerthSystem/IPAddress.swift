// IPv4 and IPv6 addresses and subnets as bytes, parsed from and printed as the text
// users type (inet_pton/inet_ntop), with the arithmetic networks need: containment,
// overlap, the n-th address of a subnet.
import Glibc

package struct IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// 4 bytes (IPv4) or 16 (IPv6), network order.
    package var bytes: [UInt8]

    package init(bytes: [UInt8]) { self.bytes = bytes }

    /// Dotted quad or IPv6 text; nil for anything else (a prefix, a name, "1.2.3").
    package init?(_ text: String) {
        var four = [UInt8](repeating: 0, count: 4)
        if !text.contains(":") {
            guard inet_pton(AF_INET, text, &four) == 1 else { return nil }
            bytes = four
            return
        }
        var sixteen = [UInt8](repeating: 0, count: 16)
        guard inet_pton(AF_INET6, text, &sixteen) == 1 else { return nil }
        bytes = sixteen
    }

    package var isIPv4: Bool { bytes.count == 4 }

    package var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = inet_ntop(isIPv4 ? AF_INET : AF_INET6, bytes, &buffer, socklen_t(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    package static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        lhs.bytes.count != rhs.bytes.count ? lhs.bytes.count < rhs.bytes.count : lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    /// This address plus `offset` (which may be negative); nil past either end.
    package func advanced(by offset: Int) -> IPAddress? {
        var result = bytes
        var carry = offset
        for index in result.indices.reversed() where carry != 0 {
            let sum = Int(result[index]) + carry
            result[index] = UInt8(truncatingIfNeeded: sum)
            carry = sum >> 8  // arithmetic shift: a borrow stays negative
        }
        return carry == 0 ? IPAddress(bytes: result) : nil
    }
}

package struct IPSubnet: Sendable, Hashable, CustomStringConvertible {
    /// The subnet's own address: host bits cleared.
    package var address: IPAddress
    package var prefixLength: Int

    /// "10.89.0.0/24", "fd00::/64". Host bits are cleared ("10.0.0.5/24" is 10.0.0.0/24),
    /// as podman does; nil for a bad address or a prefix longer than the address.
    package init?(cidr text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(String(parts[0])),
              let prefix = Int(parts[1]), prefix >= 0, prefix <= address.bytes.count * 8,
              parts[1].allSatisfy(\.isASCII) else { return nil }
        self.init(address: address, prefixLength: prefix)
    }

    package init(address: IPAddress, prefixLength: Int) {
        self.prefixLength = prefixLength
        self.address = IPSubnet.masked(address, prefixLength)
    }

    package var isIPv4: Bool { address.isIPv4 }
    package var description: String { "\(address)/\(prefixLength)" }

    /// The netmask's bytes: 255.255.255.0 for /24.
    package var mask: [UInt8] {
        (0..<address.bytes.count).map { index in
            let bits = min(max(prefixLength - index * 8, 0), 8)
            return bits == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
        }
    }

    package func contains(_ other: IPAddress) -> Bool {
        other.bytes.count == address.bytes.count && IPSubnet.masked(other, prefixLength) == address
    }

    /// Whether the two share an address (one contains the other's first address).
    package func overlaps(_ other: IPSubnet) -> Bool {
        guard other.isIPv4 == isIPv4 else { return false }
        return contains(other.address) || other.contains(address)
    }

    /// The last address (IPv4: the broadcast address).
    package var lastAddress: IPAddress {
        IPAddress(bytes: zip(address.bytes, mask).map { $0 | ~$1 })
    }

    private static func masked(_ address: IPAddress, _ prefix: Int) -> IPAddress {
        var bytes = address.bytes
        for index in bytes.indices {
            let bits = min(max(prefix - index * 8, 0), 8)
            bytes[index] &= bits == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
        }
        return IPAddress(bytes: bytes)
    }
}
