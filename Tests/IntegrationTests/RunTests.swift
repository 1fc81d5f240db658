// `run` as a user sees it: isolation, security defaults, exit codes and signals,
// the container life cycle. Root and rootless.
import Foundation
import Testing
import TestSupport

/// A sandbox with a busybox image named `img` imported.
func sandboxWithImage(_ mode: Mode) throws -> Sandbox {
    let sb = try Sandbox(mode)
    let imported = sb.berth("import", "--change", "CMD=/bin/sh", try busyboxTarball(sb), "img")
    #expect(imported.status == 0, "\(imported)")
    return sb
}

/// The berth command line of this sandbox, for shell scripts that background it.
func berthLine(_ sb: Sandbox) -> String {
    "\(Sandbox.binary) --root \(sb.root) --runroot \(sb.runroot)"
}

func shell(_ sb: Sandbox, _ script: String) -> Sandbox.Result {
    sb.run("/bin/sh", ["-c", script], asTestUser: sb.mode == .rootless,
           env: ["HOME": sb.testUser?.home ?? "/root", "XDG_RUNTIME_DIR": sb.runtimeDir])
}

@Suite struct RunIsolationTests {
    @Test(arguments: Mode.available)
    func namespaces_isolate(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let hostHostname = ProcessInfo.processInfo.hostName
        let result = sb.berth("run", "--rm", "--network", "none", "--hostname", "inside", "img",
                              "sh", "-c", "echo pid=$$; hostname; ip -o link | cut -d: -f2; cat /proc/self/uid_map")
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.first == "pid=1", "the command is pid 1: \(result.stdout)")
        #expect(lines.count > 2 && lines[1] == "inside" && lines[1] != hostHostname)
        #expect(lines.count > 2 && lines[2] == "lo" && !lines.contains("eth0"), "only lo with --network none: \(result.stdout)")
        if mode == .rootless {
            let map = lines.dropFirst(3).joined(separator: "\n")
            #expect(map.contains("0       \(sb.userID)          1") || map.contains("0 \(sb.userID) 1")
                    || map.split(separator: "\n").first?.split(separator: " ").map(String.init) == ["0", "\(sb.userID)", "1"],
                    "uid 0 inside is the user outside: \(map)")
        }
        // A mount made inside (and the rootfs overlay) is invisible outside.
        let mounted = sb.berth("run", "--rm", "--privileged", "img", "sh", "-c",
                               "mkdir -p /mnt && mount -t tmpfs berth-inner-tmpfs /mnt && grep -c berth-inner-tmpfs /proc/mounts")
        #expect(mounted.stdout == "1\n", "\(mounted)")
        let hostMounts = try readText("/proc/mounts")
        #expect(hostMounts.contains(" /proc proc "), "the host's mount table was read: \(hostMounts.prefix(200))")
        #expect(!hostMounts.contains("berth-inner-tmpfs") && !hostMounts.contains(sb.dir))
    }

    @Test(arguments: Mode.available)
    func bind_mounted_files_belong_to_the_user_on_the_host(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let shared = sb.path("shared")
        try sb.makeFile("shared/in.txt", "from host")
        let result = sb.berth("run", "--rm", "-v", "\(shared):/data", "img", "sh", "-c", "cat /data/in.txt; echo made > /data/out.txt")
        #expect(result.status == 0 && result.stdout == "from host", "\(result)")
        let attributes = try FileManager.default.attributesOfItem(atPath: shared + "/out.txt")
        let owner = (attributes[.ownerAccountID] as? NSNumber)?.uint32Value
        #expect(owner == (mode == .rootless ? sb.userID : 0))
        let readOnly = sb.berth("run", "--rm", "-v", "\(shared):/data:ro", "img", "sh", "-c", "echo x > /data/y")
        #expect(readOnly.status != 0 && readOnly.stderr.contains("Read-only file system"), "\(readOnly)")
    }
}

