// User-defined networks rootless (issue 12), as podman's "rootless network
// namespace": members reach each other by name and alias, a later member without a
// restart, a published port answers on the host's loopback, the host's loopback is
// reached through pasta's gateway, RUN steps of a build join a network by name, and
// the one pasta (with the namespace it holds) ends with the last container.
import Foundation
import Glibc
import Testing
import TestSupport

/// The pasta of the sandbox's rootless network namespace (its --pid names the runroot), if running.
private func netnsPasta(_ sb: Sandbox) -> Int32? {
    let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap { Int32($0) }) ?? []
    return pids.first { pid in
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        let cmdline = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
        guard cmdline.hasPrefix("pasta"), cmdline.contains(sb.runroot + "/rootless-netns/"),
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(close, offsetBy: 2)] != "Z"
    }
}

/// The network namespace pasta holds ("net:[N]"), read as root through /proc.
private func heldNamespace(_ pid: Int32) -> String? {
    let own = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net")
    let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
    return fds.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)") }
        .first { $0.hasPrefix("net:[") && $0 != own }
}

/// Whether any process still has `namespace` as its network namespace or an open fd on it.
private func namespaceInUse(_ namespace: String) -> Bool {
    let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap { Int32($0) }) ?? []
    for pid in pids {
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net")) == namespace { return true }
        for fd in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        where (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) == namespace {
            return true
        }
    }
    return false
}


/// The host's default gateway: pasta gives the namespace the same one, and maps it
/// to the host's loopback.
private func hostGateway() -> String? {
    guard let text = try? String(contentsOfFile: "/proc/net/route", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n").dropFirst() {
        let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard f.count > 2, f[1] == "00000000", let raw = UInt32(f[2], radix: 16) else { continue }
        return (0..<4).map { String((raw >> (8 * $0)) & 0xFF) }.joined(separator: ".")
    }
    return nil
}

private let httpd = ["sh", "-c", "mkdir -p /www && echo served by $(hostname) > /www/index.html && exec httpd -f -p 80 -h /www"]

private func wget(_ url: String) -> [String] { ["sh", "-c", "busybox timeout 10 busybox wget -qO- \(url)"] }

@Suite struct RootlessNetnsTests {
    @Test(.enabled(if: Mode.available.contains(.rootless), "needs the rootless mode"))
    func rootless_members_reach_each_other_by_name_and_alias_and_a_later_member_without_a_restart() throws {
        let sb = try sandboxWithImage(.rootless)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { _ = sb.berth("rm", "-a", "-f", "-t", "0") }
        let net = try makeNetwork(sb)
        let web = sb.berth(["run", "-d", "--name", "web", "--hostname", "web1", "--network", net.name, "--network-alias", "www", "img"] + httpd)
        try #require(web.status == 0, "\(web)")
        let client = sb.berth("run", "-d", "--name", "client", "--network", net.name, "img", "sleep", "300")
        try #require(client.status == 0, "\(client)")
        for host in ["web", "www", String(web.stdout.prefix(12))] {
            let got = sb.berth(["exec", "client"] + wget("http://\(host)/"))
            #expect(got.status == 0 && got.stdout == "served by web1\n", "by \(host): \(got)")
        }
        let late = sb.berth(["run", "-d", "--name", "late", "--hostname", "late1", "--network", net.name, "img"] + httpd)
        try #require(late.status == 0, "\(late)")
        let reached = sb.berth(["exec", "client"] + wget("http://late/"))
        #expect(reached.status == 0 && reached.stdout == "served by late1\n", "a later member without a restart: \(reached)")
        #expect(!hostHasLink(net.bridge), "the bridge lives in the rootless network namespace, not on the host")
        let inUse = sb.berth("network", "rm", net.name)
        #expect(inUse.status == 125 && inUse.stderr.hasPrefix("Error: ") && inUse.stderr.contains("client"), "\(inUse)")
        #expect(sb.berth("rm", "-f", "-t", "0", "web", "client", "late").status == 0)
        #expect(sb.berth("network", "rm", net.name).status == 0)
        #expect(netnsPasta(sb) == nil)
    }

