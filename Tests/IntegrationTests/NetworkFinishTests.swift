// Bridge networks, root (issue 12, the rest of it): a container reaching its own
// published port through a host address (hairpin), IPv6 networks, the default
// network shared by two stores without an address given twice, and the global
// --network-config-dir.
import Foundation
import Glibc
import Testing
import TestSupport

/// Each test's own nft table, so that parallel suites never flush each other's rules.
private func tableEnv() -> [String: String] {
    ["BERTH_TEST_NFT_TABLE": "berthnf" + String(UInt32.random(in: 0...UInt32.max), radix: 16)]
}

/// The host's first global address of `family` ("-4", "-6") outside berth's and
/// podman's bridges, or "".
private func hostAddress(_ family: String) -> String {
    hostCommand(["sh", "-c", "ip \(family) -o addr show scope global | grep -v -E ' (berth|bt|cni|podman)' | awk '{print $4}' | cut -d/ -f1 | head -n1"])
        .output.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// A busybox httpd serving `served by NAME` on port 80, v4 and v6.
private let httpd = ["sh", "-c", "mkdir -p /www && echo served by $(hostname) > /www/index.html && exec httpd -f -p 80 -h /www"]

/// A shell line fetching URL with busybox wget (bounded by timeout: its own -T crashes).
private func fetch(_ url: String) -> String { "busybox timeout 5 busybox wget -q -O- \(url)" }

/// `exec NAME sh -c fetch(url)`, tried until it answers (the server may still be starting).
private func fetchInside(_ sb: Sandbox, _ name: String, _ url: String, env: [String: String]) -> Sandbox.Result {
    var result = sb.berth(["exec", name, "sh", "-c", fetch(url)], env: env)
    for _ in 0..<20 where result.status != 0 {
        usleep(150_000)
        result = sb.berth(["exec", name, "sh", "-c", fetch(url)], env: env)
    }
    return result
}

@Suite(.serialized) struct NetworkFinishTests {
    @Test func a_container_reaches_its_own_published_port_through_the_hosts_address() throws {
        guard Mode.available.contains(.root) else { return }
        let sb = try sandboxWithImage(.root)
        let net = try TestNetwork.make(sb)
        let env = tableEnv(), table = env["BERTH_TEST_NFT_TABLE"]!
        defer { _ = sb.berth(["rm", "-a", "-f", "-t", "0"], env: env); net.remove(); hostCommand(["nft", "delete", "table", "inet", table]); #expect(sb.cleanup().isEmpty) }
        let port = Int.random(in: 32001...33000)
        let run = sb.berth(["run", "-d", "--name", "web", "--hostname", "web1", "--network", net.name, "-p", "\(port):80", "img"] + httpd, env: env)
        try #require(run.status == 0, "\(run)")
        #expect(sb.berth(["run", "-d", "--name", "other", "--network", net.name, "img", "sleep", "60"], env: env).status == 0)
        let address = hostAddress("-4")
        for target in [address, net.gateway] where !target.isEmpty {
            let own = fetchInside(sb, "web", "http://\(target):\(port)/", env: env)
            #expect(own.stdout == "served by web1\n", "hairpin through \(target): \(own)")
            let other = fetchInside(sb, "other", "http://\(target):\(port)/", env: env)
            #expect(other.stdout == "served by web1\n", "another container through \(target): \(other)")
        }
    }

    @Test func an_ipv6_network_gives_v6_addresses_reachable_between_containers_and_through_published_ports() throws {
        guard Mode.available.contains(.root) else { return }
        let sb = try sandboxWithImage(.root)
        let env = tableEnv(), table = env["BERTH_TEST_NFT_TABLE"]!
        let name = "nf6" + String(UInt32.random(in: 0..<0xFFFFFF), radix: 16)
        let v4 = "10.\(Int.random(in: 200...250)).\(Int.random(in: 0...255))"
        let v6 = String(format: "fd%02x:%x:%x::", Int.random(in: 16...255), Int.random(in: 1...0xFFFF), Int.random(in: 1...0xFFFF))
        defer {
            _ = sb.berth(["rm", "-a", "-f", "-t", "0"], env: env)
            _ = sb.berth(["network", "rm", "-f", name, name + "auto"], env: env)
            hostCommand(["nft", "delete", "table", "inet", table])
            #expect(sb.cleanup().isEmpty)
        }
        // --ipv6 alone: a random fdXX: /64 besides the IPv4 subnet.
        let auto = sb.berth(["network", "create", "--ipv6", name + "auto"], env: env)
        #expect(auto.status == 0, "\(auto)")
        let subnets = sb.berth(["network", "inspect", "--format", "{{range .Subnets}}{{.Subnet}} {{end}}{{.IPv6Enabled}}", name + "auto"], env: env)
        #expect(subnets.stdout.contains("::/64") && subnets.stdout.hasSuffix("true\n"), "\(subnets)")

        let made = sb.berth(["network", "create", "--ipv6", "--subnet", v4 + ".0/24", "--subnet", v6 + "/64", name], env: env)
        try #require(made.status == 0, "\(made)")
        let port = Int.random(in: 33001...34000)
        let run = sb.berth(["run", "-d", "--name", "web", "--hostname", "web6", "--network", name, "-p", "\(port):80", "img"] + httpd, env: env)
        try #require(run.status == 0, "\(run)")
        let inspect = sb.berth(["inspect", "--format", "{{.NetworkSettings.GlobalIPv6Address}}/{{.NetworkSettings.GlobalIPv6PrefixLen}}", "web"], env: env)
        #expect(inspect.stdout == v6 + "2/64\n", "inspect shows the v6 address: \(inspect)")
        #expect(sysctl("net/ipv6/conf/all/forwarding") == "1", "IPv6 forwarding is on once a v6 network is up")

        let client = sb.berth(["run", "--rm", "--network", name, "img", "sh", "-c",
                               "ip -6 -o addr show eth0 scope global; ip -6 route show default; " + fetch("http://[\(v6)2]:80/")], env: env)
        #expect(client.status == 0 && client.stdout.contains("inet6 \(v6)3/64"), "the client's v6 address: \(client)")
        #expect(client.stdout.contains("default via \(v6)1"), "its v6 default route: \(client)")
        #expect(client.stdout.hasSuffix("served by web6\n"), "reached over IPv6: \(client)")
        let byName = sb.berth(["run", "--rm", "--network", name, "img", "sh", "-c", "grep web /etc/hosts"], env: env)
        #expect(byName.stdout.contains("\(v6)2\tweb "), "the v6 address is in the members' hosts files: \(byName)")

        let hostV6 = hostAddress("-6")
        if !hostV6.isEmpty {
            let reply = fetchInside(sb, "web", "http://[\(hostV6)]:\(port)/", env: env)
            #expect(reply.stdout == "served by web6\n", "the published port over the host's v6 address (hairpin): \(reply)")
            var host = ""
            for _ in 0..<20 where host != "served by web6\n" {
                host = sb.run("/usr/bin/python3", ["-c", "import urllib.request, sys; sys.stdout.write(urllib.request.urlopen('http://[\(hostV6)]:\(port)/', timeout=2).read().decode())"],
                              asTestUser: false).stdout
                if host != "served by web6\n" { usleep(100_000) }
            }
            #expect(host == "served by web6\n", "the published port from the host over [\(hostV6)]")
        }
    }

    @Test func two_stores_share_the_default_network_without_giving_an_address_twice() throws {
        guard Mode.available.contains(.root) else { return }
        let one = try sandboxWithImage(.root), two = try sandboxWithImage(.root)
        let env = tableEnv(), table = env["BERTH_TEST_NFT_TABLE"]!
        defer {
            for sb in [one, two] { _ = sb.berth(["rm", "-a", "-f", "-t", "0"], env: env) }
            hostCommand(["nft", "delete", "table", "inet", table])
            #expect(one.cleanup().isEmpty)
            #expect(two.cleanup().isEmpty)
        }
        var addresses: [String] = []
        for index in 0..<5 {
            for (store, sb) in [("one", one), ("two", two)] {
                let run = sb.berth(["run", "-d", "--name", "c\(index)", "--hostname", "\(store)-\(index)", "img"] + httpd, env: env)
                try #require(run.status == 0, "\(run)")
                let address = sb.berth(["inspect", "--format", "{{.NetworkSettings.IPAddress}}", "c\(index)"], env: env)
                addresses.append(address.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        #expect(Set(addresses).count == 10 && !addresses.contains(""), "ten distinct addresses on berth0: \(addresses)")
        for (offset, address) in addresses.enumerated() {
            let expected = "served by \(offset % 2 == 0 ? "one" : "two")-\(offset / 2)\n"
            let reply = fetchInside(one, "c0", "http://\(address)/", env: env)
            #expect(reply.stdout == expected, "\(address) answers as its own container: \(reply)")
        }
        #expect(one.berth(["rm", "-f", "-t", "0", "c0", "c1", "c2", "c3", "c4"], env: env).status == 0)
        let held = defaultNetworkLeases().values
        #expect(!held.contains { $0.hasPrefix(one.root + "/") }, "rm freed store one's addresses: \(held)")
        #expect(held.filter { $0.hasPrefix(two.root + "/") }.count == 5, "store two's stay: \(held)")
    }

    @Test func network_config_dir_keeps_the_network_files_where_it_says() throws {
        guard Mode.available.contains(.root) else { return }
        let sb = try sandboxWithImage(.root)
        let env = tableEnv(), table = env["BERTH_TEST_NFT_TABLE"]!
        let dir = sb.path("netconf")
        let name = "nfc" + String(UInt32.random(in: 0..<0xFFFFFF), radix: 16)
        let subnet = "10.\(Int.random(in: 200...250)).\(Int.random(in: 0...255))"
        defer {
            _ = sb.berth(["--network-config-dir", dir, "rm", "-a", "-f", "-t", "0"], env: env)
            _ = sb.berth(["--network-config-dir", dir, "network", "rm", "-f", name], env: env)
            hostCommand(["nft", "delete", "table", "inet", table])
            #expect(sb.cleanup().isEmpty)
        }
        let made = sb.berth(["--network-config-dir", dir, "network", "create", "--subnet", subnet + ".0/24", name], env: env)
        try #require(made.status == 0, "\(made)")
        #expect(FileManager.default.fileExists(atPath: dir + "/\(name).json"), "the file is in --network-config-dir")
        #expect(!FileManager.default.fileExists(atPath: sb.root + "/networks/\(name).json"))
        #expect(!sb.berth(["network", "ls", "-q"], env: env).stdout.contains(name), "without the flag the store's own directory is read")
        #expect(sb.berth(["--network-config-dir", dir, "network", "ls", "--format", "{{.Name}}"], env: env).stdout.contains(name + "\n"))
        let missing = sb.berth(["run", "--rm", "--network", name, "img", "true"], env: env)
        #expect(missing.status == 125 && missing.stderr.hasPrefix("Error: "), "\(missing)")

        // A detached container's monitor and its cleanup read the same directory.
        let run = sb.berth(["--network-config-dir", dir, "run", "-d", "--name", "c", "--network", name, "img", "sleep", "1"], env: env)
        try #require(run.status == 0, "\(run)")
        let address = sb.berth(["--network-config-dir", dir, "inspect", "--format", "{{.NetworkSettings.IPAddress}}", "c"], env: env)
        #expect(address.stdout == subnet + ".2\n", "\(address)")
        #expect(sb.berth(["wait", "c"], env: env).status == 0)
        var left = leases(sb, name)
        for _ in 0..<40 where !left.isEmpty {
            usleep(100_000)
            left = leases(sb, name)
        }
        #expect(left.isEmpty, "the exit's cleanup found the network and freed the address")
    }
}

/// A /proc/sys value, first line.
private func sysctl(_ name: String) -> String {
    ((try? String(contentsOfFile: "/proc/sys/" + name, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
}
