// What the rootless network namespace's pasta is asked (RootlessNetns.swift): each
// published port forwarded to the same port inside (the container's DNAT rule does
// the rest), nothing else, on the namespace at its fd 3; and port sets that differ
// only in order or repetition do not restart it.
@testable import BerthEngine
import Testing

@Suite struct RootlessNetnsArgumentsTests {
    @Test func published_ports_are_forwarded_to_the_same_port_inside() throws {
        let ports = [PortMapping(hostIP: "127.0.0.1", hostPort: 8080, containerPort: 80, protocol: "tcp"),
                     PortMapping(hostIP: "", hostPort: 5300, containerPort: 53, protocol: "udp", range: 2)]
        let arguments = try Engine.rootlessPastaArguments(ports: ports, readinessPath: "/run/x/pasta.ready")
        #expect(arguments == ["-t", "127.0.0.1/8080-8080", "-u", "5300-5301", "-T", "none", "-U", "none", "--mtu", "65520",
                              "--config-net", "--no-netns-quit", "--netns", "/proc/self/fd/3", "--foreground", "--quiet",
                              "--pid", "/run/x/pasta.ready"])
        let none = try Engine.rootlessPastaArguments(ports: [], readinessPath: "p")
        #expect(Array(none.prefix(4)) == ["-t", "none", "-u", "none"])
        #expect(!none.contains("--no-map-gw"), "the gateway reaches the host's loopback")
    }

    @Test func sctp_cannot_be_published_through_pasta() {
        #expect(throws: NetworkError.self) {
            try Engine.rootlessPastaArguments(ports: [PortMapping(hostIP: "", hostPort: 9, containerPort: 9, protocol: "sctp")], readinessPath: "p")
        }
    }

    @Test func port_sets_compare_without_order_or_repeats() {
        let a = PortMapping(hostIP: "", hostPort: 81, containerPort: 80, protocol: "tcp")
        let b = PortMapping(hostIP: "127.0.0.1", hostPort: 82, containerPort: 80, protocol: "tcp")
        #expect(Engine.canonicalPorts([b, a, b]) == Engine.canonicalPorts([a, b]))
        #expect(Engine.canonicalPorts([a]) != Engine.canonicalPorts([a, b]))
    }
}
