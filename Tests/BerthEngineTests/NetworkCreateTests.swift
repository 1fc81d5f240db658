// `network create`'s checks before anything is written, the subnet podman would pick,
// and the per-container etc files the DNS flags shape. Pure logic, no network made.
@testable import BerthEngine
import BerthSystem
import Testing

@Suite struct NetworkCreateTests {
    private static func refusal(_ change: (inout NetworkCreateOptions) -> Void) -> String {
        var options = NetworkCreateOptions()
        change(&options)
        do {
            _ = try Engine.parseSubnets(options)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    @Test func bad_subnets_gateways_and_ranges_are_refused_by_name() {
        #expect(Self.refusal { $0.subnets = ["10.0.0.0/99"] } == "invalid CIDR address: 10.0.0.0/99")
        #expect(Self.refusal { $0.subnets = ["10.210.0.0/24"]; $0.gateways = ["10.211.0.1"] } == "gateway 10.211.0.1 not in subnet 10.210.0.0/24")
        #expect(Self.refusal { $0.subnets = ["10.210.0.0/24"]; $0.gateways = ["10.210.0.255"] } == "gateway 10.210.0.255 not in subnet 10.210.0.0/24")
        #expect(Self.refusal { $0.gateways = ["10.0.0.1"] } == "cannot set more gateways than subnets")
        #expect(Self.refusal { $0.subnets = ["10.210.0.0/24"]; $0.ipRanges = ["10.211.0.0/25"] }.contains("not in subnet 10.210.0.0/24"))
        #expect(Self.refusal { $0.subnets = ["10.210.0.0/24", "10.210.0.128/25"] }.contains("overlaps"))
        #expect(Self.refusal { $0.subnets = ["10.210.0.0/32"] }.contains("too small"))
        #expect(Self.refusal { $0.subnets = ["10.210.0.0/24"] } == "accepted")
    }

    @Test func gateway_defaults_to_the_first_address_and_a_range_leaves_out_the_network_address() throws {
        var options = NetworkCreateOptions()
        options.subnets = ["10.210.0.0/24", "fd00:1::/64"]
        options.ipRanges = ["10.210.0.0/25"]
        let subnets = try Engine.parseSubnets(options)
        #expect(subnets[0].gateway == "10.210.0.1" && subnets[1].gateway == "fd00:1::1")
        #expect(subnets[0].leaseRange?.startIP == "10.210.0.1" && subnets[0].leaseRange?.endIP == "10.210.0.127")
    }

    @Test func the_free_subnet_is_the_first_24_no_network_or_route_overlaps() throws {
        let taken = ["10.89.0.0/24", "10.89.1.0/25", "10.88.0.0/16"].compactMap { IPSubnet(cidr: $0) }
        #expect(try Engine.freeIPv4Subnet(taken: taken).subnet == "10.89.2.0/24")
        #expect(try Engine.freeIPv4Subnet(taken: [IPSubnet(cidr: "10.89.0.0/16")!]).subnet == "10.90.0.0/24")
        let v6 = try Engine.freeIPv6Subnet(taken: [])
        #expect(v6.subnet.hasPrefix("fd") && v6.subnet.hasSuffix("::/64"))
    }

    @Test func bridge_options_are_checked_as_podman_checks_them() {
        #expect(throws: NetworkError.self) { try Engine.checkBridgeOptions(["foo": "bar"]) }
        #expect(throws: NetworkError.self) { try Engine.checkBridgeOptions(["mtu": "abc"]) }
        #expect(throws: NetworkError.self) { try Engine.checkBridgeOptions(["vlan": "5000"]) }
        #expect(throws: Never.self) { try Engine.checkBridgeOptions(["mtu": "1400", "isolate": "true", "vlan": "3"]) }
    }
}
