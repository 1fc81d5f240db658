// -p and --expose as podman 4.3 parses them, with its messages for bad ones; and
// the nft text a container's published ports become.
@testable import BerthEngine
import BerthImage
import Foundation
import Testing
import TestSupport

@Suite struct PortSpecTests {
    @Test func every_form_of_publish_podman_accepts() throws {
        #expect(try PortSpec.parse("8080:80") == [PortMapping(hostIP: "", hostPort: 8080, containerPort: 80, protocol: "tcp")])
        #expect(try PortSpec.parse("80") == [PortMapping(hostIP: "", hostPort: 0, containerPort: 80, protocol: "tcp")])
        #expect(try PortSpec.parse("127.0.0.1::53/udp") == [PortMapping(hostIP: "127.0.0.1", hostPort: 0, containerPort: 53, protocol: "udp")])
        #expect(try PortSpec.parse("127.0.0.1:8080:80/SCTP") == [PortMapping(hostIP: "127.0.0.1", hostPort: 8080, containerPort: 80, protocol: "sctp")])
        #expect(try PortSpec.parse("[::1]:8080:80") == [PortMapping(hostIP: "::1", hostPort: 8080, containerPort: 80, protocol: "tcp")])
        #expect(try PortSpec.parse("9000-9002:90-92/tcp,udp") == [
            PortMapping(hostIP: "", hostPort: 9000, containerPort: 90, protocol: "tcp", range: 3),
            PortMapping(hostIP: "", hostPort: 9000, containerPort: 90, protocol: "udp", range: 3),
        ])
        #expect(try PortSpec.parse(":80") == [PortMapping(hostIP: "", hostPort: 0, containerPort: 80, protocol: "tcp")])
    }

    @Test(arguments: [
        ("99999:80", "parsing host port: port numbers must be between 1 and 65535 (inclusive), got 99999"),
        ("abc", "parsing container port: invalid port number: \"abc\" is not a number"),
        ("0:80", "parsing host port: port numbers must be between 1 and 65535 (inclusive), got 0"),
        ("8080:0", "parsing container port: port numbers must be between 1 and 65535 (inclusive), got 0"),
        ("80-70:80", "parsing host port: the end port of a range must be higher than the start port - 70 is not higher than 80"),
        ("8080-8081:80-82", "host and container port ranges have different lengths: 2 vs 3"),
        ("80-", "parsing container port: must provide ending number for port range"),
        ("80/xyz", "invalid protocol \"xyz\" of a port: use tcp, udp or sctp"),
        ("1.2.3:80:80", "cannot parse \"1.2.3\" as an IP address"),
        ("1:2:3:4", "invalid port \"1:2:3:4\": too many colons; use [ip:][hostPort:]containerPort[/protocol]"),
        ("8080:", "parsing container port: invalid port number: \"8080:\" names none"),
    ])
    func a_bad_publish_is_refused_with_what_is_wrong(spec: String, message: String) throws {
        let error = try #require(throws: ContainerError.self) { try PortSpec.parse(spec) }
        #expect(error.description == message)
    }

    @Test func exposed_ports_and_ranges() throws {
        #expect(try PortSpec.parseExposed("80") == ["80/tcp"])
        #expect(try PortSpec.parseExposed("53/udp") == ["53/udp"])
        #expect(try PortSpec.parseExposed("8000-8002") == ["8000/tcp", "8001/tcp", "8002/tcp"])
        #expect(throws: ContainerError.self) { try PortSpec.parseExposed("http") }
    }

    @Test func publish_all_takes_every_exposed_port_not_published_yet() throws {
        var requests = PortRequests()
        requests.publish = ["8080:80"]
        requests.expose = ["443", "80"]
        requests.publishAll = true
        var image = ContainerConfig()
        image.ExposedPorts = ["53/udp": EmptyObject()]
        let dir = try TemporaryDirectory("netnft-ports")
        let engine = Engine(options: EngineOptions(root: dir.path("root"), runroot: dir.path("run")))
        let resolved = try engine.resolvePorts(requests, network: "bridge", image: image)
        #expect(resolved.exposed == ["53/udp", "443/tcp", "80/tcp"])
        #expect(resolved.ports.map { "\($0.containerPort)/\($0.protocol)" } == ["80/tcp", "53/udp", "443/tcp"])
        #expect(resolved.ports[0].hostPort == 8080 && resolved.ports.allSatisfy { $0.hostPort != 0 }, "\(resolved.ports)")
        var twice = PortRequests()
        twice.publish = ["8080:80", "8080:81"]
        let conflict = try #require(throws: ContainerError.self) { try engine.resolvePorts(twice, network: "bridge", image: ContainerConfig()) }
        #expect(conflict.description == "conflicting port mappings for host port 8080 (protocol tcp)")
        let host = try engine.resolvePorts(requests, network: "host", image: image)
        #expect(host.ports.isEmpty, "no ports to publish in the host's network")
    }

    @Test func a_container_gets_one_dnat_rule_a_port_in_its_own_chains() {
        let rules = FirewallRules(table: "t")
        let text = rules.addContainer(id: "abc", ipv4: "10.88.0.5/16", ipv6: nil, ports: [
            PortMapping(hostIP: "", hostPort: 8080, containerPort: 80, protocol: "tcp", range: 2),
            PortMapping(hostIP: "127.0.0.1", hostPort: 53, containerPort: 53, protocol: "udp"),
        ])
        #expect(text.contains("add rule inet t ctr-abc-pre meta nfproto ipv4 fib daddr type local tcp dport 8081 dnat ip to 10.88.0.5:81\n"))
        #expect(text.contains("add rule inet t ctr-abc-out ip daddr 127.0.0.1 udp dport 53 dnat ip to 10.88.0.5:53\n"))
        #expect(text.components(separatedBy: "dnat").count - 1 == 6)
        #expect(rules.removeContainer(id: "abc").hasSuffix("delete chain inet t ctr-abc-pre\ndelete chain inet t ctr-abc-out\n"))
    }
}
