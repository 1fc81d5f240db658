// run/create --sdnotify as a systemd Type=notify unit sees it, with a datagram
// socket of the test's own standing in for systemd's NOTIFY_SOCKET: conmon mode
// sends MAINPID (the process playing conmon's part) and READY=1, container mode
// binds the socket into the container and sends MAINPID only, ignore sends nothing
// and hides the socket. Root and rootless.
import Foundation
import Testing
import TestSupport

/// A bound datagram socket standing in for systemd's; what berth sent is read
/// after the command returned (the datagrams wait in the socket's queue).
private final class NotifyListener {
    let path: String
    private let fd: Int32

    init(_ sb: Sandbox) throws {
        path = sb.path("notify-\(UInt32.random(in: 0 ... .max)).sock")
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let name = Array(path.utf8)
        guard name.count < MemoryLayout.size(ofValue: address.sun_path) else { throw TestSupportError("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in name.enumerated() { raw[i] = b } }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw TestSupportError("bind \(path): errno \(errno)") }
        // Rootless berth (and its container's root) must be able to send to it.
        chmod(path, 0o777)
    }

    deinit { close(fd) }

    /// The datagrams queued now, oldest first.
    func received() -> [String] {
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            guard n > 0 else { return messages }
            messages.append(String(decoding: buffer.prefix(n), as: UTF8.self))
        }
    }
}

private func field(_ sb: Sandbox, _ name: String, _ format: String) -> String {
    sb.berth("inspect", "--format", format, name).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

@Suite struct SdNotifyTests {
    @Test(arguments: Mode.available)
    func conmon_mode_sends_mainpid_and_ready_once_the_container_runs(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let listener = try NotifyListener(sb)
        let env = ["NOTIFY_SOCKET": listener.path]
        // Foreground: berth itself is conmon's counterpart (--conmon-pidfile names it).
        let pidFile = sb.path("conmon.pid")
        let run = sb.berth(["run", "--rm", "--sdnotify=conmon", "--conmon-pidfile", pidFile, "img", "sh", "-c", "echo ${NOTIFY_SOCKET:-unset}"], env: env)
        #expect(run.status == 0 && run.stdout == "unset\n", "the socket never reaches the container: \(run)")
        let berthPID = try String(contentsOfFile: pidFile, encoding: .utf8)
        #expect(listener.received() == ["MAINPID=\(berthPID)\nREADY=1"])
        // Detached: the monitor, which outlives `run -d` and records the exit; never the container.
        let detached = sb.berth(["run", "-d", "--name", "svc", "--sdnotify", "conmon", "img", "sleep", "100"], env: env)
        #expect(detached.status == 0, "\(detached)")
        let monitor = field(sb, "svc", "{{.State.ConmonPid}}")
        #expect(monitor != "0" && monitor != field(sb, "svc", "{{.State.Pid}}"))
        #expect(listener.received() == ["MAINPID=\(monitor)\nREADY=1"])
        #expect(sb.berth("inspect", "svc").stdout.contains("\"sdNotifyMode\": \"conmon\""))
        // start of a created container notifies too; without NOTIFY_SOCKET nothing is sent.
        #expect(sb.berth(["create", "--name", "later", "--sdnotify=conmon", "img", "sleep", "100"]).status == 0)
        #expect(sb.berth(["start", "later"], env: env).status == 0)
        #expect(listener.received() == ["MAINPID=\(field(sb, "later", "{{.State.ConmonPid}}"))\nREADY=1"])
        #expect(sb.berth("run", "--rm", "--sdnotify=conmon", "img", "true").status == 0)
        #expect(listener.received().isEmpty)
        #expect(sb.berth("rm", "-f", "-t", "0", "svc", "later").status == 0)
    }

    @Test(arguments: Mode.available)
    func container_mode_binds_the_socket_and_leaves_ready_to_the_container(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let listener = try NotifyListener(sb)
        let pidFile = sb.path("conmon.pid")
        // podman's default. busybox's logger sends one datagram to /dev/log: pointed
        // at the bound socket, it shows the container reaches systemd's.
        let script = "echo $NOTIFY_SOCKET; test -S /run/notify/notify.sock && ln -s $NOTIFY_SOCKET /dev/log && busybox logger READY=1"
        let run = sb.berth(["run", "--rm", "--conmon-pidfile", pidFile, "img", "sh", "-c", script], env: ["NOTIFY_SOCKET": listener.path])
        #expect(run.status == 0 && run.stdout == "/run/notify/notify.sock\n", "\(run)")
        let messages = listener.received()
        #expect(messages.count == 2, "\(messages)")
        #expect(messages.first == "MAINPID=\(try String(contentsOfFile: pidFile, encoding: .utf8))", "berth sends no READY=1 itself")
        #expect(messages.last?.hasSuffix("READY=1") == true, "\(messages)")
        let created = sb.berth("create", "--name", "c", "img", "true")
        #expect(created.status == 0 && sb.berth("inspect", "c").stdout.contains("\"sdNotifyMode\": \"container\""))
        // An abstract socket cannot be bound into the container: refused, not ignored.
        let abstract = sb.berth(["start", "-a", "c"], env: ["NOTIFY_SOCKET": "@berth-test-notify"])
        #expect(abstract.status == 125 && abstract.stderr.contains("--sdnotify=container needs NOTIFY_SOCKET to name a socket file"), "\(abstract)")
        #expect(sb.berth("rm", "-f", "c").status == 0)
    }

    @Test(arguments: Mode.available)
    func ignore_mode_sends_nothing_and_hides_the_socket(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let listener = try NotifyListener(sb)
        let env = ["NOTIFY_SOCKET": listener.path]
        let run = sb.berth(["run", "--rm", "--sdnotify=ignore", "img", "sh", "-c", "echo ${NOTIFY_SOCKET:-unset}; test -e /run/notify || echo none"], env: env)
        #expect(run.status == 0 && run.stdout == "unset\nnone\n", "\(run)")
        let detached = sb.berth(["run", "-d", "--name", "quiet", "--sdnotify=ignore", "img", "sleep", "100"], env: env)
        #expect(detached.status == 0, "\(detached)")
        // Nor does the monitor keep it for later starts (restarts run from its environment).
        let monitor = field(sb, "quiet", "{{.State.ConmonPid}}")
        let environ = (try? String(contentsOfFile: "/proc/\(monitor)/environ", encoding: .utf8)) ?? "unreadable"
        #expect(environ != "unreadable" && !environ.contains("NOTIFY_SOCKET="), "monitor \(monitor)")
        #expect(listener.received().isEmpty)
        #expect(sb.berth("rm", "-f", "-t", "0", "quiet").status == 0)
    }

    @Test(arguments: Mode.available)
    func a_bad_sdnotify_value_is_refused_as_podman_refuses_it(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        for verb in ["run", "create"] {
            let result = sb.berth(verb, "--sdnotify=bogus", "img", "true")
            #expect(result.status == 125 && result.stderr == "Error: invalid argument: invalid sdnotify value \"bogus\": must be container, conmon or ignore\n",
                    "\(result)")
        }
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty)
    }
}
