// --passwd (on by default), --passwd-entry and --hostuser, as podman 4.3 has them:
// a numeric user or group the image lacks gets a line in the container's
// /etc/passwd and /etc/group, written by the container's process beneath its own
// root: never through a symlink, never into a file bound from the host.
import Foundation
import Testing
import TestSupport

@Suite struct ContainerAccountTests {
    @Test(arguments: Mode.available)
    func a_numeric_user_the_image_lacks_gets_podmans_passwd_and_group_lines(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let script = "whoami; grep 1234 /etc/passwd; grep 5678 /etc/group; echo HOME=$HOME"
        let run = sb.berth("run", "--rm", "--network", "none", "--user", "1234:5678", "img", "sh", "-c", script)
        #expect(run.status == 0 && run.stdout == "1234\n1234:*:1234:5678:container user:/:/bin/sh\n5678:x:5678:1234\nHOME=/\n", "\(run)")
        // No group given: gid 0 in passwd, a group named after the user; the working directory is the home.
        let workdir = sb.berth("run", "--rm", "--network", "none", "--user", "1234", "-w", "/tmp", "img", "sh", "-c",
                               "grep 1234 /etc/passwd /etc/group; echo HOME=$HOME")
        #expect(workdir.stdout == "/etc/passwd:1234:*:1234:0:container user:/tmp:/bin/sh\n/etc/group:1234:x:1234:1234\nHOME=/tmp\n", "\(workdir)")
        // A group by name: its gid, and no group line.
        let named = sb.berth("run", "--rm", "--network", "none", "--user", "1234:nogroup", "img", "sh", "-c", "grep -c 1234 /etc/passwd /etc/group")
        #expect(named.stdout == "/etc/passwd:1\n/etc/group:0\n", "\(named)")
        // A user the image has: nothing added.
        let known = sb.berth("run", "--rm", "--network", "none", "--user", "65534", "img", "sh", "-c", "wc -l < /etc/passwd; whoami")
        let lines = sb.berth("run", "--rm", "--network", "none", "img", "sh", "-c", "wc -l < /etc/passwd").stdout
        #expect(known.stdout == lines + "nobody\n", "\(known)")
        // The container's own file changed, as podman's (diff: C /etc/passwd).
        let id = sb.berth("create", "--network", "none", "--user", "1234", "img", "true").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(sb.berth("start", "-a", id).status == 0)
        #expect(sb.berth("start", "-a", id).status == 0)
        let diff = sb.berth("diff", id)
        #expect(diff.stdout.contains("C /etc/passwd") && diff.stdout.contains("C /etc/group"), "\(diff)")
        let copied = sb.berth("cp", id + ":/etc/passwd", "-")
        #expect(copied.stdout.components(separatedBy: "1234:*:1234:0:").count == 2, "one line after two starts: \(copied)")
        #expect(sb.berth("rm", id).status == 0)
    }