@Suite struct RunSecurityTests {
    @Test(arguments: Mode.available)
    func defaults_confine_and_privileged_lifts(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let status = sb.berth("run", "--rm", "img", "sh", "-c", "grep -E '^(CapEff|Seccomp):' /proc/self/status")
        #expect(status.stdout.contains("CapEff:\t00000000800405fb"), "podman's default capability set: \(status)")
        #expect(status.stdout.contains("Seccomp:\t2"), "\(status)")
        let denied = sb.berth("run", "--rm", "img", "sh", "-c", """
            echo x > /proc/sys/kernel/hostname 2>/dev/null && echo hostname-written
            [ -s /proc/kcore ] && echo kcore-readable
            mkdir -p /mnt; mount -t tmpfs x /mnt 2>/dev/null && echo mounted
            unshare -r true 2>/dev/null && echo unshared
            echo done
            """)
        #expect(denied.stdout == "done\n", "\(denied)")
        let privileged = sb.berth("run", "--rm", "--privileged", "img", "sh", "-c", """
            grep -c -E ' /proc/(kcore|keys|timer_list) ' /proc/mounts
            mkdir -p /mnt; mount -t tmpfs x /mnt && echo mounted
            unshare -r true && echo unshared
            echo x > /proc/sys/kernel/hostname 2>/dev/null && echo hostname-written
            """)
        #expect(privileged.stdout.hasPrefix("0\nmounted\nunshared\n"), "masks gone, mount and unshare work: \(privileged)")
        if mode == .root { #expect(privileged.stdout.contains("hostname-written")) }
        let readOnly = sb.berth("run", "--rm", "--read-only", "img", "sh", "-c", "touch /x")
        #expect(readOnly.status != 0 && readOnly.stderr.contains("Read-only file system"))
        let noNewPrivs = sb.berth("run", "--rm", "--security-opt", "no-new-privileges", "--cap-drop", "all", "img",
                                  "sh", "-c", "grep -E '^(NoNewPrivs|CapEff)' /proc/self/status")
        #expect(noNewPrivs.stdout == "CapEff:\t0000000000000000\nNoNewPrivs:\t1\n", "\(noNewPrivs)")
        let unconfined = sb.berth("run", "--rm", "--security-opt", "seccomp=unconfined", "img", "grep", "Seccomp:", "/proc/self/status")
        #expect(unconfined.stdout.contains("Seccomp:\t0"))
    }
}

@Suite struct RunExitCodeTests {
    @Test(arguments: Mode.available)
    func exit_codes_follow_podman(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "--rm", "img", "true").status == 0)
        #expect(sb.berth("run", "--rm", "img", "sh", "-c", "exit 3").status == 3)
        let engine = sb.berth("run", "--rm", "--bogus", "img", "true")
        #expect(engine.status == 125 && engine.stderr.hasPrefix("Error: unknown flag: --bogus"))
        // --pull never: a missing image is not looked for in a registry (no network here).
        let missingImage = sb.berth("run", "--rm", "--pull", "never", "nosuchimage", "true")
        #expect(missingImage.status == 125 && missingImage.stderr == "Error: nosuchimage: image not known\n", "\(missingImage)")
        let notFound = sb.berth("run", "--rm", "img", "nosuchcommand")
        #expect(notFound.status == 127 && notFound.stderr.contains("nosuchcommand") && notFound.stderr.hasPrefix("Error: "), "\(notFound)")
        let cannot = sb.berth("run", "--rm", "img", "/etc/passwd")
        #expect(cannot.status == 126 && cannot.stderr.contains("/etc/passwd") && cannot.stderr.hasPrefix("Error: "), "\(cannot)")
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty, "--rm leaves no container behind, even on failure")
        // A signal inside: pid 1 ignores TERM it has no handler for; under --init the shell is not pid 1.
        #expect(sb.berth("run", "--rm", "img", "sh", "-c", "kill -TERM $$; exit 4").status == 4)
        #expect(sb.berth("run", "--rm", "--init", "img", "sh", "-c", "kill -TERM $$; sleep 5").status == 143)
        #expect(sb.berth("run", "--rm", "--init", "img", "sh", "-c", "sleep 0.2 & sleep 0.1; exit 5").status == 5)
    }

    @Test(arguments: Mode.available)
    func kill_from_outside_and_forwarded_sigterm(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let b = berthLine(sb)
        let killed = shell(sb, """
            \(b) run --name k img sleep 100 & bp=$!
            for i in $(seq 1 200); do
              pid=$(\(b) inspect --format '{{.State.Pid}}' k 2>/dev/null)
              [ "${pid:-0}" -gt 0 ] && break; sleep 0.05
            done
            kill -9 "$pid"; wait $bp; echo "exit=$?"
            \(b) ps -a --format '{{.Names}} {{.Status}}'
            """)
        #expect(killed.stdout.contains("exit=137"), "\(killed)")
        #expect(killed.stdout.contains("k Exited (137)"), "\(killed)")
        let forwarded = shell(sb, """
            \(b) run --rm --name t img sh -c 'trap "exit 42" TERM; echo ready; while :; do sleep 0.1; done' > \(sb.path("out")) & bp=$!
            for i in $(seq 1 200); do grep -q ready \(sb.path("out")) 2>/dev/null && break; sleep 0.05; done
            kill -TERM $bp; wait $bp; echo "exit=$?"
            """)
        #expect(forwarded.stdout.contains("exit=42"), "SIGTERM to berth reaches the container: \(forwarded)")
    }
}

