// User-defined networks (issue 12 §4): containers on one network reach each other by
// name, short ID and alias through their /etc/hosts, kept current in place (a later
// member is resolvable without a restart); connect and disconnect of a running
// container; bad input refused with exit 125 leaving nothing half-made; the DNS flags
// in the etc files. Every test makes its own network with a random subnet and bridge.
import Foundation
import Testing
import TestSupport

/// A random free-looking /24 in 10.200–10.249 and a random bridge name, so parallel
/// helpers' and suites' networks never meet.
func randomNetwork() -> (subnet: String, bridge: String, name: String) {
    let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    return ("10.\(Int.random(in: 200...249)).\(Int.random(in: 0...255)).0/24", "bt" + tag, "net" + tag)
}

/// Creates a network with a random subnet and bridge; its name.
func makeNetwork(_ sb: Sandbox, _ extra: [String] = []) throws -> (name: String, subnet: String, bridge: String) {
    for _ in 0..<5 {
        let (subnet, bridge, name) = randomNetwork()
        let made = sb.berth(["network", "create", "--subnet", subnet, "-o", "com.docker.network.bridge.name=\(bridge)"] + extra + [name])
        if made.status == 0 { return (name, subnet, bridge) }
        // Another suite's network may hold that subnet: try another.
        try #require(made.stderr.contains("already used"), "\(made)")
    }
    throw TestSupportError("no free random subnet in 5 tries")
}

func hostHasLink(_ name: String) -> Bool { FileManager.default.fileExists(atPath: "/sys/class/net/" + name) }