    @Test(.enabled(if: Mode.available.contains(.rootless), "needs the rootless mode"))
    func rootless_published_port_and_the_hosts_loopback_through_the_gateway() throws {
        let sb = try sandboxWithImage(.rootless)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { _ = sb.berth("rm", "-a", "-f", "-t", "0") }
        let net = try makeNetwork(sb)
        let port = freePort()
        let web = sb.berth(["run", "-d", "--name", "web", "--hostname", "web1", "--network", net.name, "-p", "127.0.0.1:\(port):80", "img"] + httpd)
        try #require(web.status == 0, "\(web)")
        #expect(fetchFromHost(sb, port: port) == "served by web1\n", "the published port answers on the host's loopback")
        #expect(sb.berth("port", "web").stdout == "80/tcp -> 127.0.0.1:\(port)\n")

        let server = try loopbackServer(sb)
        defer { server.stop() }
        let gateway = try #require(hostGateway())
        let outbound = sb.berth(["run", "--rm", "--network", net.name, "img"] + wget("http://\(gateway):\(server.port)/"))
        #expect(outbound.status == 0 && outbound.stdout == "hello from the host\n", "the host's loopback through pasta's gateway: \(outbound)")
        #expect(sb.berth("rm", "-f", "-t", "0", "web").status == 0)
        let closed = sb.run("/usr/bin/python3", ["-c", "import socket; s = socket.socket(); s.settimeout(2); print(s.connect_ex(('127.0.0.1', \(port))))"], asTestUser: false)
        #expect(closed.stdout != "0\n", "the port is no longer forwarded: \(closed)")
        #expect(sb.berth("network", "rm", net.name).status == 0)
    }

