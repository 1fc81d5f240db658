// Containers sharing a network namespace (`--network container:NAME`) and the /etc
// files, root and rootless (issue 12): the joiner binds the other's hosts and
// resolv.conf, rm refuses the shared one as podman does (--depend removes both),
// host.containers.internal points at the host for every mode, and
// --network-cmd-path picks the helper binary.
import Foundation
import Glibc
import Testing
import TestSupport

@Suite struct NetworkSharingTests {
    @Test(arguments: Mode.available)
    func a_container_joining_anothers_network_shares_its_hosts_and_resolv_conf(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { _ = sb.berth("rm", "-a", "-f", "-t", "0"); #expect(sb.cleanup().isEmpty) }
        let first = sb.berth("run", "-d", "--name", "a", "--hostname", "ahost", "--dns", "192.0.2.77", "--dns-search", "a.example",
                             "img", "sleep", "60")
        try #require(first.status == 0, "\(first)")
        let joined = sb.berth("run", "-d", "--name", "b", "--hostname", "bhost", "--network", "container:a", "img", "sleep", "60")
        try #require(joined.status == 0, "\(joined)")
        let seen = sb.berth("exec", "b", "sh", "-c", "cat /etc/hosts; echo ==; cat /etc/resolv.conf; echo ==; hostname")
        #expect(seen.status == 0, "\(seen)")
        let parts = seen.stdout.components(separatedBy: "==\n")
        try #require(parts.count == 3, "\(seen)")
        #expect(parts[0].contains("\tahost a\n") && parts[0].contains("127.0.0.1\tbhost b\n"),
                "the other container's hosts file, with the joiner's own name on 127.0.0.1: \(parts[0])")
        #expect(parts[1] == "search a.example\nnameserver 192.0.2.77\n", "the other container's resolv.conf: \(parts[1])")
        #expect(parts[2] == "bhost\n", "its own hostname (its UTS namespace is its own, as podman): \(parts[2])")
        let theirs = sb.berth("exec", "a", "cat", "/etc/hosts")
        #expect(theirs.stdout == parts[0], "one file for both: \(theirs)")

        #expect(sb.berth("stop", "-t", "0", "b").status == 0)
        let after = sb.berth("exec", "a", "cat", "/etc/hosts")
        #expect(after.status == 0 && !after.stdout.contains("bhost"), "the joiner's line goes with its exit: \(after)")
    }

