// `cp` out of a container and `export`, as a user sees them: trees with modes,
// symlinks and owners (in the tar) copied from running and stopped containers,
// podman's errors, and a container that swaps a path for a symlink while cp
// runs never makes berth read a host file. Root and rootless.
import Foundation
import Glibc
import Testing
import TestSupport

/// Makes /d in the container: a subdirectory, a 0640 file owned 12:34, a
/// relative and an absolute symlink, and a symlink to the root.
private let plantTree = "mkdir -p /d/sub && echo hi > /d/sub/f && chmod 640 /d/sub/f && chown 12:34 /d/sub/f && chmod 750 /d/sub"
    + " && ln -s sub/f /d/rel && ln -s /etc/passwd /d/abs && ln -s / /d/root"

private func linkTarget(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink(path, &buffer, buffer.count - 1)
    return n < 0 ? nil : String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

private func owner(_ path: String) -> UInt32? {
    var st = stat()
    return lstat(path, &st) == 0 ? st.st_uid : nil
}

@Suite struct ContainerCopyTests {
    @Test(arguments: Mode.available)
    func cp_copies_a_tree_out_of_a_stopped_container(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let ran = sb.berth("run", "--name", "c", "img", "sh", "-c", plantTree)
        #expect(ran.status == 0, "\(ran)")

        let out = sb.path("out")
        #expect(shell(sb, "mkdir \(out)").status == 0)
        let copied = sb.berth("cp", "c:/d", out)
        #expect(copied.status == 0 && copied.stdout.isEmpty && copied.stderr.isEmpty, "\(copied)")
        #expect(try readText(out + "/d/sub/f") == "hi\n")
        #expect(try permissionBits(out + "/d/sub/f") == 0o640)
        #expect(try permissionBits(out + "/d/sub") == 0o750)
        #expect(linkTarget(out + "/d/rel") == "sub/f" && linkTarget(out + "/d/abs") == "/etc/passwd" && linkTarget(out + "/d/root") == "/")
        #expect(owner(out + "/d/sub/f") == sb.userID, "files copied out belong to the caller, as podman's")

        // Into a new name, a single file, a directory's contents.
        #expect(sb.berth("cp", "c:/d/sub/f", out + "/g").status == 0)
        #expect(try readText(out + "/g") == "hi\n")
        #expect(sb.berth("cp", "c:/d/.", out + "/contents").status == 0)
        #expect(try directoryEntries(out + "/contents").sorted() == ["abs", "rel", "root", "sub"])

        // As a tar on standard output: owners and modes as the container sees them.
        let listed = shell(sb, "\(berthLine(sb)) cp c:/d - | tar --numeric-owner -tvf - | awk '{print $1, $2, $6}'")
        #expect(listed.status == 0, "\(listed)")
        #expect(listed.stdout.contains("-rw-r----- 12/34 d/sub/f") && listed.stdout.contains("drwxr-x--- 0/0 d/sub/"), "\(listed)")
        #expect(listed.stdout.contains("lrwxrwxrwx 0/0 d/root"), "\(listed)")
    }

    @Test(arguments: Mode.available)
    func cp_reads_a_running_container_and_refuses_bad_input(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let started = sb.berth("run", "-d", "--name", "live", "img", "sh", "-c", "echo running > /state; sleep 100")
        #expect(started.status == 0, "\(started)")
        var copied = Sandbox.Result(stdout: "", stderr: "", status: -1)
        for _ in 0..<50 {
            copied = sb.berth("cp", "live:/state", sb.path("state"))
            if copied.status == 0 { break }
            usleep(100_000)
        }
        #expect(copied.status == 0, "\(copied)")
        #expect(try readText(sb.path("state")) == "running\n")

        let missing = sb.berth("cp", "live:/nope", sb.path("x"))
        #expect(missing.status == 125 && missing.stderr == "Error: \"/nope\" could not be found on container live: no such file or directory\n", "\(missing)")
        let noParent = sb.berth("cp", "live:/state", sb.path("no/such/dir"))
        #expect(noParent.status == 125 && noParent.stderr.hasPrefix("Error: \"") && noParent.stderr.hasSuffix("could not be found on the host: no such file or directory\n"), "\(noParent)")
        let noContainer = sb.berth("cp", "ghost:/state", sb.path("x"))
        #expect(noContainer.status == 125 && noContainer.stderr == "Error: no container with name or ID \"ghost\" found: no such container\n", "\(noContainer)")
        let oneArgument = sb.berth("cp", "live:/state")
        #expect(oneArgument.status == 125 && oneArgument.stderr == "Error: accepts 2 arg(s), received 1\n", "\(oneArgument)")
        let noContainerNamed = sb.berth("cp", sb.path("a"), sb.path("b"))
        #expect(noContainerNamed.status == 125 && noContainerNamed.stderr.hasPrefix("Error: invalid arguments"), "\(noContainerNamed)")
        #expect(sb.berth("rm", "-f", "live").status == 0)
    }

    /// CVE-2018-15664: the container flips /t between a directory and symlinks
    /// to / and to a host directory holding a secret while cp runs; whatever
    /// berth copies comes from inside the container, never from the host.
    @Test(arguments: Mode.available)
    func cp_during_a_symlink_swap_never_reads_the_host(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let secretDir = sb.path("secret")
        #expect(shell(sb, "mkdir -p \(secretDir) && echo HOSTSECRET > \(secretDir)/f && mkdir \(sb.path("out"))").status == 0)
        let swap = "mkdir -p /in && echo inside > /in/f; while :; do ln -sfn / /t; ln -sfn \(secretDir) /t; rm -f /t; ln -s /in /t; rm -f /t; done"
        #expect(sb.berth("run", "-d", "--name", "swapper", "img", "sh", "-c", swap).status == 0)
        var successes = 0
        for i in 0..<40 {
            let target = sb.path("out/\(i)")
            let result = sb.berth("cp", "swapper:/t/f", target)
            if result.status == 0 { successes += 1 }
            let got = (try? readText(target)) ?? ""
            #expect(!got.contains("HOSTSECRET"), "cp read the host's file: \(result)")
            let archive = shell(sb, "\(berthLine(sb)) cp swapper:/t/. - 2>/dev/null | tar -xOf - 2>/dev/null | grep -c HOSTSECRET")
            #expect(archive.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "the tar held the host's file: \(archive)")
        }
        #expect(successes > 0, "cp copied the container's own /in/f when /t pointed there")
        #expect(sb.berth("rm", "-f", "swapper").status == 0)
    }

    @Test(arguments: Mode.available)
    func export_writes_the_containers_tree_as_a_tar(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "--name", "c", "img", "sh", "-c", plantTree + " && rm /bin/ls").status == 0)
        let file = sb.path("c.tar")
        let exported = sb.berth("export", "-o", file, "c")
        #expect(exported.status == 0 && exported.stdout.isEmpty, "\(exported)")
        let names = shell(sb, "tar --numeric-owner -tvf \(file) | awk '{print $1, $2, $6}'")
        #expect(names.stdout.contains("-rwxr-xr-x 0/0 bin/busybox") && names.stdout.contains("-rw-r----- 12/34 d/sub/f"), "\(names)")
        #expect(!names.stdout.contains("bin/ls"), "a file the container removed is not exported: \(names)")
        let piped = shell(sb, "\(berthLine(sb)) export c | tar -xOf - d/sub/f")
        #expect(piped.stdout == "hi\n", "\(piped)")
        let missing = sb.berth("export", "-o", sb.path("none.tar"), "ghost")
        #expect(missing.status == 125 && missing.stderr == "Error: no container with name or ID \"ghost\" found: no such container\n", "\(missing)")
        #expect(!FileManager.default.fileExists(atPath: sb.path("none.tar")), "no archive is left behind")
    }

    @Test(arguments: Mode.available)
    func cp_copies_a_host_tree_into_stopped_and_running_containers(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let src = sb.path("src")
        let made = shell(sb, "mkdir -p \(src)/sub && echo data > \(src)/sub/f && chmod 640 \(src)/sub/f && ln \(src)/sub/f \(src)/h"
            + " && ln -s /etc/passwd \(src)/l && chmod 710 \(src)/sub")
        #expect(made.status == 0, "\(made)")
        #expect(sb.berth("create", "--name", "c", "--user", "12:34", "img", "true").status == 0)

        // Into a stopped container: -a (the default) gives the container's user.
        let copied = sb.berth("cp", src, "c:/")
        #expect(copied.status == 0 && copied.stdout.isEmpty && copied.stderr.isEmpty, "\(copied)")
        let listed = shell(sb, "\(berthLine(sb)) cp c:/src - | tar --numeric-owner -tvf - | awk '{print $1, $2, $6, $7, $8}'")
        #expect(listed.stdout.contains("-rw-r----- 12/34 src/h  \n"), "\(listed)")
        #expect(listed.stdout.contains("hrw-r----- 12/34 src/sub/f link to"), "a hard link stays one: \(listed)")
        #expect(listed.stdout.contains("drwx--x--- 12/34 src/sub/"), "\(listed)")
        #expect(listed.stdout.contains("lrwxrwxrwx 12/34 src/l -> /etc/passwd"), "\(listed)")
        // --archive=false keeps the host owner: the caller, root in the container.
        #expect(sb.berth("cp", "--archive=false", src + "/sub/f", "c:/plain").status == 0)
        let plain = shell(sb, "\(berthLine(sb)) cp c:/plain - | tar --numeric-owner -tvf - | awk '{print $1, $2, $6}'")
        #expect(plain.stdout == "-rw-r----- 0/0 plain\n", "\(plain)")
        // A tar on standard input, compressed as podman allows.
        let piped = shell(sb, "tar -C \(src) -czf - sub | \(berthLine(sb)) cp - c:/src")
        #expect(piped.status == 0, "\(piped)")

        // Into a running container, through its own mount: the process sees it at once.
        let waiter = "while [ ! -s /in/f ]; do sleep 0.1; done; cat /in/f; sleep 100"  // -s: cp makes the file before it fills it
        #expect(sb.berth("run", "-d", "--name", "live", "img", "sh", "-c", waiter).status == 0)
        let live = sb.berth("cp", src + "/sub", "live:/in")
        #expect(live.status == 0, "\(live)")
        var logs = ""
        for _ in 0..<50 where logs.isEmpty {
            logs = sb.berth("logs", "live").stdout
            if logs.isEmpty { usleep(100_000) }
        }
        #expect(logs == "data\n", "the running container read the copied file")

        let bad = sb.berth("cp", src, "live:/no/such/dir")
        #expect(bad.status == 125 && bad.stderr == "Error: \"/no/such\" could not be found on container live: no such file or directory\n", "\(bad)")
        #expect(sb.berth("rm", "-f", "live", "c").status == 0)
    }

    /// Writes: a planted `/target -> /` and a symlink to a host directory resolve
    /// inside the container; a container swapping a path for such a symlink
    /// while cp writes never gets a file written on the host.
    @Test(arguments: Mode.available)
    func cp_into_a_container_never_writes_the_host(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let hostDir = sb.path("hostdir")
        let marker = "berth-cp-escape-\(getpid())-\(mode)"
        #expect(shell(sb, "mkdir -p \(hostDir) && echo payload > \(sb.path(marker))").status == 0)
        let plant = "ln -s / /target && mkdir -p /in && ln -s \(hostDir) /escape"
            + "; while :; do ln -sfn \(hostDir) /t; rm -f /t; ln -s /in /t; rm -f /t; done"
        #expect(sb.berth("run", "-d", "--name", "swapper", "img", "sh", "-c", plant).status == 0)
        usleep(300_000)
        let viaRoot = sb.berth("cp", sb.path(marker), "swapper:/target/")
        #expect(viaRoot.status == 0, "\(viaRoot)")
        #expect(!FileManager.default.fileExists(atPath: "/" + marker), "cp wrote into the host's /")
        let inside = sb.berth("cp", "swapper:/\(marker)", sb.path("back"))
        #expect(inside.status == 0 && (try? readText(sb.path("back"))) == "payload\n", "it landed in the container's /: \(inside)")
        _ = sb.berth("cp", sb.path(marker), "swapper:/escape/")
        for _ in 0..<40 { _ = sb.berth("cp", sb.path(marker), "swapper:/t/") }
        #expect(try directoryEntries(hostDir).isEmpty, "nothing was written into the host directory the symlinks name")
        #expect(sb.berth("rm", "-f", "swapper").status == 0)
    }

    /// podman 4.3's --overwrite, both ways: without it a directory never
    /// replaces a non-directory nor back; with it, it does.
    @Test(arguments: Mode.available)
    func cp_overwrite_replaces_directories_and_files_only_when_asked(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "--name", "c", "img", "sh", "-c", "[ -e /made ] || { mkdir -p /d/x && echo f > /file && touch /made; }").status == 0)
        let src = sb.path("src")
        #expect(shell(sb, "mkdir -p \(src)/t \(src)/file && echo tarfile > \(src)/t/x").status == 0)

        // Into the container: a tar's file over the directory /d/x, a host directory over the file /file.
        let refused = shell(sb, "tar -C \(src)/t -cf - x | \(berthLine(sb)) cp - c:/d")
        #expect(refused.status == 125 && refused.stderr == "Error: \"/d/x\" in container c is a directory: cp replaces it with a non-directory only with --overwrite\n", "\(refused)")
        let dirOnFile = sb.berth("cp", src + "/file", "c:/")
        #expect(dirOnFile.status == 125 && dirOnFile.stderr == "Error: \"/file\" in container c is not a directory: cp replaces it with a directory only with --overwrite\n", "\(dirOnFile)")
        let kinds = "for p in /d/x /file; do \(berthLine(sb)) cp c:$p - | tar -tvf - | head -n 1 | cut -c1; done"
        let kept = shell(sb, kinds)
        #expect(kept.stdout == "d\n-\n", "both stayed as they were: \(kept)")

        #expect(shell(sb, "tar -C \(src)/t -cf - x | \(berthLine(sb)) cp --overwrite - c:/d").status == 0)
        #expect(sb.berth("cp", "--overwrite", src + "/file", "c:/").status == 0)
        let replaced = shell(sb, kinds)
        #expect(replaced.stdout == "-\nd\n", "\(replaced)")
        #expect(sb.berth("start", "-a", "c").status == 0, "the container still starts")

        // Out of the container: its file /d/x over a host directory, its directory /file over a host file.
        let out = sb.path("out")
        #expect(shell(sb, "mkdir -p \(out)/d/x && echo host > \(out)/file").status == 0)
        let outRefused = sb.berth("cp", "c:/d", out)
        #expect(outRefused.status == 125 && outRefused.stderr == "Error: \"\(out)/d/x\" is a directory: cp replaces it with a non-directory only with --overwrite\n", "\(outRefused)")
        let outDir = sb.berth("cp", "c:/file", out)
        #expect(outDir.status == 125 && outDir.stderr.hasSuffix("is not a directory: cp replaces it with a directory only with --overwrite\n"), "\(outDir)")
        #expect(sb.berth("cp", "--overwrite", "c:/d", out).status == 0)
        #expect(sb.berth("cp", "--overwrite", "c:/file", out).status == 0)
        #expect(try readText(out + "/d/x") == "tarfile\n")
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: out + "/file", isDirectory: &isDirectory) && isDirectory.boolValue)
    }

    /// A stopped container deleted /d, which its image has: a directory copied
    /// there replaces the whiteout with an opaque directory, so the image's old
    /// files stay deleted when the container runs again.
    @Test(arguments: Mode.available)
    func cp_into_a_stopped_container_over_a_deleted_directory_keeps_the_old_files_deleted(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "--name", "base", "img", "sh", "-c", "mkdir -p /d/sub && echo lower > /d/old && echo lower > /d/sub/f").status == 0)
        #expect(sb.berth("commit", "-q", "base", "withd").status == 0)
        let script = "if [ -f /marker ]; then find /d | sort; else rm -rf /d; touch /marker; fi"
        #expect(sb.berth("run", "--name", "c", "withd", "sh", "-c", script).status == 0)
        let src = sb.path("d")
        #expect(shell(sb, "mkdir -p \(src)/sub && echo new > \(src)/new").status == 0)
        let copied = sb.berth("cp", src, "c:/")
        #expect(copied.status == 0 && copied.stderr.isEmpty, "\(copied)")
        let listed = shell(sb, "\(berthLine(sb)) cp c:/d - | tar -tf - | sort")
        #expect(listed.stdout == "d/\nd/new\nd/sub/\n", "berth's own view: \(listed)")
        let ran = sb.berth("start", "-a", "c")
        #expect(ran.status == 0 && ran.stdout == "/d\n/d/new\n/d/sub\n", "the kernel's overlay view: \(ran)")
        #expect(sb.berth("rm", "-f", "c", "base").status == 0)
    }
}