@Suite struct NetworkUserTests {
    @Test(.enabled(if: geteuid() == 0, "user-defined networks need root"))
    func members_reach_each_other_by_name_and_alias_and_a_later_member_without_a_restart() throws {
        let sb = try sandboxWithImage(.root)
        defer { #expect(sb.cleanup().isEmpty) }
        let net = try makeNetwork(sb)
        try sb.makeFile("www/index.html", "hello from web\n")
        let web = sb.berth("run", "-d", "--name", "web", "--network", net.name, "--network-alias", "www", "-v", sb.path("www") + ":/www",
                           "img", "busybox", "httpd", "-f", "-p", "80", "-h", "/www")
        #expect(web.status == 0, "\(web)")
        let webID = String(web.stdout.prefix(12))
        let client = sb.berth("run", "-d", "--name", "client", "--network", net.name, "img", "sleep", "300")
        #expect(client.status == 0, "\(client)")
        for host in ["web", "www", webID] {
            let got = sb.berth("exec", "client", "sh", "-c", "busybox timeout 10 busybox wget -qO- http://\(host)/")
            #expect(got.status == 0 && got.stdout == "hello from web\n", "by \(host): \(got)")
        }
        // A third member joins later: the running client resolves it at once, its hosts file the same inode.
        let clientID = sb.berth("inspect", "--format", "{{.Id}}", "client").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let hostsPath = sb.root + "/containers/\(clientID)/userdata/hosts"
        let inode = try FileManager.default.attributesOfItem(atPath: hostsPath)[.systemFileNumber] as? Int
        let late = sb.berth("run", "-d", "--name", "late", "--network", net.name, "-v", sb.path("www") + ":/www",
                            "img", "busybox", "httpd", "-f", "-p", "80", "-h", "/www")
        #expect(late.status == 0, "\(late)")
        let reached = sb.berth("exec", "client", "sh", "-c", "busybox timeout 10 busybox wget -qO- http://late/")
        #expect(reached.status == 0 && reached.stdout == "hello from web\n", "\(reached)")
        #expect(try FileManager.default.attributesOfItem(atPath: hostsPath)[.systemFileNumber] as? Int == inode, "rewritten in place")
        // A member that leaves is gone from the others' files.
        #expect(sb.berth("rm", "-f", "-t", "0", "late").status == 0)
        let hosts = sb.berth("exec", "client", "cat", "/etc/hosts")
        #expect(hosts.stdout.contains("\tweb ") && !hosts.stdout.contains("late"), "\(hosts)")

        #expect(sb.berth("rm", "-f", "-t", "0", "web", "client").status == 0)
        #expect(sb.berth("network", "rm", net.name).status == 0)
        #expect(!hostHasLink(net.bridge), "the bridge goes with its network")
    }

    @Test(.enabled(if: geteuid() == 0, "user-defined networks need root"))
    func connect_and_disconnect_change_a_running_containers_interfaces_and_names() throws {
        let sb = try sandboxWithImage(.root)
        defer { #expect(sb.cleanup().isEmpty) }
        let first = try makeNetwork(sb), second = try makeNetwork(sb)
        #expect(sb.berth("run", "-d", "--name", "a", "--network", first.name, "img", "sleep", "300").status == 0)
        #expect(sb.berth("run", "-d", "--name", "b", "--network", second.name, "img", "sleep", "300").status == 0)
        #expect(!sb.berth("exec", "b", "cat", "/etc/hosts").stdout.contains("\ta "), "not on one network yet")
        let connected = sb.berth("network", "connect", "--alias", "alpha", second.name, "a")
        #expect(connected.status == 0, "\(connected)")
        let interfaces = sb.berth("exec", "a", "cat", "/proc/net/dev")
        #expect(interfaces.stdout.contains("eth0:") && interfaces.stdout.contains("eth1:"), "\(interfaces)")
        let seen = sb.berth("exec", "b", "cat", "/etc/hosts")
        #expect(seen.stdout.contains("\ta ") && seen.stdout.contains(" alpha\n"), "b sees a and its alias: \(seen)")
        let again = sb.berth("network", "connect", second.name, "a")
        #expect(again.status == 125 && again.stderr.contains("already connected"), "\(again)")

        let disconnected = sb.berth("network", "disconnect", second.name, "a")
        #expect(disconnected.status == 0, "\(disconnected)")
        #expect(!sb.berth("exec", "a", "cat", "/proc/net/dev").stdout.contains("eth1:"))
        #expect(!sb.berth("exec", "b", "cat", "/etc/hosts").stdout.contains("alpha"))
        #expect(sb.berth("network", "reload", "a").stdout.count == 65, "reload prints the container's ID")
        #expect(sb.berth("rm", "-f", "-t", "0", "a", "b").status == 0)
        #expect(sb.berth("network", "rm", first.name, second.name).status == 0)
    }

    @Test(.enabled(if: geteuid() == 0, "user-defined networks need root"))
    func bad_input_is_refused_with_exit_125_and_leaves_no_network() throws {
        let sb = try sandboxWithImage(.root)
        defer { #expect(sb.cleanup().isEmpty) }
        let net = try makeNetwork(sb)
        func networkFiles() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: sb.root + "/networks")) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        }
        let before = networkFiles()
        let (freeSubnet, _, freeName) = randomNetwork()
        let hostRoute = try String(contentsOfFile: "/proc/net/route", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(whereSeparator: \.isWhitespace) }
            .first { $0.count > 7 && $0[7] != "00000000" && $0[0] != "lo" }
        var cases: [([String], String)] = [
            (["--subnet", "10.0.0.0/99", freeName], "invalid CIDR address: 10.0.0.0/99"),
            (["--subnet", freeSubnet, "--gateway", "192.0.2.1", freeName], "not in subnet"),
            (["--subnet", net.subnet.replacingOccurrences(of: "/24", with: "/25"), freeName], "already used on the host or by another config"),
            (["--subnet", freeSubnet, net.name], "network name \(net.name) already used"),
            (["--subnet", freeSubnet, "bad/name"], "names must match"),
            (["--subnet", freeSubnet, "-o", "nope=1", freeName], "unsupported bridge network option nope"),
            (["--subnet", freeSubnet, "-d", "macvlan", freeName], "unsupported driver macvlan"),
        ]
        if let route = hostRoute, let mask = UInt32(route[7], radix: 16), let dest = UInt32(route[1], radix: 16) {
            let bytes = withUnsafeBytes(of: dest) { Array($0) }
            cases.append((["--subnet", bytes.map(String.init).joined(separator: ".") + "/\(mask.nonzeroBitCount)", freeName],
                          "already used on the host"))
        }
        for (args, message) in cases {
            let refused = sb.berth(["network", "create"] + args)
            #expect(refused.status == 125 && refused.stderr.hasPrefix("Error: ") && refused.stderr.contains(message), "\(args): \(refused)")
        }
        #expect(networkFiles() == before, "nothing half-made")

        // In use: refused naming the container, -f removes it with the network.
        #expect(sb.berth("run", "-d", "--name", "user", "--network", net.name, "img", "sleep", "300").status == 0)
        let inUse = sb.berth("network", "rm", net.name)
        #expect(inUse.status == 125 && inUse.stderr.contains("user") && inUse.stderr.contains("is being used"), "\(inUse)")
        #expect(sb.berth("network", "exists", net.name).status == 0)
        let forced = sb.berth("network", "rm", "-f", "-t", "0", net.name)
        #expect(forced.status == 0 && forced.stdout == net.name + "\n", "\(forced)")
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty, "-f removed the container")
        #expect(sb.berth("network", "exists", net.name).status == 1)
        #expect(!hostHasLink(net.bridge))
        let missing = sb.berth("network", "rm", "nosuch")
        #expect(missing.status == 1 && missing.stderr.contains("network not found"), "\(missing)")
        let unknown = sb.berth("run", "--rm", "--network", "nosuch", "img", "true")
        #expect(unknown.status == 125 && unknown.stderr.contains("nosuch"), "\(unknown)")
    }

    @Test(.enabled(if: geteuid() == 0, "user-defined networks need root"))
    func ls_inspect_filters_and_prune_show_podmans_shapes() throws {
        let sb = try sandboxWithImage(.root)
        defer { #expect(sb.cleanup().isEmpty) }
        let labelled = try makeNetwork(sb, ["--label", "team=a", "--internal"])
        let plain = try makeNetwork(sb)
        let listed = sb.berth("network", "ls")
        #expect(listed.stdout.hasPrefix("NETWORK ID    NAME") && listed.stdout.contains(labelled.name) && listed.stdout.contains(" berth "), "\(listed)")
        #expect(sb.berth("network", "ls", "-q", "--filter", "label=team=a").stdout == labelled.name + "\n")
        #expect(sb.berth("network", "ls", "--format", "{{.Name}} {{.Internal}} {{.Labels}}", "--filter", "name=\(labelled.name)").stdout
                == "\(labelled.name) true team=a\n")
        let inspected = sb.berth("network", "inspect", labelled.name)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [[String: Any]])
        #expect(json.first?["name"] as? String == labelled.name && json.first?["internal"] as? Bool == true)
        #expect(json.first?["dns_enabled"] as? Bool == true && json.first?["network_interface"] as? String == labelled.bridge)
        let subnets = json.first?["subnets"] as? [[String: Any]]
        #expect(subnets?.first?["subnet"] as? String == labelled.subnet)
        #expect(inspected.stdout.hasPrefix("[\n     {\n          \"name\""), "podman's key order and indent: \(inspected.stdout)")

        #expect(sb.berth("run", "-d", "--name", "keep", "--network", plain.name, "img", "sleep", "300").status == 0)
        let pruned = sb.berth("network", "prune", "-f")
        #expect(pruned.status == 0 && pruned.stdout == labelled.name + "\n", "the used one and the default stay: \(pruned)")
        #expect(sb.berth("network", "exists", plain.name).status == 0 && sb.berth("network", "exists", "berth").status == 0)
        #expect(sb.berth("network", "rm", "-f", "-t", "0", plain.name).status == 0)
    }

    @Test(arguments: Mode.available)
    func dns_flags_and_no_hosts_shape_the_etc_files(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let flagged = sb.berth("run", "--rm", "--network", "none", "--hostname", "box", "--add-host", "db.example:192.0.2.9",
                               "--dns", "192.0.2.53", "--dns-search", "a.example", "--dns-option", "ndots:3", "img",
                               "sh", "-c", "cat /etc/resolv.conf; grep -E 'db.example|box' /etc/hosts; hostname")
        #expect(flagged.status == 0, "\(flagged)")
        #expect(flagged.stdout.hasPrefix("search a.example\nnameserver 192.0.2.53\noptions ndots:3\n192.0.2.9\tdb.example\n127.0.1.1\tbox ")
                && flagged.stdout.hasSuffix("\nbox\n"), "\(flagged)")
        let plain = sb.berth("run", "--rm", "--network", "none", "img", "cat", "/etc/resolv.conf")
        #expect(plain.status == 0 && !plain.stdout.contains("nameserver 127.") && plain.stdout.contains("nameserver "),
                "no loopback server in a netns of its own: \(plain)")
        let noHosts = sb.berth("run", "--rm", "--network", "none", "--no-hosts", "img", "sh", "-c", "test -e /etc/hosts; echo $?")
        #expect(noHosts.stdout == "1\n", "the image has no /etc/hosts and none is bound: \(noHosts)")
        for bad in [["--add-host", "nocolon"], ["--dns", "not-an-ip"], ["--no-hosts", "--add-host", "a:1.2.3.4"]] {
            let refused = sb.berth(["run", "--rm", "--network", "none"] + bad + ["img", "true"])
            #expect(refused.status == 125 && refused.stderr.hasPrefix("Error: "), "\(bad): \(refused)")
        }
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty)
    }
}
