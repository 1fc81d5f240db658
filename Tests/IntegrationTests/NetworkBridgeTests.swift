// Root bridge networks (issue 12, netcore): containers on one network reach each
// other by address, --ip/--mac-address are honoured, 20 parallel starts get 20
// distinct addresses, and stop/rm leave no veth and no lease. Bridge networks are
// root's: a rootless `--network NAME` is refused clearly (rootless runs use pasta).
import Foundation
import Synchronization
import Testing
import TestSupport

@Suite(.serialized) struct NetworkBridgeTests {
    @Test func two_containers_on_a_network_reach_each_other_by_address() throws {
        guard Mode.available.contains(.root) else { return }
        let sb = try sandboxWithImage(.root)
        let net = try TestNetwork.make(sb)
        defer { net.remove(); #expect(sb.cleanup().isEmpty) }
        let server = sb.berth("run", "-d", "--name", "web", "--network", net.name, "--ip", net.prefix + ".10",
                              "--mac-address", "92:d0:c6:0a:29:33", "img", "sh", "-c",
                              "mkdir /www && echo hello-from-web > /www/index.html && exec busybox httpd -f -p 80 -h /www")
        #expect(server.status == 0, "\(server)")
        let id = server.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let veths = hostVeths(sb, id)
        #expect(veths.count == 1 && veths.allSatisfy(hostLinkExists), "the host end exists while it runs: \(veths)")

        let shown = sb.berth("exec", "web", "ip", "-o", "addr", "show", "eth0")
        #expect(shown.stdout.contains("inet \(net.prefix).10/24"), "\(shown)")
        let link = sb.berth("exec", "web", "cat", "/sys/class/net/eth0/address")
        #expect(link.stdout == "92:d0:c6:0a:29:33\n", "\(link)")

        let client = sb.berth("run", "--rm", "--network", net.name, "img", "sh", "-c",
                              "ip -o -4 addr show eth0; ip route; busybox wget -q -O - http://\(net.prefix).10/")
        #expect(client.status == 0, "\(client)")
        #expect(client.stdout.contains("inet \(net.prefix).2/24"), "the lowest free address after the gateway: \(client)")
        #expect(client.stdout.contains("default via \(net.gateway) dev eth0"), "\(client)")
        #expect(client.stdout.hasSuffix("hello-from-web\n"), "\(client)")
        #expect(leases(sb, net.name) == [net.prefix + ".10": id], "the client's lease is freed at its exit")

        #expect(sb.berth("rm", "-f", "-t", "0", "web").status == 0)
        #expect(hostLinksVanish(veths), "rm removes the veth")
        #expect(leases(sb, net.name).isEmpty, "rm frees the address")
    }

    @Test func a_taken_or_foreign_address_is_refused_and_leaves_nothing() throws {
        guard Mode.available.contains(.root) else { return }
        let sb = try sandboxWithImage(.root)
        let net = try TestNetwork.make(sb)
        defer { net.remove(); #expect(sb.cleanup().isEmpty) }
        let first = sb.berth("run", "-d", "--name", "a", "--network", net.name, "--ip", net.prefix + ".20", "img", "sleep", "100")
        #expect(first.status == 0, "\(first)")
        let taken = sb.berth("run", "--rm", "--network", net.name, "--ip", net.prefix + ".20", "img", "true")
        #expect(taken.status == 125 && taken.stderr.contains("Error: requested ip address \(net.prefix).20 is already allocated"), "\(taken)")
        let foreign = sb.berth("run", "--rm", "--network", net.name, "--ip", "192.0.2.7", "img", "true")
        #expect(foreign.status == 125 && foreign.stderr.contains("not in any subnet on network \(net.name)"), "\(foreign)")
        let badMAC = sb.berth("run", "--rm", "--network", net.name, "--mac-address", "zz", "img", "true")
        #expect(badMAC.status == 125 && badMAC.stderr.contains("invalid MAC address zz"), "\(badMAC)")
        let unknown = sb.berth("run", "--rm", "--network", "no-such-net-\(net.name)", "img", "true")
        #expect(unknown.status == 125 && unknown.stderr.contains("network not found"), "\(unknown)")
        let hostIP = sb.berth("run", "--rm", "--network", "host", "--ip", "10.0.0.1", "img", "true")
        #expect(hostIP.status == 125 && hostIP.stderr.contains("only be used with bridge networks"), "\(hostIP)")
        #expect(Set(leases(sb, net.name).keys) == [net.prefix + ".20"], "failed starts free what they took")
        #expect(sb.berth("rm", "-f", "-t", "0", "a").status == 0)
        #expect(leases(sb, net.name).isEmpty)
    }

    @Test func twenty_parallel_runs_get_twenty_distinct_addresses_and_rm_frees_them() throws {
        guard Mode.available.contains(.root) else { return }
        let sb = try sandboxWithImage(.root)
        let net = try TestNetwork.make(sb)
        defer { net.remove(); #expect(sb.cleanup().isEmpty) }
        let results = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 20) { index in
            let started = sb.berth("run", "-d", "--name", "p\(index + 1)", "--network", net.name, "img", "sleep", "100")
            if started.status != 0 { results.withLock { $0.append("\(started)") } }
        }
        #expect(results.withLock { $0 }.isEmpty, "\(results.withLock { $0 })")
        var addresses: [String] = []
        var veths: [String] = []
        for i in 1...20 {
            let shown = sb.berth("exec", "p\(i)", "ip", "-o", "-4", "addr", "show", "eth0")
            let address = shown.stdout.split(separator: " ").first { $0.hasPrefix(net.prefix + ".") }
            addresses.append(address.map(String.init) ?? "none: \(shown)")
            let id = sb.berth("inspect", "--format", "{{.Id}}", "p\(i)").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            veths += hostVeths(sb, id)
        }
        #expect(Set(addresses).count == 20, "\(addresses)")
        #expect(leases(sb, net.name).count == 20)
        #expect(veths.count == 20 && veths.allSatisfy(hostLinkExists))
        let removed = sb.berth(["rm", "-f", "-t", "0"] + (1...20).map { "p\($0)" })
        #expect(removed.status == 0, "\(removed)")
        #expect(leases(sb, net.name).isEmpty, "rm frees every address")
        #expect(hostLinksVanish(veths), "and removes every veth")
    }

    @Test func an_exited_container_frees_its_address_and_gets_one_again_at_start() throws {
        guard Mode.available.contains(.root) else { return }
        let sb = try sandboxWithImage(.root)
        let net = try TestNetwork.make(sb)
        defer { net.remove(); #expect(sb.cleanup().isEmpty) }
        let ran = sb.berth("run", "--name", "once", "--network", net.name, "img", "ip", "-o", "-4", "addr", "show", "eth0")
        #expect(ran.status == 0 && ran.stdout.contains("inet \(net.prefix).2/24"), "\(ran)")
        #expect(leases(sb, net.name).isEmpty, "the exit frees the lease")
        // Round-robin from the last address handed out (netavark's order): the next one.
        let again = sb.berth("start", "-a", "once")
        #expect(again.status == 0 && again.stdout.contains("inet \(net.prefix).3/24"), "\(again)")
        #expect(sb.berth("rm", "once").status == 0)
    }

    @Test func container_and_ns_modes_share_a_running_containers_network_and_inspect_shows_it() throws {
        guard Mode.available.contains(.root) else { return }
        let sb = try sandboxWithImage(.root)
        let net = try TestNetwork.make(sb)
        defer { net.remove(); #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "-d", "--name", "a", "--network", net.name, "--network-alias", "web", "img", "sleep", "100").status == 0)
        let format = "{{.NetworkSettings.IPAddress}}/{{.NetworkSettings.IPPrefixLen}} {{.NetworkSettings.Gateway}} "
            + "{{range $name, $n := .NetworkSettings.Networks}}{{$name}}={{$n.IPAddress}} {{$n.Aliases}}{{end}} {{.HostConfig.NetworkMode}}"
        let shown = sb.berth("inspect", "--format", format, "a")
        #expect(shown.stdout.hasPrefix("\(net.prefix).2/24 \(net.gateway) \(net.name)=\(net.prefix).2 [web "), "\(shown)")
        #expect(shown.stdout.hasSuffix("] bridge\n"), "\(shown)")
        let mac = sb.berth("inspect", "--format", "{{.NetworkSettings.MacAddress}}", "a").stdout
        #expect(sb.berth("exec", "a", "cat", "/sys/class/net/eth0/address").stdout == mac && mac.count == 18, "\(mac)")

        let joined = sb.berth("run", "--rm", "--network", "container:a", "img", "ip", "-o", "-4", "addr", "show", "eth0")
        #expect(joined.status == 0 && joined.stdout.contains("inet \(net.prefix).2/24"), "\(joined)")
        let pid = sb.berth("inspect", "--format", "{{.State.Pid}}", "a").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let byPath = sb.berth("run", "--rm", "--network", "ns:/proc/\(pid)/ns/net", "img", "ip", "-o", "-4", "addr", "show", "eth0")
        #expect(byPath.status == 0 && byPath.stdout.contains("inet \(net.prefix).2/24"), "\(byPath)")
        #expect(Set(leases(sb, net.name).keys) == [net.prefix + ".2"], "joining takes no address")

        let missing = sb.berth("run", "--rm", "--network", "container:nosuch", "img", "true")
        #expect(missing.status == 125 && missing.stderr.hasPrefix("Error: "), "\(missing)")
        #expect(sb.berth("create", "--name", "later", "--network", "container:a", "img", "true").status == 0)
        #expect(sb.berth("stop", "-t", "0", "a").status == 0)
        // Its start starts the container whose network it joins, as podman's.
        let started = sb.berth("start", "-a", "later")
        #expect(started.status == 0, "\(started)")
        #expect(sb.berth("inspect", "--format", "{{.State.Status}}", "a").stdout == "running\n")
        #expect(sb.berth("rm", "-f", "-t", "0", "later", "a").status == 0)
    }

    @Test func run_without_network_joins_the_default_network_as_root() throws {
        guard Mode.available.contains(.root) else { return }
        let sb = try sandboxWithImage(.root)
        defer { #expect(sb.cleanup().isEmpty) }
        let ran = sb.berth("run", "--name", "d", "img", "ip", "-o", "-4", "addr", "show", "eth0")
        #expect(ran.status == 0, "\(ran)")
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sb.root + "/networks/berth.json"))) as? [String: Any]
        let subnet = ((config?["subnets"] as? [[String: Any]])?.first?["subnet"] as? String) ?? "?"
        let prefix = subnet.split(separator: ".").prefix(2).joined(separator: ".") + "."
        #expect(ran.stdout.contains("inet \(prefix)") && config?["network_interface"] as? String == "berth0", "\(ran) \(subnet)")
        #expect(sb.berth("inspect", "--format", "{{.HostConfig.NetworkMode}}", "d").stdout == "bridge\n")
        #expect(!defaultNetworkLeases().values.contains { $0.hasPrefix(sb.root + "/") }, "its exit freed the address (host-wide leases)")
        #expect(sb.berth("rm", "d").status == 0)
    }

    /// The veth of an exited container is deleted without berth waiting for the
    /// kernel; it still goes, also when another container keeps the namespace alive.
    @Test func an_exit_leaves_no_port_on_the_bridge_even_when_a_joiner_keeps_the_namespace() throws {
        guard Mode.available.contains(.root) else { return }
        let sb = try sandboxWithImage(.root)
        let net = try TestNetwork.make(sb)
        defer { net.remove(); #expect(sb.cleanup().isEmpty) }
        func ports() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/net/\(net.bridge)/brif")) ?? [] }
        let ran = sb.berth("run", "--rm", "--network", net.name, "img", "true")
        #expect(ran.status == 0, "\(ran)")
        #expect(leases(sb, net.name).isEmpty)
        #expect(hostLinksVanish(ports()), "run --rm leaves no veth on the bridge: \(ports())")

        #expect(sb.berth("run", "-d", "--name", "a", "--network", net.name, "img", "sleep", "100").status == 0)
        #expect(sb.berth("run", "-d", "--name", "b", "--network", "container:a", "img", "sleep", "100").status == 0)
        #expect(ports().count == 1)
        #expect(sb.berth("stop", "-t", "0", "a").status == 0)
        #expect(hostLinksVanish(ports()), "a's veth goes although b still holds its namespace: \(ports())")
        let inside = sb.berth("exec", "b", "ip", "-o", "link")
        #expect(inside.status == 0 && !inside.stdout.contains("eth0"), "\(inside)")
        #expect(sb.berth("rm", "-f", "-t", "0", "b").status == 0)
        #expect(sb.berth("rm", "a").status == 0)
    }
}