    @Test(.enabled(if: Mode.available.contains(.rootless), "needs the rootless mode"))
    func the_rootless_netns_and_its_pasta_go_with_the_last_container() throws {
        let sb = try sandboxWithImage(.rootless)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { _ = sb.berth("rm", "-a", "-f", "-t", "0") }
        let net = try makeNetwork(sb)
        #expect(netnsPasta(sb) == nil, "nothing runs before a container needs it")
        try #require(sb.berth("run", "-d", "--name", "a", "--network", net.name, "img", "sleep", "300").status == 0)
        let pasta = try #require(netnsPasta(sb))
        let namespace = try #require(heldNamespace(pasta))
        try #require(sb.berth("run", "-d", "--name", "b", "--network", net.name, "img", "sleep", "300").status == 0)
        #expect(netnsPasta(sb) == pasta, "one pasta for every container")
        let foreground = sb.berth("run", "--rm", "--network", net.name, "img", "true")
        #expect(foreground.status == 0 && netnsPasta(sb) == pasta, "\(foreground)")
        #expect(sb.berth("rm", "-f", "-t", "0", "a").status == 0)
        #expect(netnsPasta(sb) == pasta, "b still uses it")
        // The last one's monitor killed with -9: rm -f still ends pasta and the namespace.
        let monitor = Int32(sb.berth("inspect", "--format", "{{.State.ConmonPid}}", "b").stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(monitor > 0)
        kill(monitor, SIGKILL)
        #expect(sb.berth("rm", "-f", "b").status == 0)
        #expect(eventually { netnsPasta(sb) == nil }, "pasta ends with the last container")
        #expect(eventually { !namespaceInUse(namespace) }, "and the namespace with it")
        #expect(!FileManager.default.fileExists(atPath: sb.runroot + "/rootless-netns/pasta.json"))
        // A container that ends on its own takes them along too.
        try #require(sb.berth("run", "-d", "--name", "short", "--network", net.name, "img", "sleep", "2").status == 0)
        #expect(netnsPasta(sb) != nil)
        #expect(eventually(15) { netnsPasta(sb) == nil }, "the exit of the last container ends pasta")
        #expect(sb.berth("rm", "short").status == 0)
        #expect(sb.berth("network", "rm", net.name).status == 0)
    }

    @Test(.enabled(if: Mode.available.contains(.rootless), "needs the rootless mode"))
    func rootless_network_errors_are_clear_and_leave_nothing() throws {
        let sb = try sandboxWithImage(.rootless)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { _ = sb.berth("rm", "-a", "-f", "-t", "0") }
        let net = try makeNetwork(sb)
        let missing = sb.berth(["run", "--rm", "--network", net.name, "img", "true"], env: ["PATH": "/sbin:/usr/sbin"])
        #expect(missing.status == 125, "\(missing)")
        #expect(missing.stderr == "Error: could not find pasta in $PATH, the network namespace can't be configured: install Debian's passt package\n", "\(missing)")
        #expect(sb.berth("ps", "-aq").stdout.isEmpty && netnsPasta(sb) == nil)
        #expect(!FileManager.default.fileExists(atPath: sb.runroot + "/rootless-netns/pasta.json"))
        // A host port already bound: refused before the start; the namespace's pasta (serving
        // another container) is left as it was.
        try #require(sb.berth("run", "-d", "--name", "keep", "--network", net.name, "img", "sleep", "300").status == 0)
        let pasta = netnsPasta(sb)
        let holder = LoopbackPort(listening: true)
        defer { holder.close() }
        let bound = holder.port
        let taken = sb.berth("run", "--rm", "--network", net.name, "-p", "127.0.0.1:\(bound):80", "img", "true")
        #expect(taken.status == 125 && taken.stderr.hasPrefix("Error: ") && taken.stderr.contains("already in use"), "\(taken)")
        #expect(pasta != nil && netnsPasta(sb) == pasta, "the running pasta was not disturbed")
        #expect(sb.berth("rm", "-f", "-t", "0", "keep").status == 0)
        #expect(eventually { netnsPasta(sb) == nil })
        let unknown = sb.berth("run", "--rm", "--network", "nosuchnet", "img", "true")
        #expect(unknown.status == 125 && unknown.stderr.hasPrefix("Error: ") && unknown.stderr.contains("nosuchnet"), "\(unknown)")
        // The rootless default stays pasta, where --ip means nothing.
        let ip = sb.berth("create", "--ip", "10.1.2.3", "img", "true")
        #expect(ip.status == 125, "\(ip)")
        #expect(sb.berth("ps", "-aq").stdout.isEmpty, "nothing was created")
        #expect(sb.berth("network", "rm", net.name).status == 0)
    }

    @Test(.enabled(if: Mode.available.contains(.rootless), "needs the rootless mode"))
    func rootless_build_run_steps_join_a_network_by_name() throws {
        let sb = try sandboxWithImage(.rootless)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { _ = sb.berth("rm", "-a", "-f", "-t", "0") }
        let net = try makeNetwork(sb)
        try #require(sb.berth(["run", "-d", "--name", "web", "--hostname", "web1", "--network", net.name, "img"] + httpd).status == 0)
        _ = try sb.makeFile("ctx/Containerfile", "FROM img\nRUN busybox timeout 10 busybox wget -qO- http://web/ > /got\n")
        let built = sb.berth("build", "--network", net.name, "-t", "fetched", sb.path("ctx"))
        #expect(built.status == 0, "\(built)")
        let got = sb.berth("run", "--rm", "--network", "none", "fetched", "cat", "/got")
        #expect(got.stdout == "served by web1\n", "\(got)")
        #expect(sb.berth("rm", "-f", "-t", "0", "web").status == 0)
        #expect(sb.berth("network", "rm", net.name).status == 0)
        #expect(netnsPasta(sb) == nil)
    }
}