@Suite struct ContainerLifecycleTests {
    @Test(arguments: Mode.available)
    func changes_survive_restart_and_vanish_with_rm(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let id = sb.berth("create", "--name", "keeper", "img", "sh", "-c", "echo run >> /log; cat /log").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.count == 64)
        #expect(sb.berth("ps", "-a", "--format", "{{.Names}} {{.Status}}").stdout == "keeper Created\n")
        #expect(sb.berth("start", "-a", "keeper").stdout == "run\n")
        #expect(sb.berth("start", "-a", "keeper").stdout == "run\nrun\n", "the upper dir survives between runs")
        let ps = sb.berth("ps", "-a")
        #expect(ps.stdout.hasPrefix("CONTAINER ID  IMAGE"), "\(ps)")
        #expect(ps.stdout.contains("Exited (0)") && ps.stdout.contains("keeper"))
        #expect(sb.berth("ps", "-a", "--filter", "status=exited", "-q").stdout == String(id.prefix(12)) + "\n")
        #expect(sb.berth("ps", "-q").stdout.isEmpty, "ps without -a lists running containers only")
        let duplicate = sb.berth("create", "--name", "keeper", "img", "true")
        #expect(duplicate.status == 125 && duplicate.stderr.contains("already in use"))
        #expect(sb.berth("rm", "keeper").status == 0)
        #expect(!FileManager.default.fileExists(atPath: sb.root + "/containers/" + id))
        #expect(sb.berth("run", "--rm", "--name", "gone", "img", "true").status == 0)
        // The directories stay (keeper made them): listing them proves the test looks where berth writes.
        let leftovers = try directoryEntries(sb.root + "/containers")
        #expect(leftovers == ["names"], "--rm leaves no record: \(leftovers)")
        let names = try directoryEntries(sb.root + "/containers/names")
        #expect(names.isEmpty, "--rm frees the name: \(names)")
        let runtime = try directoryEntries(sb.runroot + "/containers")
        #expect(runtime.isEmpty, "--rm leaves no runtime state: \(runtime)")
    }

    @Test(arguments: Mode.available)
    func run_options_reach_the_process(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        try sb.makeFile("env.list", "FROM_FILE=yes\n# comment\n")
        let result = sb.berth("run", "--rm", "-e", "A=1", "--env-file", sb.path("env.list"), "-w", "/tmp/work",
                              "-u", "nobody", "--tmpfs", "/scratch", "img", "sh", "-c",
                              "echo $A $FROM_FILE; pwd; id -u; touch /scratch/x && echo tmpfs-ok")
        #expect(result.stdout == "1 yes\n/tmp/work\n65534\ntmpfs-ok\n", "\(result)")
        let entry = sb.berth("run", "--rm", "--entrypoint", "echo", "img", "hello", "world")
        #expect(entry.stdout == "hello world\n")
        let cid = sb.path("cid")
        #expect(sb.berth("run", "--rm", "--cidfile", cid, "img", "true").status == 0)
        let written = try readText(cid)
        #expect(written.count == 64 && written.allSatisfy(\.isHexDigit), "--cidfile holds the ID: \(written)")
        let ulimit = sb.berth("run", "--rm", "--ulimit", "nofile=100:200", "img", "sh", "-c", "ulimit -n; ulimit -Hn")
        #expect(ulimit.stdout == "100\n200\n", "\(ulimit)")
    }

    @Test(arguments: Mode.available)
    func interactive_tty_gets_a_real_terminal(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        // Python's pty module plays the user's terminal: 40 rows, 100 columns.
        let driver = try sb.makeFile("terminal_driver.py", """
            import os, pty, sys, time, fcntl, termios, struct, select
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(sys.argv[1], sys.argv[1:])
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 100, 0, 0))
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
            os.write(fd, b'stty size; echo typed-$((6*7))\\r')
            pump(1.0)
            os.write(fd, b'exit 7\\r')
            pump(1.0)
            _, status = os.waitpid(pid, 0)
            sys.stdout.write(out.decode(errors='replace'))
            sys.stdout.write('\\nstatus=%d\\n' % os.waitstatus_to_exitcode(status))
            """)
        let result = sb.run("/usr/bin/python3", [driver, Sandbox.binary, "--root", sb.root, "--runroot", sb.runroot,
                                                  "run", "--rm", "-it", "img", "sh"],
                            asTestUser: mode == .rootless, env: ["HOME": sb.testUser?.home ?? "/root"])
        #expect(result.stdout.contains("# "), "the shell's prompt appears: \(result)")
        #expect(result.stdout.contains("40 100"), "the window size reaches the container: \(result)")
        #expect(result.stdout.contains("typed-42"), "typed input reaches the shell: \(result)")
        #expect(result.stdout.contains("status=7"), "\(result)")
    }
}

