// run/create flags that set up the container's process as podman's do (issue 9
// §8): --umask, --group-add, --shm-size, --personality and run --preserve-fds,
// each seen from inside the container; a bad value is one Error: line, exit 125
// and no container. Root and rootless.
import Foundation
import Testing
import TestSupport

/// busybox plus an /etc/group naming `staff` (50) and `audio` (29). Returns the image ID.
private func groupsImage(_ sb: Sandbox) throws -> String {
    var accounts = TarBuilder()
    accounts.directory("etc", mode: 0o755)
    accounts.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
    accounts.file("etc/group", "root:x:0:\naudio:x:29:\nstaff:x:50:\n")
    let layout = sb.path("layout-groups")
    let info = try Fixtures.ociLayout(at: layout, layers: [try Fixtures.busyboxRootfs().bytes(), accounts.bytes()], compression: .gzip)
    if sb.mode == .rootless { _ = sb.run("/bin/chown", ["-R", "\(sb.testUser!.uid)", layout], asTestUser: false) }
    let loaded = sb.berth("load", "-i", layout)
    #expect(loaded.status == 0, "\(loaded)")
    return info.imageID
}

/// The supplementary groups berth runs with, as a container of `sb` sees them.
private func callerGroups(_ sb: Sandbox) -> String {
    if sb.mode == .rootless { return "0" }
    var groups = [gid_t](repeating: 0, count: Int(getgroups(0, nil)))
    let count = getgroups(Int32(groups.count), &groups)
    return groups.prefix(Int(max(count, 0))).sorted().map(String.init).joined(separator: " ")
}

/// Expects `args` to be refused with exactly `message`, leaving no container.
private func expectRefused(_ sb: Sandbox, _ args: [String], _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let result = sb.berth(args)
    #expect(result.status == 125 && result.stderr == "Error: \(message)\n", "\(args): \(result)", sourceLocation: sourceLocation)
    #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty, "\(args) left a container", sourceLocation: sourceLocation)
}

@Suite struct ProcessSetupFlagTests {
    @Test(arguments: Mode.available)
    func umask_sets_the_process_file_mode_mask(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let given = sb.berth("run", "--rm", "--umask", "0077", "img", "sh", "-c", "umask; touch /tmp/f; stat -c %a /tmp/f")
        #expect(given.status == 0 && given.stdout == "0077\n600\n", "\(given)")
        let short = sb.berth("run", "--rm", "--umask", "27", "img", "sh", "-c", "umask")
        #expect(short.stdout == "0027\n", "\(short)")
        #expect(sb.berth("run", "--rm", "img", "sh", "-c", "umask").stdout == "0022\n", "podman's default")
        // create records it for every start.
        let created = sb.berth("create", "--name", "masked", "--umask", "0007", "img", "sh", "-c", "umask")
        #expect(created.status == 0, "\(created)")
        let started = sb.berth("start", "-a", "masked")
        #expect(started.status == 0 && started.stdout == "0007\n", "\(started)")
        #expect(sb.berth("rm", "masked").status == 0)
        for verb in ["run", "create"] {
            expectRefused(sb, [verb, "--umask", "999", "img", "true"], "invalid umask string 999: must be 1 to 4 octal digits")
            expectRefused(sb, [verb, "--umask", "00022", "img", "true"], "invalid umask string 00022: must be 1 to 4 octal digits")
        }
    }

