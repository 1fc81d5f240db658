// pasta on a network namespace berth makes before the container (PastaEarlyNetns.swift),
// as a user sees it: root `--network pasta` works (podman 4.4+'s) and reaches the host's
// loopback through the gateway with --map-gw; a detached container's pasta and namespace
// go with it (stop, rm), and a start that fails after pasta was started (a user the
// image lacks, a mount, a missing command) leaves no pasta, root and rootless.
import Foundation
import Glibc
import Testing
import TestSupport

private func cmdline(_ pid: Int32) -> String {
    (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))).map { String(decoding: $0, as: UTF8.self) } ?? ""
}

/// Live pasta processes naming this sandbox's runroot (their --pid file is in it).
private func pastas(_ sb: Sandbox) -> [Int32] {
    let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap { Int32($0) }) ?? []
    return pids.filter { pid in
        let line = cmdline(pid)
        guard line.hasPrefix("pasta"), line.contains(sb.runroot),
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return stat.split(separator: ")").last?.split(separator: " ").first != "Z"
    }
}

/// The network namespaces `pid` holds open by fd ("net:[…]" links).
private func netnsFDs(_ pid: Int32) -> [String] {
    let dir = "/proc/\(pid)/fd"
    return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).compactMap { fd in
        (try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/" + fd)).flatMap { $0.hasPrefix("net:") ? $0 : nil }
    }
}

@Suite struct PastaEarlyNetnsTests {
    @Test func root_pasta_reaches_the_hosts_loopback_through_the_gateway_and_publishes_a_port() throws {
        guard Mode.available.contains(.root) else { return }
        let sb = try sandboxWithImage(.root)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { _ = sb.berth("rm", "-a", "-f", "-t", "0") }
        let server = try loopbackServer(sb)
        defer { server.stop() }
        let reached = sb.berth("run", "--rm", "--network", "pasta:--map-gw", "img", "sh", "-c", gatewayFetch(server.port))
        #expect(reached.status == 0 && reached.stdout == "reached\n", "root pasta with --map-gw: \(reached)")
        let closed = sb.berth("run", "--rm", "--network", "pasta", "img", "sh", "-c", gatewayFetch(server.port))
        #expect(closed.stdout.isEmpty, "the host's loopback stays closed without --map-gw: \(closed)")
        // -p through pasta's own forwarding, as root.
        let port = freePort()
        let web = sb.berth("run", "-d", "--name", "web", "--network", "pasta", "-p", "127.0.0.1:\(port):80", "img",
                           "sh", "-c", "mkdir -p /www && echo served > /www/index.html && exec httpd -f -p 80 -h /www")
        try #require(web.status == 0, "\(web)")
        #expect(fetchFromHost(sb, port: port) == "served\n", "published through root pasta")
        #expect(sb.berth("rm", "-f", "-t", "0", "web").status == 0)
        #expect(eventually(2) { pastas(sb).isEmpty }, "\(pastas(sb))")
    }

    @Test(arguments: Mode.available)
    func a_detached_pasta_container_leaves_nothing_after_stop_and_rm(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { _ = sb.berth("rm", "-a", "-f", "-t", "0") }
        try #require(sb.berth("run", "-d", "--name", "c", "--network", "pasta", "img", "sleep", "100").status == 0)
        #expect(pastas(sb).count == 1, "one pasta for the container")
        let monitor = Int32(sb.berth("inspect", "--format", "{{.State.ConmonPid}}", "c").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(monitor > 0)
        #expect(netnsFDs(monitor).isEmpty, "the monitor keeps no fd of the namespace once the container joined it: \(netnsFDs(monitor))")
        let route = sb.berth("exec", "c", "ip", "route")
        #expect(route.stdout.hasPrefix("default via "), "exec joins pasta's namespace: \(route)")
        #expect(sb.berth("stop", "-t", "0", "c").status == 0)
        #expect(eventually(2) { pastas(sb).isEmpty }, "pasta ends with the container: \(pastas(sb))")
        let restarted = sb.berth("start", "c")
        #expect(restarted.status == 0, "a second start makes a new namespace and pasta: \(restarted)")
        #expect(eventually { pastas(sb).count == 1 }, "\(pastas(sb))")
        #expect(sb.berth("rm", "-f", "-t", "0", "c").status == 0)
        #expect(eventually(2) { pastas(sb).isEmpty }, "\(pastas(sb))")
    }

    @Test(arguments: Mode.available)
    func a_start_failing_after_pasta_started_leaves_no_pasta(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { _ = sb.berth("rm", "-a", "-f", "-t", "0") }
        try sb.makeFile("data/file", "x")
        let data = sb.path("data")
        // Each fails after pasta was spawned: the user while the spec is made, the
        // mount in the container's set-up, the command at its exec.
        let cases: [([String], Int32, String)] = [
            (["--user", "nosuchuser", "img", "true"], 125, "nosuchuser"),
            (["-v", "\(data):/etc/passwd", "img", "true"], 125, "Error: container setup: mount bind \(data) on /etc/passwd: Not a directory\n"),
            (["img", "nosuchcommand"], 127, "nosuchcommand"),
        ]
        for (arguments, status, message) in cases {
            let run = sb.berth(["run", "--rm", "--network", "pasta"] + arguments)
            #expect(run.status == status && run.stderr.contains(message), "\(arguments): \(run)")
            #expect(eventually(2) { pastas(sb).isEmpty }, "\(arguments): pasta left running: \(pastas(sb))")
        }
        // Without --rm: the failed start leaves the container, not its pasta.
        try #require(sb.berth("create", "--name", "bad", "--network", "pasta", "--user", "nosuchuser", "img", "true").status == 0)
        let start = sb.berth("start", "bad")
        #expect(start.status == 125 && start.stderr.contains("nosuchuser"), "\(start)")
        #expect(eventually(2) { pastas(sb).isEmpty }, "\(pastas(sb))")
        #expect(sb.berth("ps", "-aq").stdout.split(separator: "\n").count == 1, "only the container without --rm")
    }
}