    /// podman lists a given user's primary group among the supplementary ones.
    @Test(arguments: Mode.available)
    func a_given_users_primary_group_is_among_its_groups(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        for (flags, groups) in [([String](), ""), (["--user", "1234"], "0"), (["--user", "nobody"], "65534"), (["--user", "1234:5678"], "5678")] {
            let run = sb.berth(["run", "--rm", "--network", "none"] + flags + ["img", "grep", "^Groups:", "/proc/self/status"])
            #expect(run.status == 0 && run.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "Groups:\t\(groups)".trimmingCharacters(in: .whitespaces),
                    "\(flags): \(run)")
        }
    }

    @Test(arguments: Mode.available)
    func passwd_entry_hostuser_and_passwd_false(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let template = sb.berth("run", "--rm", "--network", "none", "--user", "1234:1234", "--passwd-entry", "X:$USERNAME:$UID:$GID:$NAME:$HOME",
                                "img", "grep", "1234", "/etc/passwd")
        #expect(template.stdout == "X:1234:1234:1234:container user:/\n", "\(template)")
        // The host's daemon account (uid 1 on Debian), not in the image; root is, and stays as it is.
        let host = sb.berth("run", "--rm", "--network", "none", "-w", "/tmp", "--hostuser", "daemon", "--hostuser", "0", "img", "sh", "-c",
                            "grep -c ^root: /etc/passwd; grep ^daemon: /etc/passwd")
        #expect(host.stdout == "1\ndaemon:*:1:1:daemon:/tmp:/bin/sh\n", "\(host)")
        let off = sb.berth("run", "--rm", "--network", "none", "--user", "1234", "--hostuser", "daemon", "--passwd=false", "img", "sh", "-c",
                           "grep -c -e 1234 -e daemon /etc/passwd /etc/group; whoami")
        #expect(off.stdout == "/etc/passwd:0\n/etc/group:0\n" && off.stderr.contains("unknown uid 1234"), "\(off)")
        expectRefused(sb, ["create", "--hostuser", "nosuchuser", "img", "true"], containing: "user: unknown user nosuchuser")
        // A build's RUN under a numeric USER adds nothing to the image's files (buildah adds none).
        try sb.makeFile("ctx/Dockerfile", "FROM img\nUSER 1234\nRUN id -u > /tmp/ran\n")
        let built = sb.berth("build", "--network", "none", "-q", "-t", "asuser", sb.path("ctx"))
        #expect(built.status == 0, "\(built)")
        let image = sb.berth("run", "--rm", "--network", "none", "--user", "0", "asuser", "sh", "-c", "cat /tmp/ran; grep -c 1234 /etc/passwd /etc/group")
        #expect(image.stdout == "1234\n/etc/passwd:0\n/etc/group:0\n", "\(image)")
    }

    /// The lines are appended by the container's process after pivot_root, beneath its
    /// root, without crossing a mount or following a final symlink.
    @Test(arguments: Mode.available)
    func a_symlinked_or_host_bound_passwd_is_never_written(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        // A host file bound over /etc/passwd stays as it is.
        let hostFile = try sb.makeFile("passwd", Array("root:x:0:0:root:/root:/bin/sh\n".utf8))
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: hostFile)
        let bound = sb.berth("run", "--rm", "--network", "none", "--user", "1234", "-v", hostFile + ":/etc/passwd", "img", "true")
        #expect(bound.status == 0, "\(bound)")
        #expect(try String(contentsOfFile: hostFile, encoding: .utf8) == "root:x:0:0:root:/root:/bin/sh\n")
        // An image whose /etc/passwd is a symlink: its target is not written through it.
        let prep = sb.berth("run", "--name", "prep", "--network", "none", "img", "sh", "-c",
                            "mv /etc/passwd /etc/passwd.real && ln -s passwd.real /etc/passwd")
        #expect(prep.status == 0 && sb.berth("commit", "-q", "prep", "linked").status == 0, "\(prep)")
        let linked = sb.berth("run", "--rm", "--network", "none", "--user", "1234", "linked", "grep", "-c", "1234", "/etc/passwd.real")
        #expect(linked.stdout == "0\n", "\(linked)")
        #expect(sb.berth("rm", "prep").status == 0)
        // Absolute symlinks to the host's secrets and root: resolved inside the container (its own
        // /etc/shadow), never written through; a directory is refused by the lookup.
        let shadowBefore = try Data(contentsOf: URL(fileURLWithPath: "/etc/shadow"))
        let planted = sb.berth("run", "--name", "planted", "--network", "none", "img", "sh", "-c",
                               "echo 'root:*:1::::::' > /etc/shadow && ln -sf /etc/shadow /etc/passwd")
        #expect(planted.status == 0 && sb.berth("commit", "-q", "planted", "toshadow").status == 0, "\(planted)")
        let started = sb.berth("run", "--rm", "--network", "none", "--user", "1234", "toshadow", "cat", "/etc/shadow")
        #expect(started.status == 0 && started.stdout == "root:*:1::::::\n", "its own /etc/shadow stays as it was: \(started)")
        let rooted = sb.berth("run", "--name", "rooted", "--network", "none", "toshadow", "sh", "-c", "rm /etc/group && ln -s / /etc/group")
        #expect(rooted.status == 0 && sb.berth("commit", "-q", "rooted", "toroot").status == 0, "\(rooted)")
        let refused = sb.berth("run", "--rm", "--network", "none", "--user", "1234", "toroot", "true")
        #expect(refused.status == 125 && refused.stderr.hasPrefix("Error: ") && refused.stderr.contains("/etc/group"), "\(refused)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "/etc/shadow")) == shadowBefore, "the host's /etc/shadow is untouched")
        #expect(sb.berth("rm", "rooted").status == 0)
        #expect(sb.berth("rm", "planted").status == 0)
    }
}
