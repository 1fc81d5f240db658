// run/create --pid, --ipc, --uts (host, container:NAME, ns:PATH), --sysctl and
// --device, and build's --pid/--uts/--device, as podman 4.3 has them: each seen
// from inside the container and compared with the host's namespaces as this test
// process reads them; a bad value is one Error: line, exit 125 and no container.
// Root and rootless.
import Foundation
import Testing
import TestSupport

/// The namespace link ("pid:[4026531836]") of this test process, the host's.
private func hostNamespace(_ kind: String) throws -> String {
    try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/\(kind)")
}

private func hostFile(_ path: String) throws -> String {
    try String(contentsOfFile: path, encoding: .utf8)
}

@Suite struct NamespaceFlagTests {
    @Test(arguments: Mode.available)
    func pid_and_uts_host_share_the_hosts_namespaces_with_a_working_proc(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let script = "readlink /proc/self/ns/pid; readlink /proc/self/ns/uts; hostname; echo $$; grep -c . /proc/self/status >/dev/null && echo proc-ok"
        let host = sb.berth("run", "--rm", "--network", "none", "--pid", "host", "--uts", "host", "img", "sh", "-c", script)
        let lines = host.stdout.split(separator: "\n").map(String.init)
        try #require(host.status == 0 && lines.count == 5, "\(host)")
        let hostPID = try hostNamespace("pid"), hostUTS = try hostNamespace("uts")
        #expect(lines[0] == hostPID && lines[1] == hostUTS, "\(host)")
        let hostname = try hostFile("/proc/sys/kernel/hostname").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(lines[2] == hostname && (Int(lines[3]) ?? 0) > 1 && lines[4] == "proc-ok", "\(host)")
        let own = sb.berth("run", "--rm", "--network", "none", "img", "sh", "-c", "readlink /proc/self/ns/pid; echo $$")
        #expect(own.status == 0 && own.stdout != "\(lines[0])\n1\n" && own.stdout.hasSuffix("\n1\n"), "private: pid 1 of its own: \(own)")

        let created = sb.berth("create", "--pid", "host", "--ipc", "host", "--uts", "host", "img", "true")
        let id = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let modes = sb.berth("inspect", "--format", "{{.HostConfig.PidMode}} {{.HostConfig.IpcMode}} {{.HostConfig.UTSMode}} {{.Config.Hostname}}", id)
        #expect(modes.stdout == "host shareable host \(hostname)\n", "podman 4.3's IpcMode: \(modes)")
        let plain = sb.berth("create", "img", "true").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let defaults = sb.berth("inspect", "--format", "{{.HostConfig.PidMode}} {{.HostConfig.IpcMode}} {{.HostConfig.UTSMode}} {{json .HostConfig.Devices}}", plain)
        #expect(defaults.stdout == "private shareable private []\n", "\(defaults)")
    }