    @Test(arguments: Mode.available)
    func group_add_adds_supplementary_groups_by_name_and_number(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let image = try groupsImage(sb)
        let ids = sb.berth("run", "--rm", "--group-add", "staff", "--group-add", "1234,audio", image, "sh", "-c",
                           "grep ^Groups: /proc/self/status")
        #expect(ids.status == 0 && ids.stdout == "Groups:\t29 50 1234 \n", "\(ids)")
        let user = sb.berth("run", "--rm", "--user", "1000:1000", "--group-add", "50", image, "id", "-G")
        #expect(user.status == 0 && user.stdout == "1000 50\n", "\(user)")
        let none = sb.berth("run", "--rm", image, "sh", "-c", "grep ^Groups: /proc/self/status")
        #expect(none.stdout.split(separator: "\t").last?.trimmingCharacters(in: .whitespacesAndNewlines) == "", "\(none)")
        let missing = sb.berth("run", "--rm", "--group-add", "nosuch", image, "true")
        #expect(missing.status == 125 && missing.stderr == "Error: unable to find group nosuch: no matching entries in group file\n",
                "\(missing)")
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty, "--rm removed the container that could not start")
        // keep-groups: the caller's own groups, as the container sees them (rootless:
        // the test user's only group is its primary gid, mapped to 0 inside).
        let kept = sb.berth("run", "--rm", "--group-add", "keep-groups", image, "sh", "-c", "grep ^Groups: /proc/self/status")
        #expect(kept.status == 0 && kept.stdout == "Groups:\t\(callerGroups(sb)) \n", "\(kept)")
        for verb in ["run", "create"] {
            expectRefused(sb, [verb, "--group-add", "keep-groups", "--group-add", "staff", image, "true"],
                          "the '--group-add keep-groups' option is not allowed with any other --group-add options")
        }
    }

    @Test(arguments: Mode.available)
    func shm_size_sizes_dev_shm(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        /// The size= option of /dev/shm's line in /proc/mounts.
        func sizeOption(_ line: String) -> String {
            let fields = line.split(separator: " ")
            guard fields.count > 3 else { return "no mount: \(line)" }
            return fields[3].split(separator: ",").first { $0.hasPrefix("size=") }.map(String.init) ?? "no size: \(line)"
        }
        func shmOptions(_ args: String...) -> String {
            let result = sb.berth(["run", "--rm"] + args + ["img", "grep", " /dev/shm ", "/proc/mounts"])
            #expect(result.status == 0, "\(result)")
            return sizeOption(result.stdout)
        }
        #expect(shmOptions() == "size=65536k", "podman's default 64m")
        #expect(shmOptions("--shm-size", "1m") == "size=1024k")
        #expect(shmOptions("--shm-size", "128MB") == "size=131072k")
        #expect(shmOptions("--shm-size=2g") == "size=2097152k")
        #expect(shmOptions("--shm-size", "1048576") == "size=1024k", "a plain number is bytes")
        #expect(shmOptions("--shm-size", "0") == "size=0k", "tmpfs without a limit, as podman mounts it")
        let created = sb.berth("create", "--name", "shm", "--shm-size", "8m", "img", "grep", " /dev/shm ", "/proc/mounts")
        #expect(created.status == 0, "\(created)")
        #expect(sizeOption(sb.berth("start", "-a", "shm").stdout) == "size=8192k")
        #expect(sb.berth("rm", "shm").status == 0)
        for verb in ["run", "create"] {
            expectRefused(sb, [verb, "--shm-size", "1x", "img", "true"], "unable to translate --shm-size: invalid size: '1x'")
            expectRefused(sb, [verb, "--shm-size", "-1m", "img", "true"], "unable to translate --shm-size: invalid size: '-1m'")
        }
    }

    @Test(arguments: Mode.available)
    func personality_sets_the_execution_domain(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        var host = utsname()
        uname(&host)
        let machine = withUnsafeBytes(of: host.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        #expect(sb.berth("run", "--rm", "--personality", "LINUX", "img", "uname", "-m").stdout == machine + "\n")
        if machine == "x86_64" {
            let narrow = sb.berth("run", "--rm", "--personality", "LINUX32", "img", "uname", "-m")
            #expect(narrow.status == 0 && narrow.stdout == "i686\n", "\(narrow)")
        }
        for verb in ["run", "create"] {
            expectRefused(sb, [verb, "--personality", "LINUX64", "img", "true"], "invalid --personality \"LINUX64\": use LINUX or LINUX32")
        }
    }

    @Test(arguments: Mode.available)
    func preserve_fds_passes_open_files_to_the_container(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let one = try sb.makeFile("one", Array("first\n".utf8))
        let two = try sb.makeFile("two", Array("second\n".utf8))
        let passed = shell(sb, "\(berthLine(sb)) run --rm --preserve-fds 2 img sh -c 'cat <&3; cat <&4; cat <&5 || echo no-5' 3<\(one) 4<\(two)")
        #expect(passed.status == 0 && passed.stdout == "first\nsecond\nno-5\n", "\(passed)")
        let kept = shell(sb, "\(berthLine(sb)) run --rm img sh -c 'cat <&3 || echo no-3' 3<\(one)")
        #expect(kept.stdout == "no-3\n", "without --preserve-fds the container gets 0-2 only: \(kept)")
        let initPassed = shell(sb, "\(berthLine(sb)) run --rm --init --preserve-fds 1 img sh -c 'cat <&3' 3<\(one)")
        #expect(initPassed.stdout == "first\n", "\(initPassed)")
        let closed = shell(sb, "\(berthLine(sb)) run --preserve-fds 2 img true 3<\(one)")
        #expect(closed.status == 125 && closed.stderr
                == "Error: file descriptor 4 is not available - the preserve-fds option requires that file descriptors must be passed\n",
                "\(closed)")
        let detached = shell(sb, "\(berthLine(sb)) run -d --preserve-fds 1 img true 3<\(one)")
        #expect(detached.status == 125 && detached.stderr
                == "Error: --preserve-fds with --detach is not supported yet: only a foreground run passes its fds\n", "\(detached)")
        let bad = sb.berth("run", "--preserve-fds", "many", "img", "true")
        #expect(bad.status == 125 && bad.stderr.hasPrefix("Error: invalid argument \"many\" for \"--preserve-fds\" flag"), "\(bad)")
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty, "refused runs created nothing")
    }
}
