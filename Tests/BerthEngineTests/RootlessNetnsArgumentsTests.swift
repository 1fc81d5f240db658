// What the rootless network namespace's pasta is asked (RootlessNetns.swift): no
// port forwarded (each container publishing ports has a pasta of its own), the
// host's loopback reachable through the gateway, on the namespace at its fd 3.
@testable import BerthEngine
import Testing

@Suite struct RootlessNetnsArgumentsTests {
    @Test func the_namespaces_pasta_forwards_nothing_and_holds_the_namespace_on_fd_3() {
        let arguments = Engine.rootlessPastaArguments(readinessPath: "/run/x/pasta.ready")
        #expect(arguments == ["-t", "none", "-u", "none", "-T", "none", "-U", "none", "--mtu", "65520",
                              "--config-net", "--no-netns-quit", "--netns", "/proc/self/fd/3", "--foreground", "--quiet",
                              "--pid", "/run/x/pasta.ready"])
        #expect(!arguments.contains("--no-map-gw"), "the gateway reaches the host's loopback")
    }
}