    @Test(arguments: Mode.available)
    func container_modes_join_a_running_container_which_rm_then_refuses(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let first = sb.berth("run", "-d", "--name", "first", "--network", "none", "img", "sleep", "120")
        try #require(first.status == 0, "\(first)")
        let firstID = first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let inFirst = sb.berth("exec", "first", "sh", "-c", "for n in pid ipc uts; do readlink /proc/self/ns/$n; done; hostname")
        try #require(inFirst.status == 0 && inFirst.stdout.hasPrefix("pid:[") && inFirst.stdout.split(separator: "\n").count == 4, "\(inFirst)")
        let joined = sb.berth("run", "--rm", "--network", "none", "--pid", "container:first", "--ipc", "container:first",
                              "--uts", "container:first", "img", "sh", "-c", "for n in pid ipc uts; do readlink /proc/self/ns/$n; done; hostname; cat /proc/1/cmdline")
        #expect(joined.status == 0 && joined.stdout == inFirst.stdout + "sleep\u{0}120\u{0}", "\(joined) vs \(inFirst)")

        let pid = sb.berth("inspect", "--format", "{{.State.Pid}}", "first").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let byPath = sb.berth("run", "--rm", "--network", "none", "--uts", "ns:/proc/\(pid)/ns/uts", "--ipc", "ns:/proc/\(pid)/ns/ipc",
                              "img", "sh", "-c", "readlink /proc/self/ns/ipc; hostname")
        let firstLines = inFirst.stdout.split(separator: "\n")
        #expect(byPath.status == 0 && byPath.stdout == "\(firstLines[1])\n\(firstLines[3])\n", "ns:PATH: \(byPath)")

        let dependent = sb.berth("create", "--name", "second", "--pid", "container:first", "img", "true")
        try #require(dependent.status == 0, "\(dependent)")
        let modes = sb.berth("inspect", "--format", "{{.HostConfig.PidMode}} {{.HostConfig.IpcMode}} {{.HostConfig.UTSMode}}", "second")
        #expect(modes.stdout == "container:\(firstID) shareable private\n", "\(modes)")
        let refused = sb.berth("rm", "-f", "first")
        #expect(refused.status != 0 && refused.stderr.contains("has dependent containers which must be removed before it"), "\(refused)")
        let removed = sb.berth("rm", "-f", "--depend", "first")
        #expect(removed.status == 0 && sb.berth("ps", "-a", "-q").stdout.isEmpty, "\(removed)")
        // A container whose namespace is to be shared is started first, as podman does.
        let stopped = sb.berth("create", "--name", "alone", "--hostname", "alone-host", "img", "sleep", "300")
        try #require(stopped.status == 0)
        let joinedUTS = sb.berth("run", "--rm", "--network", "none", "--uts", "container:alone", "img", "hostname")
        #expect(joinedUTS.status == 0 && joinedUTS.stdout == "alone-host\n", "\(joinedUTS)")
        #expect(sb.berth("inspect", "--format", "{{.State.Status}}", "alone").stdout == "running\n")
        #expect(sb.berth("rm", "-f", "-t", "0", "alone").status == 0)
    }

