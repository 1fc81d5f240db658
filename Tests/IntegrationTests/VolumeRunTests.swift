// Volumes as containers see them (issue 13's container "Must show"): data that
// outlives a container and is shared while two run, docker's copy-up (owners and
// modes kept, rootless too; a non-empty volume left alone; nocopy), anonymous
// volumes and `rm -v`, --volumes-from, read-only mounts, and refused specs that
// create nothing. Root and rootless.
import Foundation
import Testing
import TestSupport

/// The volumes in the sandbox's store, sorted (their directories under ROOT/volumes).
func volumeNames(_ sb: Sandbox) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: sb.root + "/volumes")) ?? []
    return names.filter { !$0.hasPrefix(".") }.sorted()
}

/// `img` plus an image `vimg` whose /data holds files with owners and modes to copy up
/// (a directory 0750 owned 7:8, a 0640 file owned 123:456, a symlink, a subdirectory),
/// declared as a VOLUME.
func sandboxWithVolumeImage(_ mode: Mode) throws -> Sandbox {
    let sb = try sandboxWithImage(mode)
    try sb.makeFile("vctx/Containerfile", """
        FROM img
        RUN mkdir -p /data/sub && echo hello > /data/file && chown 123:456 /data/file && chmod 640 /data/file \\
            && ln -s file /data/link && chown 7:8 /data && chmod 750 /data
        VOLUME /data
        """)
    let built = sb.berth("build", "-q", "-t", "vimg", sb.path("vctx"))
    #expect(built.status == 0, "\(built)")
    return sb
}

/// The host uid a container uid has in `mode` (rootless: the user for 0, the subordinate range above).
func hostID(_ sb: Sandbox, _ id: UInt32) throws -> UInt32 {
    guard sb.mode == .rootless, let user = sb.testUser else { return id }
    if id == 0 { return user.uid }
    let line = try String(contentsOfFile: "/etc/subuid", encoding: .utf8).split(separator: "\n")
        .first { $0.hasPrefix(user.name + ":") || $0.hasPrefix("\(user.uid):") }
    let start = UInt32(line?.split(separator: ":")[1] ?? "") ?? 0
    return start + id - 1
}