@Suite struct RunOptionTests {
    @Test(arguments: Mode.available)
    func stdin_replace_wait_stop_inspect(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let piped = sb.berth(["run", "--rm", "-i", "img", "cat"], stdin: Array("through stdin\n".utf8))
        #expect(piped.stdout == "through stdin\n", "-i passes stdin: \(piped)")
        let closed = sb.berth(["run", "--rm", "img", "cat"], stdin: Array("ignored\n".utf8))
        #expect(closed.stdout.isEmpty, "without -i the container reads /dev/null: \(closed)")

        #expect(sb.berth("create", "--name", "same", "img", "echo", "one").status == 0)
        #expect(sb.berth("create", "--replace", "--name", "same", "img", "echo", "two").status == 0)
        #expect(sb.berth("start", "-a", "same").stdout == "two\n", "--replace swapped the container")
        #expect(sb.berth("wait", "same").stdout == "0\n")
        let inspect = sb.berth("inspect", "--format", "{{.Name}} {{.State.Status}} {{.State.ExitCode}} {{.Config.Cmd}}", "same")
        #expect(inspect.stdout == "same exited 0 [echo two]\n", "\(inspect)")
        let json = sb.berth("container", "inspect", "same")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect((parsed?.first?["State"] as? [String: Any])?["Status"] as? String == "exited")

        let b = berthLine(sb)
        let stopped = shell(sb, """
            \(b) run --name sleeper img sleep 60 & bp=$!
            for i in $(seq 1 200); do
              [ "$(\(b) inspect --format '{{.State.Status}}' sleeper 2>/dev/null)" = running ] && break; sleep 0.05
            done
            \(b) ps --format '{{.Names}} {{.Status}}'
            \(b) stop -t 1 sleeper; wait $bp; echo "run-exit=$?"
            \(b) wait sleeper
            \(b) ps -a --filter name=sleeper --format '{{.Status}}'
            """)
        #expect(stopped.stdout.contains("sleeper Up "), "ps shows the running container: \(stopped)")
        #expect(stopped.stdout.contains("run-exit=137"), "sleep as pid 1 ignores TERM: stop kills it after -t: \(stopped)")
        #expect(stopped.stdout.contains("\n137\n") && stopped.stdout.contains("Exited (137)"), "\(stopped)")
        #expect(sb.berth("rm", "-f", "sleeper", "same").status == 0)
    }

    @Test(arguments: Mode.available)
    func mount_flag_and_keep_id(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        try sb.makeFile("data/file", "mounted")
        let bind = sb.berth("run", "--rm", "--mount", "type=bind,source=\(sb.path("data")),target=/in,readonly", "img",
                            "sh", "-c", "cat /in/file; touch /in/x 2>/dev/null || echo read-only")
        #expect(bind.stdout == "mountedread-only\n", "\(bind)")
        let tmpfs = sb.berth("run", "--rm", "--mount", "type=tmpfs,target=/t", "img", "sh", "-c", "grep ' /t ' /proc/mounts | cut -d' ' -f3")
        #expect(tmpfs.stdout == "tmpfs\n", "\(tmpfs)")
        let badMount = sb.berth("run", "--rm", "--mount", "type=bogus,target=/v", "img", "true")
        #expect(badMount.status == 125 && badMount.stderr.hasPrefix("Error: "))
        let missing = sb.berth("run", "--rm", "-v", "/nonexistent/dir:/x", "img", "true")
        #expect(missing.status == 125 && missing.stderr.contains("/nonexistent/dir"), "\(missing)")
        if mode == .rootless {
            let keep = sb.berth("run", "--rm", "--userns=keep-id", "img", "sh", "-c", "id -u; id -g")
            #expect(keep.stdout == "\(sb.userID)\n\(sb.groupID)\n", "keep-id runs as the user's own id: \(keep)")
        }
    }
}

