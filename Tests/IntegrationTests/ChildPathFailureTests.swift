// What a user sees when a container cannot be set up: the child path's failure
// record (stage, errno and the object, such as the mount target) becomes one
// `Error:` line with exit 125, the command's own exec failure exit 126 or 127,
// from every process of the dance (the container process, --init's grandchild,
// the monitor of -d). Root and rootless: rootless runs through the pause
// process's user namespace (the intermediate process) and, with --userns=keep-id,
// through a user namespace of its own.
import Testing
import TestSupport

@Suite struct ChildPathFailureTests {
    @Test(arguments: Mode.available)
    func a_failing_mount_names_its_stage_target_and_errno(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        try sb.makeFile("data/file", "x")
        let data = sb.path("data")
        let overFile = sb.berth("run", "--rm", "-v", "\(data):/etc/passwd", "img", "true")
        #expect(overFile.status == 125, "\(overFile)")
        #expect(overFile.stderr == "Error: container setup: mount bind \(data) on /etc/passwd: Not a directory\n", "\(overFile)")

        let beneathFile = sb.berth("run", "--rm", "-v", "\(data):/bin/busybox/x", "img", "true")
        #expect(beneathFile.status == 125, "\(beneathFile)")
        #expect(beneathFile.stderr == "Error: container setup: mount create /bin/busybox/x: Not a directory\n", "\(beneathFile)")

        let badTmpfs = sb.berth("run", "--rm", "--mount", "type=tmpfs,target=/t,tmpfs-mode=99999", "img", "true")
        #expect(badTmpfs.status == 125, "\(badTmpfs)")
        #expect(badTmpfs.stderr == "Error: container setup: mount tmpfs on /t: Invalid argument\n", "\(badTmpfs)")

        if mode == .rootless {
            // keep-id: a user namespace of the container's own (maps written, then the release).
            let keepID = sb.berth("run", "--rm", "--userns=keep-id", "-v", "\(data):/etc/passwd", "img", "true")
            #expect(keepID.status == 125, "\(keepID)")
            #expect(keepID.stderr == "Error: container setup: mount bind \(data) on /etc/passwd: Not a directory\n", "\(keepID)")
        }
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty, "--rm leaves no container behind after a setup failure")
    }

    @Test(arguments: Mode.available)
    func setup_failures_reach_start_and_detached_run(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let workdir = sb.berth("run", "--rm", "-w", "/etc/passwd", "img", "true")
        #expect(workdir.status == 125, "\(workdir)")
        #expect(workdir.stderr == "Error: container setup: change to working directory /etc/passwd: Not a directory\n", "\(workdir)")

        let detached = sb.berth("run", "-d", "--name", "detached", "-w", "/etc/passwd", "img", "true")
        #expect(detached.status == 125, "\(detached)")
        #expect(detached.stderr == "Error: container setup: change to working directory /etc/passwd: Not a directory\n", "\(detached)")

        try sb.makeFile("data/file", "x")
        let data = sb.path("data")
        #expect(sb.berth("create", "--name", "created", "-v", "\(data):/etc/passwd", "img", "true").status == 0)
        for arguments in [["start", "created"], ["start", "-a", "created"]] {
            let started = sb.berth(arguments)
            #expect(started.status == 125, "\(arguments): \(started)")
            #expect(started.stderr == "Error: container setup: mount bind \(data) on /etc/passwd: Not a directory\n",
                    "\(arguments): \(started)")
        }
        #expect(sb.berth("rm", "-f", "detached", "created").status == 0)
    }

    @Test(arguments: Mode.available)
    func exec_failures_under_init_exit_126_or_127(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        // Under --init the command is exec'd by pid 1's child: its report must
        // still reach berth (pid 1 holds no copy of the socket).
        let notFound = sb.berth("run", "--rm", "--init", "img", "nosuchcommand")
        #expect(notFound.status == 127, "\(notFound)")
        #expect(notFound.stderr == "Error: executable file `nosuchcommand` not found in $PATH: No such file or directory\n",
                "\(notFound)")
        let cannot = sb.berth("run", "--rm", "--init", "img", "/etc/passwd")
        #expect(cannot.status == 126, "\(cannot)")
        #expect(cannot.stderr == "Error: cannot invoke `/etc/passwd`: Permission denied\n", "\(cannot)")
        let works = sb.berth("run", "--rm", "--init", "img", "sh", "-c", "echo ran; exit 6")
        #expect(works.status == 6 && works.stdout == "ran\n", "\(works)")
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty)
    }
}
