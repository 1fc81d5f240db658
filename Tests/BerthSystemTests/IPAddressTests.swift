// Addresses and subnets as networks use them: parsing what users type, host bits
// cleared, containment and overlap across prefix lengths, arithmetic at the edges.
import BerthSystem
import Testing

@Suite struct IPAddressTests {
    @Test func parses_and_prints_both_families_and_refuses_the_rest() {
        #expect(IPAddress("10.89.0.1")?.bytes == [10, 89, 0, 1])
        #expect(IPAddress("fd00::1")?.description == "fd00::1")
        for bad in ["10.0.0", "10.0.0.256", "abc", "", "10.0.0.1/24", "1.2.3.4 "] { #expect(IPAddress(bad) == nil, "\(bad)") }
    }

    @Test func subnets_clear_host_bits_and_refuse_impossible_prefixes() {
        #expect(IPSubnet(cidr: "10.0.0.5/24")?.description == "10.0.0.0/24")
        #expect(IPSubnet(cidr: "fd00:1:2:3::9/64")?.description == "fd00:1:2:3::/64")
        for bad in ["10.0.0.0/99", "10.0.0.0/33", "10.0.0.0", "10.0.0.0/", "10.0.0.0/-1", "fd00::/129", "x/8"] {
            #expect(IPSubnet(cidr: bad) == nil, "\(bad)")
        }
    }

    @Test func containment_overlap_and_the_last_address() throws {
        let wide = try #require(IPSubnet(cidr: "10.89.0.0/16"))
        let narrow = try #require(IPSubnet(cidr: "10.89.3.0/24"))
        let other = try #require(IPSubnet(cidr: "10.90.0.0/24"))
        #expect(wide.overlaps(narrow) && narrow.overlaps(wide) && !wide.overlaps(other))
        let v6 = try #require(IPSubnet(cidr: "fd00::/8"))
        #expect(!wide.overlaps(v6), "families never overlap")
        let inside = try #require(IPAddress("10.89.3.255")), outside = try #require(IPAddress("10.89.4.0"))
        #expect(narrow.contains(inside) && !narrow.contains(outside))
        #expect(narrow.lastAddress.description == "10.89.3.255")
        #expect(narrow.mask == [255, 255, 255, 0])
    }

    @Test func arithmetic_carries_and_stops_at_the_ends() throws {
        #expect(IPAddress("10.0.0.255")?.advanced(by: 1)?.description == "10.0.1.0")
        #expect(IPAddress("10.0.1.0")?.advanced(by: -1)?.description == "10.0.0.255")
        #expect(IPAddress("255.255.255.255")?.advanced(by: 1) == nil)
        #expect(IPAddress("0.0.0.0")?.advanced(by: -1) == nil)
    }
}
