// A container's /etc/hosts and /etc/resolv.conf as the DNS flags and its networks
// shape them: podman's rules for loopback servers, the fallback and the overrides.
import Testing

@testable import BerthEngine

private func record(network: String = "bridge", _ change: (inout ContainerRecord) -> Void = { _ in }) -> ContainerRecord {
    var record = ContainerRecord(
        id: String(repeating: "ab", count: 32), name: "web", imageID: "aa11", imageName: "img", layers: [], created: 0, path: "true",
        args: [], entrypoint: [], cmd: ["true"], env: [], workingDir: "/", user: "", hostname: "box", mounts: [], readOnly: false,
        privileged: false, capAdd: [], capDrop: [], seccomp: nil, noNewPrivileges: false, useInit: false, network: network,
        tty: false, interactive: false, autoRemove: false, ulimits: [], userns: "", labels: [:], stopSignal: "SIGTERM",
        isRootless: false)
    change(&record)
    return record
}

@Suite struct EtcFilesTests {
    private let host = "# generated\nsearch corp.example\nnameserver 127.0.0.53\nnameserver 192.0.2.53\noptions edns0\n"

    @Test func resolv_conf_drops_loopback_servers_unless_the_host_network_is_shared() {
        #expect(EtcFiles.resolvConf(record(), host: host) == "search corp.example\nnameserver 192.0.2.53\noptions edns0\n")
        #expect(EtcFiles.resolvConf(record(network: "host"), host: host).contains("nameserver 127.0.0.53\n"))
        #expect(EtcFiles.resolvConf(record(), host: "nameserver 127.0.0.1\nnameserver ::1\n") == "nameserver 8.8.8.8\nnameserver 8.8.4.4\n",
                "podman's fallback when only loopback servers are left")
    }

    @Test func dns_flags_replace_what_the_host_has() {
        let custom = record {
            $0.dnsServers = ["192.0.2.1"]
            $0.dnsSearch = ["a.example", "b.example"]
            $0.dnsOptions = ["ndots:2", "timeout:1"]
        }
        #expect(EtcFiles.resolvConf(custom, host: host) == "search a.example b.example\nnameserver 192.0.2.1\noptions ndots:2 timeout:1\n")
        #expect(!EtcFiles.resolvConf(record { $0.dnsSearch = ["."] }, host: host).contains("search"), "--dns-search . clears it")
    }

    @Test func hosts_lists_added_hosts_the_gateway_the_container_and_its_peers() {
        let status = NetworkStatus(interfaces: ["net": .init(interface: "eth0", ipv4: "10.210.0.2/24", gateway: "10.210.0.1", mac: "aa")])
        let text = EtcFiles.hosts(record { $0.addHosts = ["db:192.0.2.9", "v6:fd00::9"] }, status: status,
                                  peers: [HostsEntry(address: "10.210.0.3", names: ["api", "0123456789ab", "alias1"])])
        #expect(text == """
            127.0.0.1\tlocalhost localhost.localdomain
            ::1\tlocalhost localhost.localdomain
            192.0.2.9\tdb
            fd00::9\tv6
            10.210.0.1\thost.containers.internal
            10.210.0.2\tbox web
            10.210.0.3\tapi 0123456789ab alias1

            """)
        #expect(EtcFiles.hosts(record(), status: nil, peers: []).hasSuffix("127.0.1.1\tbox web\n"), "no network of its own")
    }

    @Test func add_host_and_dns_values_are_checked_at_create() {
        #expect(throws: ContainerError.self) { try Engine.validateEtcFlags(noHosts: false, addHosts: ["nocolon"], dnsServers: []) }
        #expect(throws: ContainerError.self) { try Engine.validateEtcFlags(noHosts: false, addHosts: ["h:not-an-ip"], dnsServers: []) }
        #expect(throws: ContainerError.self) { try Engine.validateEtcFlags(noHosts: true, addHosts: ["h:1.2.3.4"], dnsServers: []) }
        #expect(throws: ContainerError.self) { try Engine.validateEtcFlags(noHosts: false, addHosts: [], dnsServers: ["8.8.8"]) }
        #expect(throws: Never.self) { try Engine.validateEtcFlags(noHosts: false, addHosts: ["h:::1"], dnsServers: ["none"]) }
    }
}
