// The order addresses are handed out in (NetworkLeases.swift): round-robin from the
// last one, as netavark does, so a just-freed address (its veth still being deleted)
// is taken again only when the range wraps; a lease range and the gateway are kept
// out, and the file keeps the last address beside the leases.
@testable import BerthEngine
import Testing

@Suite struct NetworkLeaseOrderTests {
    private let subnet = NetworkSubnet(subnet: "10.231.7.0/29", gateway: "10.231.7.1", leaseRange: nil)

    private func lease(_ id: String, _ leases: inout NetworkLeases, in subnet: NetworkSubnet? = nil) throws -> String {
        try Engine.leaseAddress(in: subnet ?? self.subnet, requested: nil, for: id, leases: &leases, network: "n").description
    }

    @Test func a_freed_address_is_handed_out_again_only_when_the_range_wraps() throws {
        var leases = NetworkLeases()
        #expect(try lease("a", &leases) == "10.231.7.2")
        leases.addresses["10.231.7.2"] = nil  // a exited
        #expect(try lease("b", &leases) == "10.231.7.3", "not the address a freed a moment ago")
        #expect(try lease("c", &leases) == "10.231.7.4")
        #expect(try lease("d", &leases) == "10.231.7.5")
        #expect(try lease("e", &leases) == "10.231.7.6")
        // The end of the range (.7 is the broadcast): back to the first free after the gateway.
        #expect(try lease("f", &leases) == "10.231.7.2")
        #expect(throws: NetworkError.self) { try lease("g", &leases) }
        leases.addresses["10.231.7.4"] = nil
        #expect(try lease("h", &leases) == "10.231.7.4", "the only free one, found by wrapping")
    }

    @Test func a_lease_range_bounds_the_round_robin_and_a_stale_last_address_is_ignored() throws {
        let ranged = NetworkSubnet(subnet: "10.231.8.0/24", gateway: "10.231.8.1",
                                   leaseRange: NetworkSubnet.LeaseRange(startIP: "10.231.8.10", endIP: "10.231.8.11"))
        var leases = NetworkLeases(lastHandedOut: [ranged.subnet: "10.231.8.200"])
        #expect(try lease("a", &leases, in: ranged) == "10.231.8.10", "a last address outside the range starts at its beginning")
        #expect(try lease("b", &leases, in: ranged) == "10.231.8.11")
        leases.addresses["10.231.8.10"] = nil
        #expect(try lease("c", &leases, in: ranged) == "10.231.8.10")
    }

    @Test func the_file_keeps_the_last_address_beside_the_leases() {
        let leases = NetworkLeases(addresses: ["10.231.7.3": "abc"], lastHandedOut: ["10.231.7.0/29": "10.231.7.3"])
        #expect(leases.file == ["10.231.7.3": "abc", "last 10.231.7.0/29": "10.231.7.3"])
        #expect(NetworkLeases(file: leases.file) == leases)
    }
}
