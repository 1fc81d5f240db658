// Bridge networks, root and rootless (issue 12's gaps): addresses are handed out
// round-robin, so a freed one waits for the range to wrap; a container reaches its
// own published port through its network's gateway (hairpin, set through netlink,
// which the rootless network namespace needs); and a pause process killed while a
// container runs in the rootless network namespace gives later containers one clear
// error, and a clean new namespace once that container is gone; a rootless
// --userns keep-id container joins a user network (its user namespace nested in the
// rootless one, as podman's runtime makes it).
import Foundation
import Glibc
import Testing
import TestSupport

private let httpd = ["sh", "-c", "mkdir -p /www && echo served by $(hostname) > /www/index.html && exec httpd -f -p 80 -h /www"]

/// Root's runs get a table of their own, so parallel suites never flush each other's rules.
private func tableEnv(_ mode: Mode) -> [String: String] {
    mode == .root ? ["BERTH_TEST_NFT_TABLE": "berthng" + String(UInt32.random(in: 0...UInt32.max), radix: 16)] : [:]
}

private func dropTable(_ env: [String: String]) {
    if let table = env["BERTH_TEST_NFT_TABLE"] { hostCommand(["nft", "delete", "table", "inet", table]) }
}

/// "10.213.77" of "10.213.77.0/24".
private func prefix(_ subnet: String) -> String { String(subnet.dropLast(5)) }

/// A sandbox with the image and a network of its own for `body`; every container, the
/// network, root's nft table and the sandbox are removed after it.
private func onNetwork(_ mode: Mode, _ body: (Sandbox, (name: String, subnet: String, bridge: String), [String: String]) throws -> Void) throws {
    let sb = try sandboxWithImage(mode)
    let env = tableEnv(mode)
    let net = try makeNetwork(sb)
    defer {
        _ = sb.berth(["rm", "-a", "-f", "-t", "0"], env: env)
        _ = sb.berth(["network", "rm", "-f", net.name], env: env)
        dropTable(env)
        #expect(sb.cleanup().isEmpty)
    }
    try body(sb, net, env)
}

@Suite struct NetworkGapsTests {
    @Test(arguments: Mode.available)
    func a_freed_address_is_handed_out_again_only_when_the_range_wraps(mode: Mode) throws {
        try onNetwork(mode) { sb, net, env in
            var got: [String] = []
            for _ in 0..<3 {
                let run = sb.berth(["run", "--rm", "--network", net.name, "img", "ip", "-o", "-4", "addr", "show", "eth0"], env: env)
                #expect(run.status == 0, "\(run)")
                got.append(run.stdout.split(separator: " ").first { $0.hasPrefix(prefix(net.subnet) + ".") }.map(String.init) ?? "none")
            }
            // Each run's address was free again when the next started; still the next one is taken.
            #expect(got == [".2/24", ".3/24", ".4/24"].map { prefix(net.subnet) + $0 }, "round-robin, as netavark: \(got)")
            #expect(leases(sb, net.name).isEmpty, "every exit freed its address")
        }
    }

    @Test(arguments: Mode.available)
    func a_container_reaches_its_own_published_port_through_its_gateway(mode: Mode) throws {
        try onNetwork(mode) { sb, net, env in
            let port = freePort()
            let web = sb.berth(["run", "-d", "--name", "web", "--hostname", "web1", "--network", net.name, "-p", "\(port):80", "img"] + httpd, env: env)
            try #require(web.status == 0, "\(web)")
            // The gateway is an address of the host (root) or of the rootless network
            // namespace: DNATed back to the container, the bridge sends it out of the port it
            // came in by only in hairpin mode (br_netfilter is loaded here).
            let gateway = prefix(net.subnet) + ".1"
            let own = ["exec", "web", "sh", "-c", "busybox timeout 5 busybox wget -qO- http://\(gateway):\(port)/"]
            var reply = sb.berth(own, env: env)
            for _ in 0..<20 where reply.status != 0 {
                usleep(150_000)
                reply = sb.berth(own, env: env)
            }
            #expect(reply.status == 0 && reply.stdout == "served by web1\n", "hairpin through \(gateway):\(port): \(reply)")
        }
    }

