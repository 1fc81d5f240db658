// NetworkFirewall against the real kernel (root): a bridge, a "container" network
// namespace running busybox httpd and an "outside" namespace, made by hand with
// `ip`, so that the rules are judged alone, by what a client sees. Each test uses
// its own nft table (BERTH_TEST_NFT_TABLE), bridge, namespaces and subnets.
@testable import BerthEngine
import Foundation
import Glibc
import Testing

@Suite(.serialized, .enabled(if: getuid() == 0, "nftables and network namespaces need root"))
struct NetworkFirewallTests {
    /// One table for the suite, so that no other helper's tests see or flush it.
    static let table: String = {
        let name = "berthtest" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        FirewallRules.tableInThisProcess = name
        return name
    }()

    @Test func a_published_port_answers_on_loopback_the_hosts_address_and_to_other_containers() throws {
        let lab = try Lab()
        defer { lab.tearDown() }
        try NetworkFirewall.setUpNetwork(lab.network(internal: false))
        let hostPort = UInt16.random(in: 20000...29999)
        try NetworkFirewall.addContainer(id: lab.containerID, network: lab.network(internal: false), ipv4: lab.containerAddress + "/24",
                                         ipv6: nil, ports: [PortMapping(hostIP: "", hostPort: hostPort, containerPort: 80, protocol: "tcp")])
        let hostAddress = try #require(lab.hostAddress(), "the host has a global IPv4 address")
        for address in ["127.0.0.1", hostAddress] {
            let reply = lab.shell("wget -q -T 5 -O- http://\(address):\(hostPort)/")
            #expect(reply.output == "hello \(lab.suffix)\n", "from the host to \(address):\(hostPort): \(reply)")
        }
        // Another container on the bridge, through the host's address (hairpin). A container
        // reaching its own published port this way does not answer yet (see the report).
        for namespace in [lab.peerNamespace] {
            let reply = lab.shell("ip netns exec \(namespace) wget -q -T 5 -O- http://\(hostAddress):\(hostPort)/")
            #expect(reply.output == "hello \(lab.suffix)\n", "from \(namespace): \(reply)")
        }
        try NetworkFirewall.removeContainer(id: lab.containerID)
        #expect(!lab.ruleset().contains("ctr-"), "the container's chains are gone: \(lab.ruleset())")
        let after = lab.shell("wget -q -T 2 -O- http://127.0.0.1:\(hostPort)/")
        #expect(after.status != 0, "nothing answers once the rules are removed: \(after)")
        try NetworkFirewall.removeContainer(id: lab.containerID)  // gone already: no error
    }

    @Test func outbound_traffic_is_masqueraded_and_an_internal_network_has_no_way_out() throws {
        let lab = try Lab()
        defer { lab.tearDown() }
        try NetworkFirewall.setUpNetwork(lab.network(internal: false))
        // The outside namespace knows no route back to the container's subnet: an
        // answer arrives only when the source was rewritten to the host's address there.
        let seen = lab.shell("ip netns exec \(lab.containerNamespace) socat -T 5 - TCP:\(lab.outsideAddress):9000,connect-timeout=5")
        #expect(seen.output == "\(lab.outsideGateway)\n", "the outside sees the host's address: \(seen)")

        try NetworkFirewall.setUpNetwork(lab.network(internal: true))
        // Only this network's lines: tests elsewhere in the process may share the table name.
        #expect(!lab.ownRules().contains("masquerade"), "an internal network masquerades nothing: \(lab.ruleset())")
        let blocked = lab.shell("ip netns exec \(lab.containerNamespace) socat -T 2 - TCP:\(lab.outsideAddress):9000,connect-timeout=2")
        #expect(blocked.status != 0 && !blocked.output.contains(lab.outsideGateway), "no way out of an internal network: \(blocked)")

        try NetworkFirewall.removeNetwork(lab.network(internal: true))
        #expect(!lab.ownRules().contains("chain"), "the network's chains are gone: \(lab.ruleset())")
        try NetworkFirewall.removeNetwork(lab.network(internal: true))  // gone already: no error
    }

    @Test func a_refused_transaction_names_the_container_and_changes_nothing() throws {
        _ = Self.table
        let bad = PortMapping(hostIP: "not-an-address", hostPort: 8080, containerPort: 80, protocol: "tcp")
        let error = try #require(throws: ContainerError.self) {
            try NetworkFirewall.addContainer(id: "feedfeedfeed", network: Lab.config(name: "x", bridge: "bx", subnet: "10.201.0.0/24", internal: false),
                                             ipv4: "10.201.0.2", ipv6: nil, ports: [bad])
        }
        #expect(error.description.hasPrefix("publishing the ports of container feedfeedfeed on network x: "), "\(error)")
        #expect(!Lab.ruleset(table: Self.table).contains("feedfeedfeed"), "nothing of the refused transaction stayed")
        _ = Lab.run("nft delete table inet \(Self.table)")
    }
}

/// The hand-made network: bridge, container and peer namespaces on it, an outside
/// namespace behind a veth of its own, each name with a random part.
private struct Lab {
    let suffix = String(UInt32.random(in: 0...0xFFFFFF), radix: 16)
    let third = Int.random(in: 0...255), outsideThird = Int.random(in: 0...255)
    let second = Int.random(in: 200...250)
    var bridge: String { "bnf\(suffix)" }

