// Rootless networks through a user-mode helper (issue 12) as a user sees them:
// pasta (the default) and slirp4netns publish -p through their own forwarding, reach
// a server on the host's loopback through the gateway only when asked (pasta's
// --map-gw, slirp4netns's allow_host_loopback=true, as podman), and the helper lives
// exactly as long as the container, also when its monitor is killed with -9.
import Foundation
import Glibc
import Testing
import TestSupport

private func field(_ sb: Sandbox, _ name: String, _ format: String) -> String {
    sb.berth("inspect", "--format", format, name).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// pasta and slirp4netns processes serving this sandbox's containers: their parent
/// is this sandbox's berth or monitor (named with the runroot on its command line).
private func helpers(_ sb: Sandbox) -> [Int32] {
    func cmdline(_ pid: Int32) -> String {
        (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
    let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap { Int32($0) }) ?? []
    return pids.filter { pid in
        guard cmdline(pid).hasPrefix("pasta") || cmdline(pid).hasPrefix("slirp4netns"),
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let fields = stat.split(separator: ")").last?.split(separator: " "), fields.count > 2,
              fields[0] != "Z", let parent = Int32(fields[1]) else { return false }
        return cmdline(parent).contains(sb.runroot)
    }
}


/// A busybox httpd serving `served by CONTAINER` on port 80.
private let httpd = ["sh", "-c", "mkdir -p /www && echo served by $(hostname) > /www/index.html && exec httpd -f -p 80 -h /www"]

@Suite struct UserModeNetworkTests {
    @Test(arguments: ["pasta", "slirp4netns"])
    func a_published_port_answers_on_the_hosts_loopback(helper: String) throws {
        guard Mode.available.contains(.rootless) else { return }
        let sb = try sandboxWithImage(.rootless)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { _ = sb.berth("rm", "-a", "-f", "-t", "0") }
        let port = freePort()
        let run = sb.berth(["run", "-d", "--name", "web", "--hostname", "web1", "--network", helper, "-p", "127.0.0.1:\(port):80", "img"] + httpd)
        try #require(run.status == 0, "\(run)")
        #expect(fetchFromHost(sb, port: port) == "served by web1\n", "through \(helper)'s own forwarding")
        #expect(helpers(sb).count == 1, "one \(helper) for the container")
        let ports = sb.berth("port", "web")
        #expect(ports.stdout == "80/tcp -> 127.0.0.1:\(port)\n", "\(ports)")
        #expect(sb.berth("rm", "-f", "-t", "0", "web").status == 0)
        #expect(helpers(sb).isEmpty, "the helper ends with its container")
    }

    @Test(arguments: [("pasta", "pasta:--map-gw"), ("slirp4netns", "slirp4netns:allow_host_loopback=true")])
    func the_gateway_reaches_the_hosts_loopback_only_when_asked(closed: String, open: String) throws {
        guard Mode.available.contains(.rootless) else { return }
        let sb = try sandboxWithImage(.rootless)
        defer { #expect(sb.cleanup().isEmpty) }
        let server = try loopbackServer(sb)
        defer { server.stop() }
        let reached = sb.berth("run", "--rm", "--network", open, "img", "sh", "-c", gatewayFetch(server.port))
        #expect(reached.stdout == "reached\n", "\(reached)")
        let refused = sb.berth("run", "--rm", "--network", closed, "img", "sh", "-c", gatewayFetch(server.port))
        #expect(refused.stdout.isEmpty, "podman's default keeps the host's loopback closed: \(refused)")
        // Without published ports berth does not wait for the killed helper's exit.
        #expect(eventually(2) { helpers(sb).isEmpty })
    }

    @Test func exec_shares_the_helpers_network() throws {
        guard Mode.available.contains(.rootless) else { return }
        let sb = try sandboxWithImage(.rootless)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { _ = sb.berth("rm", "-a", "-f", "-t", "0") }
        let server = try loopbackServer(sb)
        defer { server.stop() }
        try #require(sb.berth("run", "-d", "--name", "c", "--network", "pasta:--map-gw", "img", "sleep", "100").status == 0)
        let mtu = sb.berth("exec", "c", "sh", "-c", "ip -o link | grep -v ' lo:' | grep -o 'mtu [0-9]*'")
        #expect(mtu.stdout == "mtu 65520\n", "pasta's large MTU: \(mtu)")
        let fetched = sb.berth("exec", "c", "sh", "-c", gatewayFetch(server.port))
        #expect(fetched.stdout == "reached\n", "\(fetched)")
    }

    @Test(arguments: ["pasta", "slirp4netns"])
    func the_helper_lives_exactly_as_long_as_the_container(helper: String) throws {
        guard Mode.available.contains(.rootless) else { return }
        let sb = try sandboxWithImage(.rootless)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { _ = sb.berth("rm", "-a", "-f", "-t", "0") }
        // The container ends on its own: the monitor's exit record ends the helper. It lives
        // long enough (3 s) to be seen running on a loaded machine.
        try #require(sb.berth("run", "-d", "--name", "short", "--network", helper, "img", "sleep", "3").status == 0)
        #expect(eventually { helpers(sb).count == 1 }, "the helper runs with the container: \(helpers(sb))")
        #expect(eventually { field(sb, "short", "{{.State.Status}}") == "exited" && helpers(sb).isEmpty }, "\(helpers(sb))")
        // A foreground run and its --rm.
        let foreground = sb.berth("run", "--rm", "--network", helper, "img", "true")
        #expect(foreground.status == 0, "\(foreground)")
        #expect(eventually(2) { helpers(sb).isEmpty }, "\(helpers(sb))")
        // kill -9 of the monitor takes the container along, and the helper with it.
        try #require(sb.berth("run", "-d", "--name", "orphan", "--network", helper, "img", "sleep", "100").status == 0)
        let monitor = Int32(field(sb, "orphan", "{{.State.ConmonPid}}")) ?? 0
        #expect(monitor > 0 && helpers(sb).count == 1)
        kill(monitor, SIGKILL)
        #expect(eventually { helpers(sb).isEmpty }, "the helper dies with the monitor: \(helpers(sb))")
        #expect(sb.berth("rm", "-f", "orphan").status == 0)
        #expect(eventually(2) { helpers(sb).isEmpty })
    }

    @Test func a_missing_helper_names_the_package_to_install() throws {
        guard Mode.available.contains(.rootless) else { return }
        let sb = try sandboxWithImage(.rootless)
        defer { #expect(sb.cleanup().isEmpty) }
        // pasta and slirp4netns are in /usr/bin; berth also looks in the sbin directories.
        for (helper, package) in [("pasta", "passt"), ("slirp4netns", "slirp4netns")] {
            let run = sb.berth(["run", "--rm", "--network", helper, "img", "true"], env: ["PATH": "/sbin:/usr/sbin"])
            #expect(run.status == 125, "\(run)")
            #expect(run.stderr == "Error: could not find \(helper) in $PATH, the network namespace can't be configured: install Debian's \(package) package\n", "\(run)")
        }
        #expect(sb.berth("ps", "-aq").stdout.isEmpty, "--rm removed the containers that could not start")
    }

    @Test func bad_helper_options_are_refused_at_create() throws {
        guard Mode.available.contains(.rootless) else { return }
        let sb = try sandboxWithImage(.rootless)
        defer { #expect(sb.cleanup().isEmpty) }
        let cases = [
            ("slirp4netns:bogus=1", "Error: unknown option for slirp4netns: \"bogus=1\"\n"),
            ("slirp4netns:mtu=12", "Error: invalid mtu \"12\"\n"),
            ("slirp4netns:allow_host_loopback=maybe", "Error: invalid value of allow_host_loopback for slirp4netns: maybe\n"),
            ("slirp4netns:cidr=10.0.2.0/99", "Error: invalid cidr \"10.0.2.0/99\"\n"),
            ("pasta:--pid,/tmp/x", "Error: pasta option --pid cannot be given: berth starts pasta with its own --pid\n"),
        ]
        for (mode, message) in cases {
            let create = sb.berth("create", "--network", mode, "img", "true")
            #expect(create.status == 125 && create.stderr == message, "\(mode): \(create)")
        }
        #expect(sb.berth("ps", "-aq").stdout.isEmpty)
    }
}
