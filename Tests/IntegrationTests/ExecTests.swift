// `exec` as a user sees it (issue 11): the process shares the container's pid
// namespace, hostname, mounts, user, CapEff and seccomp filter; podman's exit
// codes (the command's own, 126, 127, 125); -u, -e, --env-file, -w,
// --privileged, --preserve-fds; -it under a real pty; -d leaves its process to
// the container's pid 1 and nothing of berth's behind. Root and rootless.
import Foundation
import Testing
import TestSupport

/// `name` running `sleep 1000` in the background.
private func runningContainer(_ sb: Sandbox, _ name: String, _ extra: [String] = []) throws {
    let started = sb.berth(["run", "-d", "--name", name] + extra + ["img", "sleep", "1000"])
    try #require(started.status == 0, "\(started)")
}

/// Every container of the sandbox removed, so that cleanup finds no process.
private func removeAll(_ sb: Sandbox) {
    #expect(sb.berth("rm", "-a", "-f", "-t", "0").status == 0)
}

/// The bounding set of this process, which --privileged gives (root here lacks
/// CAP_SYS_RESOURCE, design.md §11, so it is not simply every capability).
private func ownBoundingSet() throws -> String {
    let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
    return String(status.split(separator: "\n").first { $0.hasPrefix("CapBnd:") }!.dropFirst(8))
}

@Suite struct ExecTests {
    @Test(arguments: Mode.available)
    func exec_runs_inside_the_containers_namespaces_with_its_security(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { removeAll(sb) }
        try runningContainer(sb, "c", ["--hostname", "inner"])
        let seen = sb.berth("exec", "c", "sh", "-c", """
            cat /proc/1/cmdline | tr '\\0' ' '; echo; hostname; id -u; test -f /run/.containerenv && echo mounts-ok
            grep -E '^(CapEff|Seccomp):' /proc/self/status; grep CapEff /proc/1/status
            """)
        #expect(seen.status == 0, "\(seen)")
        let lines = seen.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 7, "\(seen)")
        #expect(lines[0] == "sleep 1000 ", "pid 1 of its pid namespace is the container's process: \(seen)")
        #expect(lines[1] == "inner" && lines[2] == "0" && lines[3] == "mounts-ok", "\(seen)")
        #expect(lines[4] == lines[6], "the same effective capabilities as the container's process: \(seen)")
        #expect(lines[4] == "CapEff:\t00000000800405fb", "podman's default set: \(seen)")
        #expect(lines[5] == "Seccomp:\t2", "the container's seccomp filter: \(seen)")