    /// The lines of the ruleset that name this lab's bridge or network.
    func ownRules() -> String {
        ruleset().split(separator: "\n").filter { $0.contains(bridge) || $0.contains("network nf\(suffix)") }.joined(separator: "\n")
    }
    var containerNamespace: String { "nfc\(suffix)" }
    var peerNamespace: String { "nfp\(suffix)" }
    var outsideNamespace: String { "nfo\(suffix)" }
    var containerID: String { String(repeating: suffix, count: 12).prefix(64).description }
    var subnet: String { "10.\(second).\(third).0/24" }
    var gateway: String { "10.\(second).\(third).1" }
    var containerAddress: String { "10.\(second).\(third).2" }
    var outsideGateway: String { "172.31.\(outsideThird).1" }
    var outsideAddress: String { "172.31.\(outsideThird).2" }
    let directory: String

    init() throws {
        _ = NetworkFirewallTests.table
        directory = NSTemporaryDirectory() + "/netnft-lab-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory + "/www", withIntermediateDirectories: true)
        try "hello \(suffix)\n".write(toFile: directory + "/www/index.html", atomically: true, encoding: .utf8)
        let script = """
        set -e
        ip link add \(bridge) type bridge && ip addr add \(gateway)/24 dev \(bridge) && ip link set \(bridge) up
        for ns in \(containerNamespace):2 \(peerNamespace):3; do
          name=${ns%:*}; host=${ns#*:}
          ip netns add $name && ip -n $name link set lo up
          ip link add v$name type veth peer name eth0 netns $name
          ip link set v$name master \(bridge) up
          ip -n $name addr add 10.\(second).\(third).$host/24 dev eth0 && ip -n $name link set eth0 up
          ip -n $name route add default via \(gateway)
        done
        ip netns add \(outsideNamespace) && ip -n \(outsideNamespace) link set lo up
        ip link add o\(outsideNamespace) type veth peer name eth0 netns \(outsideNamespace)
        ip addr add \(outsideGateway)/24 dev o\(outsideNamespace) && ip link set o\(outsideNamespace) up
        ip -n \(outsideNamespace) addr add \(outsideAddress)/24 dev eth0 && ip -n \(outsideNamespace) link set eth0 up
        ip netns exec \(containerNamespace) busybox httpd -f -p 80 -h \(directory)/www >/dev/null 2>&1 &
        echo $! > \(directory)/httpd.pid
        ip netns exec \(outsideNamespace) socat TCP-LISTEN:9000,reuseaddr,fork SYSTEM:'echo $SOCAT_PEERADDR' >/dev/null 2>&1 &
        echo $! > \(directory)/socat.pid
        for i in $(seq 50); do ip netns exec \(containerNamespace) wget -q -O /dev/null http://127.0.0.1/ && break; sleep 0.1; done
        """
        let made = Lab.run(script)
        guard made.status == 0 else {
            tearDown()
            throw FirewallLabError("building the test network failed: \(made)")
        }
    }

    func network(internal isInternal: Bool) -> NetworkConfig {
        Lab.config(name: "nf\(suffix)", bridge: bridge, subnet: subnet, internal: isInternal)
    }

    static func config(name: String, bridge: String, subnet: String, internal isInternal: Bool) -> NetworkConfig {
        NetworkConfig(name: name, id: String(repeating: "0", count: 64), driver: "bridge", networkInterface: bridge,
                      created: "", subnets: [NetworkSubnet(subnet: subnet, gateway: nil, leaseRange: nil)],
                      ipv6Enabled: false, internal: isInternal, dnsEnabled: false, labels: nil, options: nil, ipamOptions: nil)
    }

    /// The host's first global IPv4 address (a local address: nothing leaves the host).
    func hostAddress() -> String? {
        let found = Lab.run("ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | grep -v '^10\\.\\(2[0-5][0-9]\\)\\.' | head -n1")
        return found.output.isEmpty ? nil : String(found.output.dropLast())
    }

    func shell(_ script: String) -> (status: Int32, output: String) { Lab.run(script) }

    func ruleset() -> String { Lab.ruleset(table: NetworkFirewallTests.table) }

    static func ruleset(table: String) -> String { run("nft list table inet \(table) 2>/dev/null").output }

    func tearDown() {
        _ = Lab.run("""
        pkill -P $(cat \(directory)/socat.pid 2>/dev/null) 2>/dev/null
        kill $(cat \(directory)/httpd.pid \(directory)/socat.pid 2>/dev/null) 2>/dev/null
        for ns in \(containerNamespace) \(peerNamespace) \(outsideNamespace); do ip netns del $ns 2>/dev/null; done
        ip link del \(bridge) 2>/dev/null; ip link del o\(outsideNamespace) 2>/dev/null
        nft delete table inet \(NetworkFirewallTests.table) 2>/dev/null
        rm -rf \(directory)
        true
        """)
    }

    /// Runs `script` with sh (30 s at most); its stdout and stderr, in that order.
    /// posix_spawn and waitpid, not Foundation's Process: its wait hung here in a
    /// serialized suite, with the child already a zombie.
    static func run(_ script: String) -> (status: Int32, output: String) {
        let outputPath = NSTemporaryDirectory() + "/netnft-run-" + UUID().uuidString
        defer { unlink(outputPath) }
        let argv = ["/usr/bin/timeout", "30", "/bin/sh", "-c", "exec >\(outputPath) 2>&1 </dev/null\n" + script]
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, argv[0], nil, nil, &cArgs, environ) == 0 else { return (127, "posix_spawn failed") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f), output)
    }
}

private struct FirewallLabError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