private func ownerAndMode(_ path: String) throws -> (uid: UInt32, gid: UInt32, mode: Int) {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return ((attributes[.ownerAccountID] as? NSNumber)?.uint32Value ?? 0, (attributes[.groupOwnerAccountID] as? NSNumber)?.uint32Value ?? 0,
            (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0)
}

@Suite struct VolumeRunTests {
    @Test(arguments: Mode.available)
    func named_volume_outlives_its_container_and_is_shared_while_two_run(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let wrote = sb.berth("run", "--name", "writer", "-v", "data:/data", "img", "sh", "-c", "echo kept > /data/note")
        #expect(wrote.status == 0, "\(wrote)")
        #expect(volumeNames(sb) == ["data"], "created on first use")
        #expect(sb.berth("rm", "writer").status == 0)
        let read = sb.berth("run", "--rm", "-v", "data:/data", "img", "cat", "/data/note")
        #expect(read.status == 0 && read.stdout == "kept\n", "\(read)")

        // Two running containers: each writes, then waits for the other's file. A file appears whole (written
        // beside it, then renamed): a shell's `>` makes it before `echo` fills it, and the reader would see it empty.
        let a = sb.berth("run", "-d", "--name", "a", "-v", "shared:/s", "img", "sh", "-c",
                         "echo from-a > /s/a; while [ ! -f /s/b ]; do sleep 0.05; done; cat /s/b > /s/a-saw.tmp; mv /s/a-saw.tmp /s/a-saw; sleep 100")
        #expect(a.status == 0, "\(a)")
        let b = sb.berth("run", "--rm", "-v", "shared:/s", "img", "sh", "-c",
                         "echo from-b > /s/b.tmp; mv /s/b.tmp /s/b; while [ ! -f /s/a-saw ]; do sleep 0.05; done; cat /s/a /s/a-saw")
        #expect(b.status == 0 && b.stdout == "from-a\nfrom-b\n", "\(b)")
        #expect(sb.berth("rm", "-f", "-t", "0", "a").status == 0)
        #expect(volumeNames(sb) == ["data", "shared"], "named volumes stay after rm -f")
    }

    @Test(arguments: Mode.available)
    func copy_up_fills_an_empty_volume_keeping_owners_and_modes_and_leaves_a_full_one_alone(mode: Mode) throws {
        let sb = try sandboxWithVolumeImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let listed = sb.berth("run", "--rm", "-v", "filled:/data", "vimg", "sh", "-c",
                              "ls -lnd /data | cut -c1-10; stat -c '%n %u:%g %a' /data/file /data/sub; readlink /data/link; cat /data/file")
        #expect(listed.status == 0, "\(listed)")
        #expect(listed.stdout == "drwxr-x---\n/data/file 123:456 640\n/data/sub 0:0 755\nfile\nhello\n", "\(listed)")
        // On the host: the owners the container sees, mapped (rootless: the subordinate range).
        let data = sb.root + "/volumes/filled/_data"
        let file = try ownerAndMode(data + "/file")
        #expect(file.uid == (try hostID(sb, 123)) && file.mode == 0o640, "\(file)")
        let top = try ownerAndMode(data)
        #expect(top.uid == (try hostID(sb, 7)) && top.mode == 0o750, "the volume's root takes the image directory's owner and mode: \(top)")

        // Not empty any more: the image's files never come back over the user's changes.
        #expect(sb.berth("run", "--rm", "-v", "filled:/data", "vimg", "sh", "-c", "rm /data/file; echo mine > /data/own").status == 0)
        let again = sb.berth("run", "--rm", "-v", "filled:/data", "vimg", "ls", "/data")
        #expect(again.stdout == "link\nown\nsub\n", "\(again)")
        // A volume that already has files (made by another image) is not filled either.
        #expect(sb.berth("run", "--rm", "-v", "other:/x", "img", "sh", "-c", "echo x > /x/x").status == 0)
        let kept = sb.berth("run", "--rm", "-v", "other:/data", "vimg", "ls", "/data")
        #expect(kept.stdout == "x\n", "\(kept)")
        // nocopy: the volume stays empty, and stays unfilled for the next mount too.
        let nocopy = sb.berth("run", "--rm", "-v", "bare:/data:nocopy", "vimg", "ls", "-A", "/data")
        #expect(nocopy.status == 0 && nocopy.stdout.isEmpty, "\(nocopy)")
        let later = sb.berth("run", "--rm", "-v", "bare:/data", "vimg", "ls", "-A", "/data")
        #expect(later.status == 0 && later.stdout.isEmpty, "nocopy's decision sticks: \(later)")
    }

    @Test(arguments: Mode.available)
    func anonymous_volumes_go_with_rm_v_and_run_rm_only(mode: Mode) throws {
        let sb = try sandboxWithVolumeImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("create", "--name", "c1", "-v", "named:/n", "-v", "/extra", "vimg", "true").status == 0)
        #expect(sb.berth("create", "--name", "c2", "vimg", "true").status == 0)
        let anonymous = volumeNames(sb).filter { $0 != "named" }
        #expect(anonymous.count == 3 && anonymous.allSatisfy { $0.count == 64 }, "image VOLUME and -v /path: \(anonymous)")

        let mounts = sb.berth("inspect", "--format", "{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}} {{.Driver}} {{.RW}};{{end}}", "c1")
        let named = mounts.stdout.split(separator: ";").filter { $0.hasPrefix("volume named ") }
        #expect(named == ["volume named /n local true"], "\(mounts)")
        #expect(mounts.stdout.contains(" /data local true;") && mounts.stdout.contains(" /extra local true;"), "\(mounts)")
        let source = sb.berth("inspect", "--format", "{{range .Mounts}}{{if eq .Destination \"/n\"}}{{.Source}}{{end}}{{end}}", "c1")
        #expect(source.stdout == sb.root + "/volumes/named/_data\n", "\(source)")

        #expect(sb.berth("rm", "c2").status == 0)
        #expect(volumeNames(sb).count == 4, "rm without -v keeps anonymous volumes")
        let c1Volumes = Set(sb.berth("inspect", "--format", "{{range .Mounts}}{{.Name}} {{end}}", "c1").stdout.split(separator: " ").map(String.init))
        #expect(sb.berth("rm", "-v", "c1").status == 0)
        let left = volumeNames(sb)
        #expect(left.contains("named") && left.count == 2 && !left.contains { c1Volumes.contains($0) && $0 != "named" },
                "rm -v removes only c1's anonymous volumes: \(left)")
        #expect(sb.berth("run", "--rm", "vimg", "ls", "/data").stdout == "file\nlink\nsub\n")
        #expect(volumeNames(sb) == left, "run --rm removes its anonymous volume")
    }

    @Test(arguments: Mode.available)
    func volumes_from_sees_the_same_data_read_only_or_writable(mode: Mode) throws {
        let sb = try sandboxWithVolumeImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("create", "--name", "src", "-v", "shared:/shared", "vimg", "true").status == 0)
        #expect(sb.berth("start", "-a", "src").status == 0, "the first start copies the image's /data up")
        let ro = sb.berth("run", "--rm", "--volumes-from", "src:ro", "img", "sh", "-c", "cat /data/file; touch /shared/x")
        #expect(ro.status != 0 && ro.stdout == "hello\n" && ro.stderr.contains("Read-only file system"), "\(ro)")
        let rw = sb.berth("run", "--rm", "--volumes-from", "src", "img", "sh", "-c", "echo w > /shared/x; echo w2 > /data/y")
        #expect(rw.status == 0, "\(rw)")
        let seen = sb.berth("run", "--rm", "-v", "shared:/s", "img", "cat", "/s/x")
        #expect(seen.stdout == "w\n", "\(seen)")
        // The borrowed anonymous volume stays its owner's: rm -v of the borrower keeps it.
        #expect(sb.berth("create", "--name", "borrower", "--volumes-from", "src", "img", "true").status == 0)
        let before = volumeNames(sb)
        #expect(sb.berth("rm", "-v", "borrower").status == 0)
        #expect(volumeNames(sb) == before)
        let missing = sb.berth("run", "--rm", "--volumes-from", "nosuch", "img", "true")
        #expect(missing.status == 125 && missing.stderr.hasPrefix("Error: "), "\(missing)")
    }

    @Test(arguments: Mode.available)
    func bad_specs_fail_with_125_and_create_nothing(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let bad: [[String]] = [
            ["-v", ":/x"], ["-v", "a:b:c:d"], ["-v", "vol:relative"], ["-v", "vol:/x:bogus"], ["-v", "relative"],
            ["-v", "vol:/x:ro,rw"], ["--mount", "type=volume,src=vol,dst=/x,bogus=1"], ["--mount", "type=nfs,dst=/x"],
            ["--volumes-from", "nosuch"], ["--image-volume", "weird"], ["-v", "ok:/x", "-v", "other:/x"],
        ]
        for flags in bad {
            let result = sb.berth(["run", "--rm", "--name", "never"] + flags + ["img", "true"])
            #expect(result.status == 125 && result.stderr.hasPrefix("Error: ") && result.stdout.isEmpty, "\(flags): \(result)")
        }
        #expect(volumeNames(sb).isEmpty, "no volume was created: \(volumeNames(sb))")
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty)
    }

    @Test(arguments: Mode.available)
    func read_only_containers_get_writable_tmpfs_unless_told_not_to(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let writable = sb.berth("run", "--rm", "--read-only", "img", "sh", "-c", "touch /tmp/a /var/tmp/b /run/c && echo ok; touch /x")
        #expect(writable.stdout == "ok\n" && writable.stderr.contains("Read-only file system"), "\(writable)")
        let none = sb.berth("run", "--rm", "--read-only", "--read-only-tmpfs=false", "img", "touch", "/tmp/a")
        #expect(none.status != 0 && none.stderr.contains("Read-only file system"), "\(none)")
    }

    @Test(arguments: Mode.available)
    func image_volume_tmpfs_and_ignore(mode: Mode) throws {
        let sb = try sandboxWithVolumeImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let tmpfs = sb.berth("run", "--rm", "--image-volume", "tmpfs", "vimg", "sh", "-c", "ls -A /data; grep ' /data ' /proc/mounts | cut -d' ' -f3")
        #expect(tmpfs.stdout == "tmpfs\n", "\(tmpfs)")
        let ignored = sb.berth("run", "--rm", "--image-volume", "ignore", "vimg", "ls", "/data")
        #expect(ignored.stdout == "file\nlink\nsub\n", "the image's own directory: \(ignored)")
        #expect(volumeNames(sb).isEmpty)
    }

    @Test(arguments: Mode.available)
    func mount_type_image_shows_another_image_read_only(mode: Mode) throws {
        let sb = try sandboxWithVolumeImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let result = sb.berth("run", "--rm", "--mount", "type=image,src=vimg,dst=/other", "img", "sh", "-c",
                              "cat /other/data/file; touch /other/x")
        #expect(result.stdout == "hello\n" && result.stderr.contains("Read-only file system"), "\(result)")
    }
}