    /// Joining a container that has the host's namespaces is being in the host's: no
    /// setns, which rootless is refused (podman's runc fails there).
    @Test(arguments: Mode.available)
    func container_modes_of_a_container_in_the_hosts_namespaces_share_the_hosts(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { _ = sb.berth("rm", "-a", "-f", "-t", "0") }
        try #require(sb.berth("run", "-d", "--name", "hostns", "--network", "none", "--pid", "host", "--ipc", "host", "--uts", "host",
                              "img", "sleep", "300").status == 0)
        let joined = sb.berth("run", "--rm", "--network", "none", "--pid", "container:hostns", "--ipc", "container:hostns",
                              "--uts", "container:hostns", "img", "sh", "-c", "for n in pid ipc uts; do readlink /proc/self/ns/$n; done")
        let expected = try ["pid", "ipc", "uts"].map { try hostNamespace($0) + "\n" }.joined()
        #expect(joined.status == 0 && joined.stdout == expected, "\(joined)")
    }

    @Test(arguments: Mode.available)
    func sysctls_are_set_in_the_containers_namespaces_only(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let ttl = try hostFile("/proc/sys/net/ipv4/ip_default_ttl"), shmmax = try hostFile("/proc/sys/kernel/shmmax")
        try #require(ttl != "42\n" && shmmax != "12345\n")
        let result = sb.berth("run", "--rm", "--network", "none", "--sysctl", "net.ipv4.ip_default_ttl=42,kernel.shmmax=12345",
                              "--sysctl", "net.ipv4.ip_forward=1", "--sysctl", "kernel.domainname=berth.test", "img", "sh", "-c",
                              "cat /proc/sys/net/ipv4/ip_default_ttl /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/domainname")
        #expect(result.status == 0 && result.stdout == "42\n12345\n1\nberth.test\n", "\(result)")
        let ttlAfter = try hostFile("/proc/sys/net/ipv4/ip_default_ttl"), shmmaxAfter = try hostFile("/proc/sys/kernel/shmmax")
        #expect(ttlAfter == ttl && shmmaxAfter == shmmax, "the host's values stay")
        // /proc/sys stays read-only for the container itself.
        let write = sb.berth("run", "--rm", "--network", "none", "img", "sh", "-c", "echo 7 > /proc/sys/net/ipv4/ip_default_ttl")
        #expect(write.status != 0, "\(write)")
    }

    @Test(arguments: Mode.available)
    func devices_are_made_in_the_container_and_read_only_ones_refuse_writes_as_root(mode: Mode) throws {
        let cg = try CgroupSandbox(mode)
        defer { #expect(cg.cleanup().isEmpty) }
        let zero = cg.berth("run", "--rm", "--network", "none", "--device", "/dev/zero:/dev/foo", "img", "sh", "-c",
                            "test -c /dev/foo && echo char; head -c 3 /dev/foo | od -An -tx1")
        #expect(zero.status == 0 && zero.stdout == "char\n 00 00 00\n", "\(zero)")
        let id = cg.berth("create", "--device", "/dev/zero:/dev/foo:r", "img", "true").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let shown = cg.berth("inspect", "--format", "{{json .HostConfig.Devices}}", id)
        #expect(shown.stdout == "[{\"PathOnHost\":\"/dev/zero\",\"PathInContainer\":\"/dev/foo\",\"CgroupPermissions\":\"\"}]\n", "\(shown)")
        guard mode == .root else { return }
        // /dev/kmsg (c 1:11) is outside the default list: its permissions are --device's.
        let readOnly = cg.berth("run", "--rm", "--network", "none", "--device", "/dev/kmsg:/dev/foo:r", "img", "sh", "-c",
                                "ls -l /dev/foo; : > /dev/foo && echo written")
        #expect(readOnly.stdout.contains("1,  11") && !readOnly.stdout.contains("written")
                && readOnly.stderr.contains("Operation not permitted"), "\(readOnly)")
        let writable = cg.berth("run", "--rm", "--network", "none", "--device", "/dev/kmsg:/dev/foo:rw", "img", "sh", "-c",
                                ": > /dev/foo && echo written")
        #expect(writable.status == 0 && writable.stdout == "written\n", "\(writable)")
    }

    /// podman's DevicesFromPath: a directory brings every device node below it, at the
    /// same place below the container's directory; other files and symlinks stay out.
    @Test(arguments: Mode.available)
    func a_device_directory_brings_every_device_node_below_it(mode: Mode) throws {
        let cg = try CgroupSandbox(mode)
        defer { #expect(cg.cleanup().isEmpty) }
        let dir = cg.sb.path("devs"), empty = cg.sb.path("nodevs")
        let made = cg.sb.run("/bin/sh", ["-c", "mkdir -p \(dir)/sub \(empty) && mknod -m 666 \(dir)/sub/mynull c 1 3 && mknod -m 666 \(dir)/myzero c 1 5"
                                           + " && touch \(dir)/plain && ln -s /dev/zero \(dir)/link && chmod 755 \(dir) \(dir)/sub \(empty)"], asTestUser: false)
        try #require(made.status == 0, "\(made)")
        let run = cg.berth("run", "--rm", "--network", "none", "--device", dir + ":/dev/mine", "img", "sh", "-c",
                           "cd /dev/mine && find . | sort; test -c sub/mynull && echo x > sub/mynull && head -c 2 myzero | od -An -tx1")
        #expect(run.status == 0 && run.stdout == ".\n./myzero\n./sub\n./sub/mynull\n 00 00\n", "\(run)")
        let id = cg.berth("create", "--device", dir + ":r", "img", "true").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let shown = cg.berth("inspect", "--format", "{{range .HostConfig.Devices}}{{.PathOnHost}}>{{.PathInContainer}} {{end}}", id)
        #expect(shown.stdout == "\(dir)/myzero>\(dir)/myzero \(dir)/sub/mynull>\(dir)/sub/mynull \n", "\(shown)")
        #expect(cg.berth("rm", id).status == 0)
        expectRefused(cg, ["run", "--rm", "--device", empty, "img", "true"], containing: "no devices found in \(empty): invalid argument")
        #expect(cg.leftovers.isEmpty, "\(cg.leftovers)")
    }

    @Test(arguments: Mode.available)
    func bad_values_are_refused_before_anything_is_created(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let cases: [([String], String)] = [
            (["--pid", "bogus"], "unrecognized namespace mode bogus passed"),
            (["--uts", "container:"], "namespace mode container requires a value"),
            (["--ipc", "container:nope"], "looking up container to share ipc namespace with: no container with name or ID \"nope\" found"),
            (["--pid", "ns:/nonexistent/pid"], "cannot find specified PID namespace path: stat /nonexistent/pid"),
            (["--uts", "host", "--hostname", "x"], "cannot set hostname when running in the host UTS namespace"),
            (["--sysctl", "vm.swappiness=1"], "sysctl 'vm.swappiness' is not allowed"),
            (["--sysctl", "net.ipv4.ip_forward"], "net.ipv4.ip_forward is invalid, sysctl values must be in the form of KEY=VALUE"),
            (["--sysctl", "net.ipv4.ip_forward=1=2"], "is invalid, extra spaces found"),
            (["--network", "host", "--sysctl", "net.ipv4.ip_forward=1"], "can't be set since Network Namespace set to host"),
            (["--ipc", "host", "--sysctl", "kernel.shmmax=1"], "can't be set since IPC Namespace set to host"),
            (["--device", "/dev/nonexistent"], "stat /dev/nonexistent: no such file or directory"),
            (["--device", "/dev/zero:rel"], "invalid device mode: rel"),
            (["--device", "/dev/zero:/dev/foo:x"], "invalid device mode: x"),
            (["--device", "/etc/hostname"], "/etc/hostname is not a device node"),
        ]
        for (flags, message) in cases {
            expectRefused(sb, ["create"] + flags + ["img", "true"], containing: message)
            expectRefused(sb, ["run", "--rm"] + flags + ["img", "true"], containing: message)
        }
    }

    @Test(arguments: Mode.available)
    func build_runs_steps_with_the_hosts_uts_and_pid_namespaces_and_a_device(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        try sb.makeFile("ctx/Dockerfile", "FROM img\nRUN readlink /proc/self/ns/uts; test -c /dev/foo && echo device-ok; echo pid=$$\n")
        let built = sb.berth("build", "--network", "none", "--uts", "host", "--pid", "host", "--device", "/dev/zero:/dev/foo", "-t", "nsbuild", sb.path("ctx"))
        #expect(built.status == 0 && built.stdout.contains("\ndevice-ok\n") && !built.stdout.contains("\npid=1\n"), "\(built)")
        let hostUTS = try hostNamespace("uts")
        if mode == .root { #expect(built.stdout.contains("\n\(hostUTS)\n"), "\(built)") }
        let refused = sb.berth("build", "--pid", "bogus", "-t", "nsbad", sb.path("ctx"))
        #expect(refused.status == 125 && refused.stderr == "Error: checking pid namespace: stat bogus: no such file or directory\n", "\(refused)")
        let missing = sb.berth("build", "--device", "/dev/nonexistent", "-t", "nsbad", sb.path("ctx"))
        #expect(missing.status == 125 && missing.stderr == "Error: stat /dev/nonexistent: no such file or directory\n", "\(missing)")
        #expect(sb.berth("images", "--format", "{{.Repository}}").stdout.split(separator: "\n").allSatisfy { !$0.contains("nsbad") })
    }
}