    /// SIGKILL, or SIGTERM, which ends it as podman's catatonit (a cleanup's signal).
    @Test(.enabled(if: Mode.available.contains(.rootless), "needs the rootless mode"), arguments: [SIGKILL, SIGTERM])
    func a_killed_pause_process_gives_later_members_one_clear_error_then_a_new_namespace(signal: Int32) throws {
        try onNetwork(.rootless) { sb, net, _ in
            try #require(sb.berth("run", "-d", "--name", "old", "--network", net.name, "img", "sleep", "300").status == 0)
            let pause = try #require(Int32((try? String(contentsOfFile: sb.runroot + "/pause.pid", encoding: .utf8))?
                .split(separator: " ").first ?? ""))
            #expect(kill(pause, signal) == 0)
            #expect(eventually { !isRunning(pause) }, "signal \(signal) ends the pause process")
            let refused = sb.berth("run", "--rm", "--name", "new", "--network", net.name, "img", "true")
            #expect(refused.status == 125, "\(refused)")
            #expect(refused.stderr.hasPrefix("Error: container new cannot join the rootless network namespace")
                        && refused.stderr.contains("old still uses it") && refused.stderr.split(separator: "\n").count == 1, "\(refused)")
            #expect(sb.berth("ps", "-a", "--format", "{{.Names}}").stdout == "old\n", "nothing half-made is left")
            // The container in the old namespace still leaves it cleanly.
            #expect(sb.berth("rm", "-f", "-t", "0", "old").status == 0)
            let fresh = sb.berth("run", "--rm", "--network", net.name, "img", "sh", "-c", "ip -o -4 addr show eth0")
            #expect(fresh.status == 0 && fresh.stdout.contains("inet " + prefix(net.subnet) + "."), "a new namespace in the new user namespace: \(fresh)")
        }
    }

    @Test(.enabled(if: Mode.available.contains(.rootless), "needs the rootless mode"))
    func a_keep_id_container_joins_a_user_network_rootless_with_the_users_own_id() throws {
        try onNetwork(.rootless) { sb, net, _ in
            try #require(sb.berth(["run", "-d", "--name", "web", "--hostname", "web1", "--network", net.name, "img"] + httpd).status == 0)
            let keep = sb.berth("run", "-d", "--name", "keep", "--userns", "keep-id", "--network", net.name, "img", "sleep", "300")
            try #require(keep.status == 0, "podman allows keep-id on a user network rootless: \(keep)")
            let inside = sb.berth("exec", "keep", "sh", "-c", "id -u; id -g; busybox timeout 10 busybox wget -qO- http://web/")
            #expect(inside.stdout == "\(sb.userID)\n\(sb.groupID)\nserved by web1\n", "the user's own ids, and the other member by name: \(inside)")
            let seen = sb.berth("run", "--rm", "--network", net.name, "img", "grep", "-c", "-w", "keep", "/etc/hosts")
            #expect(seen.stdout == "1\n", "the other members resolve it: \(seen)")
            #expect(sb.berth("rm", "-f", "-t", "0", "keep", "web").status == 0)
            #expect(sb.berth("network", "rm", net.name).status == 0, "nothing is left on the network")
        }
    }

    @Test(.enabled(if: Mode.available.contains(.rootless), "needs the rootless mode"))
    func a_connection_to_a_published_port_survives_another_container_publishing_and_leaving() throws {
        try onNetwork(.rootless) { sb, net, _ in
            let port = freePort()
            try #require(sb.berth("run", "-d", "--name", "echo", "--network", net.name, "-p", "127.0.0.1:\(port):80", "img",
                                  "busybox", "nc", "-l", "-p", "80", "-e", "busybox", "cat").status == 0)
            // pasta accepts on the host before the container's nc listens: try until it echoes.
            var connection = try EchoConnection(port: port)
            var first = connection.roundTrip("one\n")
            for _ in 0..<20 where first != "one\n" {
                connection.close()
                usleep(150_000)
                connection = try EchoConnection(port: port)
                first = connection.roundTrip("one\n")
            }
            defer { connection.close() }
            #expect(first == "one\n", "the published port echoes")
            // Another container publishing a port of its own, then leaving: with one pasta for
            // the namespace that meant restarting it, which cut this connection.
            let other = freePort()
            let second = sb.berth(["run", "-d", "--name", "web", "--hostname", "web1", "--network", net.name, "-p", "\(other):80", "img"] + httpd)
            try #require(second.status == 0, "\(second)")
            #expect(fetchFromHost(sb, port: other) == "served by web1\n", "the second container's port answers")
            #expect(sb.berth("rm", "-f", "-t", "0", "web").status == 0)
            #expect(connection.roundTrip("two\n") == "two\n", "the first connection is still open")
        }
    }
}

/// Whether `pid` is a process that has not exited (a zombie has).
private func isRunning(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    return !stat[close...].hasPrefix(") Z") && !stat[close...].hasPrefix(") X")
}

/// A TCP connection to 127.0.0.1:PORT (tried until it is accepted), with a 5 s timeout per read.
private final class EchoConnection {
    private let fd: Int32

    init(port: Int) throws {
        var connected: Int32 = -1
        for _ in 0..<40 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let ok = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
            if ok {
                connected = fd
                break
            }
            Glibc.close(fd)
            usleep(100_000)
        }
        guard connected >= 0 else { throw TestSupportError("no connection to 127.0.0.1:\(port)") }
        fd = connected
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends `text` and reads until as many bytes came back (or the peer closed, or 5 s passed).
    func roundTrip(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { return "send failed: errno \(errno)" }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while received.count < bytes.count {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        return String(decoding: received, as: UTF8.self)
    }

    func close() { Glibc.close(fd) }
}