@Suite struct RunUserTests {
    @Test(arguments: Mode.available)
    func non_root_users_get_no_capabilities_unless_added(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let plain = sb.berth("run", "--rm", "-u", "1000:1000", "img", "grep", "CapEff", "/proc/self/status")
        #expect(plain.stdout == "CapEff:\t0000000000000000\n", "\(plain)")
        let added = sb.berth("run", "--rm", "-u", "1000", "--cap-add", "net_bind_service", "img", "grep", "CapEff", "/proc/self/status")
        #expect(added.stdout == "CapEff:\t0000000000000400\n", "\(added)")
        let unknownUser = sb.berth("run", "--rm", "-u", "nosuchuser", "img", "true")
        #expect(unknownUser.status == 125 && unknownUser.stderr.contains("nosuchuser"), "\(unknownUser)")
    }
}

@Suite struct RunProfileTests {
    @Test(arguments: Mode.available)
    func custom_seccomp_profile_and_generated_etc_files(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        // Allow everything but mkdir/mkdirat, which get EPERM.
        let profile = try sb.makeFile("profile.json", """
            {"defaultAction": "SCMP_ACT_ALLOW",
             "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
            """)
        let denied = sb.berth("run", "--rm", "--security-opt", "seccomp=\(profile)", "img", "sh", "-c", "mkdir /x; echo rc=$?")
        #expect(denied.stdout == "rc=1\n" && denied.stderr.contains("Operation not permitted"), "\(denied)")
        let broken = try sb.makeFile("broken.json", #"{"defaultAction": "SCMP_ACT_NOPE"}"#)
        let refused = sb.berth("run", "--rm", "--security-opt", "seccomp=\(broken)", "img", "true")
        #expect(refused.status == 125 && refused.stderr.contains("SCMP_ACT_NOPE"), "\(refused)")
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty)

        let etc = sb.berth("run", "--rm", "--name", "named", "--hostname", "box", "img", "sh", "-c",
                           "cat /etc/hostname; grep -c box /etc/hosts; grep -c localhost /etc/hosts; test -f /etc/resolv.conf && echo resolv")
        #expect(etc.stdout == "box\n1\n2\nresolv\n", "\(etc)")
    }

    @Test(arguments: Mode.available)
    func ps_filters_by_ancestor_and_formats_json(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("tag", "img", "other").status == 0)
        #expect(sb.berth("create", "--name", "a", "img", "true").status == 0)
        let imported = sb.berth("import", try busyboxTarball(sb, name: "second.tar"), "second")
        #expect(imported.status == 0)
        #expect(sb.berth("create", "--name", "b", "second", "true").status == 0)
        #expect(sb.berth("ps", "-a", "--filter", "ancestor=img", "--format", "{{.Names}}").stdout == "a\n")
        #expect(sb.berth("ps", "-a", "--filter", "name=b", "--format", "{{.Names}} {{.Image}}").stdout == "b localhost/second:latest\n")
        let json = sb.berth("ps", "-a", "--format", "json")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(Set(parsed?.compactMap { ($0["Names"] as? [String])?.first } ?? []) == ["a", "b"], "\(json)")
        let bad = sb.berth("ps", "--filter", "status=sleepy")
        #expect(bad.status == 125 && bad.stderr.hasPrefix("Error: "))
        #expect(sb.berth("rm", "a", "b").status == 0)
    }

    @Test(arguments: Mode.available)
    func every_proxied_signal_reaches_the_container(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let b = berthLine(sb)
        for (signal, code) in [("INT", 40), ("HUP", 41), ("QUIT", 43), ("USR1", 44), ("USR2", 45)] {
            let out = sb.path("out-\(signal)")
            let result = shell(sb, """
                \(b) run --rm img sh -c 'trap "exit \(code)" \(signal); echo ready; while :; do sleep 0.05; done' > \(out) & bp=$!
                for i in $(seq 1 200); do grep -q ready \(out) 2>/dev/null && break; sleep 0.05; done
                kill -\(signal) $bp; wait $bp; echo "exit=$?"
                """)
            #expect(result.stdout.contains("exit=\(code)"), "SIG\(signal) is forwarded: \(result)")
        }
    }
}