    @Test(arguments: Mode.available)
    func rm_refuses_a_container_whose_network_another_shares_and_depend_removes_both(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { _ = sb.berth("rm", "-a", "-f", "-t", "0"); #expect(sb.cleanup().isEmpty) }
        let id = sb.berth("run", "-d", "--name", "a", "img", "sleep", "60").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let joiner = sb.berth("create", "--name", "b", "--network", "container:a", "img", "true").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(id.count == 64 && joiner.count == 64)
        for force in [[], ["-f"]] {
            let refused = sb.berth(["rm"] + force + ["a"])
            if force.isEmpty {
                #expect(refused.status == 2, "a running container without -f is refused for that first, as podman: \(refused)")
                continue
            }
            #expect(refused.status == 125, "\(refused)")
            #expect(refused.stderr == "Error: container \(id) has dependent containers which must be removed before it: \(joiner): container already exists\n",
                    "\(refused)")
        }
        #expect(sb.berth("stop", "-t", "0", "a").status == 0)
        let stopped = sb.berth("rm", "a")
        #expect(stopped.status == 125 && stopped.stderr.contains("has dependent containers"), "stopped, still refused: \(stopped)")
        #expect(sb.berth("ps", "-a", "--format", "{{.Names}}").stdout.split(separator: "\n").sorted() == ["a", "b"], "nothing was removed")

        #expect(sb.berth("start", "a").status == 0)
        let both = sb.berth("rm", "-f", "-t", "0", "--depend", "a")
        #expect(both.status == 0 && both.stdout == "\(joiner)\na\n", "the dependent first, then the container: \(both)")
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty)
    }

    @Test(.enabled(if: Mode.available.contains(.root), "needs root"))
    func host_containers_internal_is_the_gateway_of_a_bridge_network() throws {
        let sb = try sandboxWithImage(.root)
        let net = try TestNetwork.make(sb)
        defer { net.remove(); #expect(sb.cleanup().isEmpty) }
        let hosts = sb.berth("run", "--rm", "--network", net.name, "img", "cat", "/etc/hosts")
        #expect(hosts.stdout.contains("\(net.gateway)\thost.containers.internal\n"), "\(hosts)")
        let none = sb.berth("run", "--rm", "--network", net.name, "--no-hosts", "img", "sh", "-c", "cat /etc/hosts; true")
        #expect(none.status == 0 && !none.stdout.contains("host.containers.internal"), "--no-hosts leaves it out: \(none)")
    }

    @Test(.enabled(if: Mode.available.contains(.rootless), "needs the rootless mode"),
          arguments: ["slirp4netns", "slirp4netns:allow_host_loopback=true", "pasta"])
    func host_containers_internal_reaches_the_host_through_the_helper(network: String) throws {
        let sb = try sandboxWithImage(.rootless)
        defer { #expect(sb.cleanup().isEmpty) }
        let server = try loopbackServer(sb, address: "0.0.0.0")
        defer { server.stop() }
        let script = "grep host.containers.internal /etc/hosts; printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 3 nc host.containers.internal \(server.port) | tail -n1"
        let run = sb.berth("run", "--rm", "--network", network, "img", "sh", "-c", script)
        // pasta copies the default route interface's address into the container: with no
        // other host address there is none to reach the host by, and no line.
        let otherInterfaces = hostCommand(["sh", "-c", "ip -4 -o addr show up | grep -v ' lo ' | awk '{print $2}' | sort -u"]).output
            .split(separator: "\n").count > 1
        if network == "pasta" && !otherInterfaces { return }
        #expect(run.stdout.contains("\thost.containers.internal\n") && run.stdout.hasSuffix("hello from the host\n"), "\(network): \(run)")
        if network.hasSuffix("allow_host_loopback=true") {
            #expect(run.stdout.hasPrefix("10.0.2.2\t"), "slirp4netns's gateway when it maps the host: \(run)")
        }
        let none = sb.berth("run", "--rm", "--network", network, "--no-hosts", "img", "sh", "-c", "cat /etc/hosts; true")
        #expect(!none.stdout.contains("host.containers.internal"), "--no-hosts leaves it out: \(none)")
    }

    @Test(.enabled(if: Mode.available.contains(.rootless), "needs the rootless mode"), arguments: ["pasta", "slirp4netns"])
    func network_cmd_path_chooses_the_helper_binary(helper: String) throws {
        let sb = try sandboxWithImage(.rootless)
        defer { #expect(sb.cleanup().isEmpty) }
        let real = hostCommand(["sh", "-c", "command -v \(helper)"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(!real.isEmpty)
        let marker = sb.path("wrapper-ran")
        let wrapper = try sb.makeFile("bin/my-\(helper)", "#!/bin/sh\necho ran > \(marker).tmp && mv \(marker).tmp \(marker)\nexec \(real) \"$@\"\n")
        chmod(wrapper, 0o755)
        let run = sb.berth("--network-cmd-path", wrapper, "run", "--rm", "--network", helper, "img", "sh", "-c", "ip -o link show up | grep -c -v ' lo:'")
        #expect(run.status == 0 && run.stdout == "1\n", "the container has its interface: \(run)")
        #expect(FileManager.default.fileExists(atPath: marker), "berth started the wrapper, not \(real)")

        let missing = sb.berth("--network-cmd-path", sb.path("bin/nothing"), "run", "--rm", "--network", helper, "img", "true")
        #expect(missing.status == 125 && missing.stderr.hasPrefix("Error: ") && missing.stderr.contains("--network-cmd-path"), "\(missing)")
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty)
    }
}
