// Published ports (issue 12, netnft), root: a busybox httpd container answers on
// 127.0.0.1 and on the host's own address through nftables DNAT (no proxy
// process), `port`, ps and inspect show the mapping, and stop/rm take the rules
// away; bad -p specs and a host port already bound are refused before anything runs.
import Foundation
import Glibc
import Testing
import TestSupport

@Suite(.serialized) struct PublishedPortTests {
    /// Each test's own nft table, so that parallel suites never flush each other's rules.
    private static func tableEnv() -> [String: String] {
        ["BERTH_TEST_NFT_TABLE": "berthpp" + String(UInt32.random(in: 0...UInt32.max), radix: 16)]
    }

    @Test func a_published_port_answers_on_loopback_and_the_hosts_address_until_rm() throws {
        guard Mode.available.contains(.root) else { return }
        let sb = try sandboxWithImage(.root)
        let net = try TestNetwork.make(sb)
        let env = Self.tableEnv(), table = env["BERTH_TEST_NFT_TABLE"]!
        defer { net.remove(); hostCommand(["nft", "delete", "table", "inet", table]); #expect(sb.cleanup().isEmpty) }
        let hostPort = Int.random(in: 30000...32000)
        let server = sb.berth(["run", "-d", "--name", "web", "--network", net.name, "-p", "\(hostPort):80", "img", "sh", "-c",
                               "mkdir /www && echo hello-published > /www/index.html && exec busybox httpd -f -p 80 -h /www"], env: env)
        #expect(server.status == 0, "\(server)")
        let hostAddress = hostCommand(["sh", "-c", "ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | grep -v '^10\\.' | head -n1"])
            .output.trimmingCharacters(in: .whitespacesAndNewlines)
        for address in ["127.0.0.1", hostAddress] where !address.isEmpty {
            var reply = (status: Int32(1), output: "")
            for _ in 0..<20 where reply.output != "hello-published\n" {
                reply = hostCommand(["wget", "-q", "-T", "3", "-O-", "http://\(address):\(hostPort)/"])
                if reply.output != "hello-published\n" { usleep(100_000) }
            }
            #expect(reply.output == "hello-published\n", "\(address):\(hostPort): \(reply)")
        }
        let port = sb.berth(["port", "web"], env: env)
        #expect(port.stdout == "80/tcp -> 0.0.0.0:\(hostPort)\n", "\(port)")
        #expect(sb.berth(["port", "web", "80"], env: env).stdout == "0.0.0.0:\(hostPort)\n")
        let ps = sb.berth(["ps", "--format", "{{.Ports}}"], env: env)
        #expect(ps.stdout == "0.0.0.0:\(hostPort)->80/tcp\n", "\(ps)")
        let inspect = sb.berth(["inspect", "--format", "{{json .HostConfig.PortBindings}} {{json .NetworkSettings.Ports}}", "web"], env: env)
        let binding = "{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"\(hostPort)\"}]}"
        #expect(inspect.stdout == "\(binding) \(binding)\n", "\(inspect)")
        #expect(hostCommand(["nft", "list", "table", "inet", table]).output.contains("dport \(hostPort) dnat"), "the rule is in the test's table")

        #expect(sb.berth(["rm", "-f", "-t", "0", "web"], env: env).status == 0)
        let after = hostCommand(["nft", "list", "table", "inet", table]).output
        #expect(!after.contains("ctr-") && !after.contains("dnat ip to"), "rm takes the container's rules away: \(after)")
        #expect(hostCommand(["wget", "-q", "-T", "2", "-O-", "http://127.0.0.1:\(hostPort)/"]).status != 0)
    }

    @Test func bad_publish_specs_and_a_bound_host_port_are_refused_before_anything_runs() throws {
        guard Mode.available.contains(.root) else { return }
        let sb = try sandboxWithImage(.root)
        let net = try TestNetwork.make(sb)
        let env = Self.tableEnv(), table = env["BERTH_TEST_NFT_TABLE"]!
        defer { net.remove(); hostCommand(["nft", "delete", "table", "inet", table]); #expect(sb.cleanup().isEmpty) }
        for (spec, message) in [
            ("99999:80", "parsing host port: port numbers must be between 1 and 65535 (inclusive), got 99999"),
            ("abc", "parsing container port: invalid port number: \"abc\" is not a number"),
            ("90-80:80", "parsing host port: the end port of a range must be higher than the start port - 80 is not higher than 90"),
            ("80/icmp", "invalid protocol \"icmp\" of a port: use tcp, udp or sctp"),
        ] {
            let result = sb.berth(["run", "--rm", "--network", net.name, "-p", spec, "img", "true"], env: env)
            #expect(result.status == 125 && result.stderr == "Error: \(message)\n", "-p \(spec): \(result)")
        }
        #expect(sb.berth(["ps", "-a", "-q"], env: env).stdout.isEmpty, "nothing was created")

        // A host port some process holds: the start fails with the port named, and nothing is published.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = INADDR_ANY
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        try #require(bound == 0 && listen(fd, 1) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let taken = Int(UInt16(bigEndian: addr.sin_port))
        let result = sb.berth(["run", "--rm", "--network", net.name, "-p", "\(taken):80", "img", "true"], env: env)
        #expect(result.status == 125 && result.stderr.hasPrefix("Error: cannot publish port \(taken)/tcp of container ")
                && result.stderr.hasSuffix(": 0.0.0.0:\(taken) is already in use\n"), "\(result)")
        #expect(!hostCommand(["nft", "list", "table", "inet", table]).output.contains("dnat ip to"), "no rule was left")
    }
}