        let nobody = sb.berth("exec", "-u", "nobody", "c", "id")
        #expect(nobody.stdout == "uid=65534(nobody) gid=65534(nogroup)\n", "\(nobody)")
        try sb.makeFile("exec.env", "FROM_FILE=yes\n")
        let flags = sb.berth("exec", "-e", "A=1", "--env-file", sb.path("exec.env"), "-w", "/tmp", "c", "sh", "-c", "echo $A $FROM_FILE $HOSTNAME; pwd")
        #expect(flags.stdout == "1 yes inner\n/tmp\n", "\(flags)")
        let privileged = sb.berth("exec", "--privileged", "-u", "nobody", "c", "grep", "CapEff", "/proc/self/status")
        #expect(privileged.stdout == "CapEff:\t" + (try ownBoundingSet()) + "\n", "every capability, also for a non-root user: \(privileged)")
        let piped = sb.berth(["exec", "-i", "c", "cat"], stdin: Array("through stdin\n".utf8))
        #expect(piped.stdout == "through stdin\n", "\(piped)")
        let closed = sb.berth(["exec", "c", "cat"], stdin: Array("ignored\n".utf8))
        #expect(closed.stdout.isEmpty && closed.status == 0, "without -i the process reads /dev/null: \(closed)")
        let preserved = shell(sb, "echo from-fd-3 > \(sb.path("fd3")); \(berthLine(sb)) exec --preserve-fds 1 c sh -c 'cat <&3' 3< \(sb.path("fd3"))")
        #expect(preserved.stdout == "from-fd-3\n", "\(preserved)")
    }

    @Test(arguments: Mode.available)
    func exec_exit_codes_are_podmans(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { removeAll(sb) }
        try runningContainer(sb, "c")
        #expect(sb.berth("exec", "c", "sh", "-c", "exit 3").status == 3)
        let missing = sb.berth("exec", "c", "nosuch")
        #expect(missing.status == 127 && missing.stderr == "Error: executable file `nosuch` not found in $PATH: No such file or directory\n", "\(missing)")
        let denied = sb.berth("exec", "c", "/etc/passwd")
        #expect(denied.status == 126 && denied.stderr == "Error: cannot invoke `/etc/passwd`: Permission denied\n", "\(denied)")
        let killed = sb.berth("exec", "c", "sh", "-c", "kill -9 $$")
        #expect(killed.status == 137, "128 + the signal: \(killed)")
        let noUser = sb.berth("exec", "-u", "nosuchuser", "c", "true")
        #expect(noUser.status == 125 && noUser.stderr == "Error: unable to find user nosuchuser: no matching entries in passwd file\n", "\(noUser)")
        let noDir = sb.berth("exec", "-w", "/nonexistent", "c", "true")
        #expect(noDir.status == 125 && noDir.stderr.hasPrefix("Error: ") && noDir.stderr.contains("/nonexistent: No such file or directory"), "\(noDir)")
        let noCommand = sb.berth("exec", "c")
        #expect(noCommand.status == 125 && noCommand.stderr == "Error: must provide a non-empty command to start an exec session: invalid argument\n", "\(noCommand)")
        let noContainer = sb.berth("exec", "missing", "true")
        #expect(noContainer.status == 125 && noContainer.stderr == "Error: no container with name or ID \"missing\" found: no such container\n", "\(noContainer)")
        let keys = sb.berth("exec", "--detach-keys", "ctrl-pp", "c", "true")
        #expect(keys.status == 125 && keys.stderr == "Error: invalid detach keys: Unknown character: 'ctrl-pp'\n", "\(keys)")

        #expect(sb.berth("create", "--name", "idle", "img", "sleep", "1").status == 0)
        let stopped = sb.berth("exec", "idle", "true")
        #expect(stopped.status == 125 && stopped.stderr == "Error: can only create exec sessions on running containers: container state improper\n", "\(stopped)")
        #expect(sb.berth("stop", "-t", "0", "c").status == 0)
        let exited = sb.berth("exec", "c", "true")
        #expect(exited.status == 125 && exited.stderr == stopped.stderr, "\(exited)")
    }

    @Test(arguments: Mode.available)
    func exec_detach_leaves_the_process_to_the_containers_init(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { removeAll(sb) }
        try runningContainer(sb, "c", ["--init"])
        let detached = sb.berth("exec", "-d", "c", "sleep", "567")
        let session = detached.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(detached.status == 0 && session.count == 64 && session.allSatisfy(\.isHexDigit), "podman prints a session ID: \(detached)")
        let tree = sb.berth("exec", "c", "ps", "-o", "ppid,args")
        #expect(tree.stdout.contains("    1 sleep 567"), "its parent is the container's pid 1: \(tree)")
        // No berth process waits for it on the host.
        let hostBerths = shell(sb, "ps -eo args | grep -c '^\(berthLine(sb)) exec' || true")
        #expect(hostBerths.stdout == "0\n", "\(hostBerths)")
        // A missing command is reported even when detached.
        let missing = sb.berth("exec", "-d", "c", "nosuch")
        #expect(missing.status == 127 && missing.stdout.isEmpty, "\(missing)")
    }

    @Test(arguments: Mode.available)
    func exec_interactive_tty_gets_a_prompt_and_the_window_size(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { removeAll(sb) }
        try runningContainer(sb, "c")
        // Python's pty module plays the user's terminal: 33 rows, 77 columns.
        let driver = try sb.makeFile("exec_terminal.py", """
            import os, pty, sys, time, fcntl, termios, struct, select
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(sys.argv[1], sys.argv[1:])
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 33, 77, 0, 0))
            out = b''
            def pump(seconds):
                global out
                end = time.time() + seconds
                while time.time() < end:
                    r, _, _ = select.select([fd], [], [], 0.05)
                    if r:
                        try:
                            out += os.read(fd, 4096)
                        except OSError:
                            return
            pump(1.5)
            os.write(fd, b'stty size; echo TERM=$TERM; echo typed-$((6*7))\\r')
            pump(1.0)
            os.write(fd, b'exit 5\\r')
            pump(1.0)
            _, status = os.waitpid(pid, 0)
            sys.stdout.write(out.decode(errors='replace'))
            sys.stdout.write('\\nstatus=%d\\n' % os.waitstatus_to_exitcode(status))
            """)
        let result = sb.run("/usr/bin/python3", [driver, Sandbox.binary, "--root", sb.root, "--runroot", sb.runroot, "exec", "-it", "c", "sh"],
                            asTestUser: mode == .rootless, env: ["HOME": sb.testUser?.home ?? "/root", "XDG_RUNTIME_DIR": sb.runtimeDir])
        #expect(result.stdout.contains("# "), "the shell's prompt: \(result)")
        #expect(result.stdout.contains("33 77"), "the window size: \(result)")
        #expect(result.stdout.contains("TERM=xterm") && result.stdout.contains("typed-42"), "\(result)")
        #expect(result.stdout.contains("status=5"), "\(result)")
        #expect(sb.berth("ps", "--format", "{{.Names}} {{.State}}").stdout == "c running\n", "the container runs on")
    }
}