@Suite struct PauseProcessTests {
    @Test(arguments: Mode.available)
    func rootless_runs_share_one_user_namespace_held_by_a_pause_process(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let first = sb.berth("run", "--rm", "img", "readlink", "/proc/self/ns/user")
        #expect(first.status == 0, "\(first)")
        let pidFile = sb.runroot + "/pause.pid"
        guard mode == .rootless else {
            #expect(!FileManager.default.fileExists(atPath: pidFile), "root needs no pause process")
            return
        }
        let pause = try String(contentsOfFile: pidFile, encoding: .utf8).split(separator: " ").first.map(String.init) ?? ""
        let second = sb.berth("run", "--rm", "img", "readlink", "/proc/self/ns/user")
        #expect(second.stdout == first.stdout, "both containers are in the pause process's user namespace")
        let map = sb.berth("run", "--rm", "img", "cat", "/proc/self/uid_map").stdout
        #expect(map.split(separator: "\n").count == 2, "the user and the subordinate range: \(map)")
        // A dead pause process (or a reboot) is noticed and replaced.
        let pausePID = Int32(pause) ?? 0
        #expect(pausePID > 1, "pause.pid names a process: \(pause)")
        if pausePID > 1 { kill(pausePID, SIGKILL) }
        Thread.sleep(forTimeInterval: 0.1)
        let third = sb.berth("run", "--rm", "img", "true")
        #expect(third.status == 0, "\(third)")
        let replaced = try String(contentsOfFile: pidFile, encoding: .utf8).split(separator: " ").first.map(String.init)
        #expect(replaced != pause)
    }
}

@Suite struct LivenessTests {
    @Test(arguments: Mode.available)
    func a_reused_pid_does_not_make_a_container_look_running(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let id = sb.berth("create", "--name", "ghost", "img", "true").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // The record of a container berth saw running, whose pid now belongs to another
        // live process (this test's own), with another start time.
        let statePath = sb.root + "/containers/\(id)/state.json"
        let bootID = try String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let state = #"{"status":"running","pid":\#(getpid()),"pidStartTime":1,"bootID":"\#(bootID)","startedAt":1,"exitCode":0}"#
        try state.write(toFile: statePath, atomically: true, encoding: .utf8)
        try sb.handOver(statePath)
        let ps = sb.berth("ps", "-a", "--format", "{{.Names}} {{.State}}")
        #expect(ps.stdout == "ghost exited\n", "\(ps)")
        #expect(sb.berth("ps", "-q").stdout.isEmpty)
        #expect(sb.berth("rm", "ghost").status == 0, "an exited container is removed without -f")
    }
}

@Suite struct DetachedTests {
    @Test(arguments: Mode.available)
    func run_detached_and_start_return_while_the_monitor_keeps_the_container(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let started = sb.berth("run", "-d", "--name", "bg", "img", "sh", "-c", "echo hello from bg; sleep 30")
        #expect(started.status == 0 && started.stdout.count == 65, "run -d prints the ID: \(started)")
        #expect(sb.berth("ps", "--format", "{{.Names}} {{.State}}").stdout == "bg running\n")
        var logs = ""
        for _ in 0..<100 where !logs.contains("hello") {
            logs = sb.berth("logs", "bg").stdout
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(logs == "hello from bg\n", "the monitor keeps the output: \(logs)")
        #expect(sb.berth("stop", "-t", "1", "bg").stdout == "bg\n")
        #expect(sb.berth("ps", "-a", "--format", "{{.Names}} {{.Status}}").stdout.hasPrefix("bg Exited (137)"))

        #expect(sb.berth("create", "--name", "later", "img", "sh", "-c", "exit 6").status == 0)
        #expect(sb.berth("start", "later").stdout == "later\n", "start without -a detaches and prints the name")
        #expect(sb.berth("wait", "later").stdout == "6\n")

        let failing = sb.berth("run", "-d", "img", "nosuchcommand")
        #expect(failing.status == 127, "the monitor reports the exit code a foreground run would give: \(failing)")
        #expect(failing.stderr.hasPrefix("Error: ") && failing.stderr.contains("nosuchcommand"), "\(failing)")

        #expect(sb.berth("run", "-d", "--rm", "--name", "gone", "img", "true").status == 0)
        var remaining = "gone"
        for _ in 0..<100 where !remaining.isEmpty {
            remaining = sb.berth("ps", "-a", "--filter", "name=gone", "-q").stdout
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(remaining.isEmpty, "--rm applies to detached containers too")
        #expect(sb.berth("rm", "-a", "-f").status == 0)
    }
}
