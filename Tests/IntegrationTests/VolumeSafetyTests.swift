// Volumes and the host's safety: owners on the host (rootless: the user for the
// container's root, the subordinate range for other users), read-only mounts,
// mount points a container replaced by symlinks to / or host paths (the mount
// stays inside its root), a shared volume's mount point swapped while another
// container starts, and a copy-up killed mid-way that the next start repairs.
import Foundation
import Testing
import TestSupport

private func fileOwner(_ path: String) -> UInt32? {
    (try? FileManager.default.attributesOfItem(atPath: path)[.ownerAccountID] as? NSNumber)?.uint32Value
}

/// The container's ID.
private func containerID(_ sb: Sandbox, _ name: String) -> String {
    sb.berth("inspect", "--format", "{{.Id}}", name).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

@Suite struct VolumeSafetyTests {
    @Test(arguments: Mode.available)
    func files_written_in_a_volume_have_the_mapped_owners_on_the_host(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let wrote = sb.berth("run", "--rm", "-v", "own:/v", "img", "sh", "-c", "touch /v/by-root && chown 1000:1000 /v && echo done")
        #expect(wrote.stdout == "done\n", "\(wrote)")
        #expect(sb.berth("run", "--rm", "--user", "1000:1000", "-v", "own:/v", "img", "touch", "/v/by-user").status == 0)
        let data = sb.root + "/volumes/own/_data"
        #expect(fileOwner(data + "/by-root") == (try hostID(sb, 0)), "container root is the user on the host")
        #expect(fileOwner(data + "/by-user") == (try hostID(sb, 1000)), "container uid 1000 is its mapped id")
        let ro = sb.berth("run", "--rm", "-v", "own:/v:ro", "img", "sh", "-c", "ls /v; touch /v/no")
        #expect(ro.status != 0 && ro.stdout == "by-root\nby-user\n" && ro.stderr.contains("Read-only file system"), "\(ro)")
        // :U gives the whole volume to the container's user (inside: its ids; outside: the mapped ones).
        let chowned = sb.berth("run", "--rm", "--user", "2000:3000", "-v", "own:/v:U", "img", "sh", "-c",
                               "stat -c '%u:%g' /v /v/by-root; touch /v/by-2000 && echo ok")
        #expect(chowned.stdout == "2000:3000\n2000:3000\nok\n", "\(chowned)")
        #expect(fileOwner(data + "/by-root") == (try hostID(sb, 2000)))
        // A host directory too: read-only inside, the host's owners outside.
        try sb.makeFile("hostdir/seen", "host\n")
        let bound = sb.berth("run", "--rm", "-v", sb.path("hostdir") + ":/h:ro", "img", "sh", "-c", "cat /h/seen; touch /h/no")
        #expect(bound.stdout == "host\n" && bound.stderr.contains("Read-only file system"), "\(bound)")
    }

    /// The container's upper dir is the container's to change: its mount point
    /// replaced by a symlink to /, /etc or a host path must still be resolved
    /// inside its root, never on the host.
    @Test(arguments: Mode.available)
    func a_mount_point_replaced_by_a_symlink_stays_inside_the_root(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let hostDir = try sb.makeFile("host-target/keep", "untouched\n")
        for (index, target) in ["/", "/etc", sb.path("host-target")].enumerated() {
            let name = "planted\(index)"
            #expect(sb.berth("create", "--name", name, "-v", "vol\(index):/mnt/point", "img", "sh", "-c",
                             "echo marker > /mnt/point/planted-\(index); cat /proc/self/mountinfo").status == 0)
            let upper = sb.root + "/containers/" + containerID(sb, name) + "/upper"
            try FileManager.default.createDirectory(atPath: upper + "/mnt", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: upper + "/mnt/point", withDestinationPath: target)
            // Made as the container's root would have made them (rootless: the user, not the
            // test runner's root), so that rm can remove them.
            let owner = try FileManager.default.attributesOfItem(atPath: upper)
            let (uid, gid) = ((owner[.ownerAccountID] as? NSNumber)?.uint32Value ?? 0, (owner[.groupOwnerAccountID] as? NSNumber)?.uint32Value ?? 0)
            #expect(lchown(upper + "/mnt", uid, gid) == 0 && lchown(upper + "/mnt/point", uid, gid) == 0)
            let run = sb.berth("start", "-a", name)
            if target == "/" {
                // Inside the root that is the root itself, which no mount can cover: refused.
                #expect(run.status != 0 && run.stderr.contains("mount point /mnt/point resolves to the container's root"),
                        "\(run)")
            } else {
                #expect(run.status == 0, "\(target): \(run)")
                #expect(FileManager.default.fileExists(atPath: sb.root + "/volumes/vol\(index)/_data/planted-\(index)"),
                        "the write went into the volume: \(target)")
            }
            #expect(!FileManager.default.fileExists(atPath: target + "/planted-\(index)"), "nothing reached the host's \(target)")
            let removed = sb.berth("rm", name)
            #expect(removed.status == 0, "\(removed)")
        }
        #expect(try String(contentsOfFile: hostDir, encoding: .utf8) == "untouched\n")
        let hostMounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        #expect(!hostMounts.contains(sb.root + "/volumes"), "no volume is mounted on the host: \(hostMounts)")
    }

    /// One container keeps swapping a shared volume's subdirectory between a
    /// directory and a symlink to / while another starts with a read-only host
    /// directory mounted there: each start mounts it read-only inside its root, or fails.
    /// Once mounted, the swapper still renames that directory (in its own mount
    /// namespace, where it is no mount point), and the mount goes with it: what
    /// /v/m leads to at a given moment is the swapper's doing. What must hold is
    /// the guarded mount's read-only flag wherever it went, and the host directory
    /// never written.
    @Test(arguments: Mode.available)
    func a_swapped_nested_mount_point_never_loses_read_only(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        try sb.makeFile("guarded/file", "guarded\n")
        let swapper = sb.berth("run", "-d", "--name", "swapper", "-v", "shared:/v", "img", "sh", "-c",
                               "mkdir -p /v/m; while true; do mv /v/m /v/d; ln -s / /v/m; rm /v/m; mv /v/d /v/m; done")
        #expect(swapper.status == 0, "\(swapper)")
        var seenMounted = 0
        for index in 0..<15 {
            let start = sb.berth("run", "--rm", "-v", "shared:/v", "-v", sb.path("guarded") + ":/v/m:ro", "img", "sh", "-c",
                                 "grep guarded /proc/self/mountinfo; touch /v/m/new-\(index) 2>/dev/null; true")
            #expect(start.status == 0 || start.stderr.hasPrefix("Error: "), "\(start)")
            guard start.status == 0 else { continue }
            // mountinfo's sixth field holds the mount's own flags. No line at all: the
            // swapper's mv of /v/m in its own mount namespace detached the mount (the
            // kernel does so for a mount point renamed in another namespace), and the
            // touch went into the volume: the guarded directory is checked below.
            let guardedMounts = start.stdout.split(separator: "\n").map { $0.split(separator: " ") }
            if !guardedMounts.isEmpty { seenMounted += 1 }
            #expect(guardedMounts.allSatisfy { $0.count > 5 && $0[5].split(separator: ",").contains("ro") }, "\(start)")
        }
        #expect(seenMounted > 0, "no start kept its guarded mount long enough to be looked at")
        #expect(sb.berth("rm", "-f", "-t", "0", "swapper").status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: sb.path("guarded")) == ["file"])
        #expect(try String(contentsOfFile: sb.path("guarded/file"), encoding: .utf8) == "guarded\n")
    }

    /// A copy-up killed after its first file leaves a partial copy and its marker;
    /// the next start empties that and copies again, whole.
    @Test(arguments: Mode.available)
    func a_killed_copy_up_is_redone_by_the_next_start(mode: Mode) throws {
        let sb = try sandboxWithVolumeImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let volume = sb.root + "/volumes/crash"
        // Started, watched and killed inside one script: Foundation's Process sees its
        // child exit only when every holder of an fd it passes down has closed it, and
        // a backgrounded berth held at its hold point would keep it open for good.
        // setsid makes the held berth and its copier one process group, killed as one
        // (its id written by the group's leader: setsid forks when it must).
        let group = sb.root + "/copier.pgid" // the root is the (test) user's in both modes
        // Rootless, _data belongs to the container's root and the script (the user)
        // cannot look in: there the held copier is seen asleep at its hold point.
        let script = """
            setsid sh -c 'echo $$ > \(group); BERTH_TEST_HOLD=volume-copyup exec \(berthLine(sb)) run --rm -v crash:/data vimg true' </dev/null >/dev/null 2>&1 &
            held() {
              [ -s \(group) ] && [ -e \(volume)/copyup.partial ] || return 1
              [ -e \(volume)/_data/file ] && return 0
              [ -x \(volume)/_data ] && return 1
              for p in $(pgrep -g $(cat \(group))); do grep -q nanosleep /proc/$p/wchan 2>/dev/null && return 0; done
              return 1
            }
            for i in $(seq 1 400); do held && break; sleep 0.025; done
            held && echo held
            sleep 0.1; pg=$(cat \(group)); kill -9 -$pg  # dash's kill takes no "--"
            while kill -0 -$pg 2>/dev/null; do sleep 0.01; done
            echo killed
            """
        let killed = shell(sb, script)
        #expect(killed.stdout == "held\nkilled\n", "the copier reached its hold point and was killed: \(killed)")
        #expect(FileManager.default.fileExists(atPath: volume + "/copyup.partial"), "the killed copier left its marker")
        let partial = (try? FileManager.default.contentsOfDirectory(atPath: volume + "/_data")) ?? []
        #expect(partial.contains("file") && (!partial.contains("sub") || !partial.contains("link")), "it stopped mid-way: \(partial)")

        let next = sb.berth("run", "--rm", "-v", "crash:/data", "vimg", "sh", "-c", "ls /data; stat -c '%u:%g %a' /data/file")
        #expect(next.status == 0 && next.stdout == "file\nlink\nsub\n123:456 640\n", "\(next)")
        #expect(!FileManager.default.fileExists(atPath: volume + "/copyup.partial"))
        // The user's data from then on is kept as it is.
        #expect(sb.berth("run", "--rm", "-v", "crash:/data", "vimg", "rm", "/data/file").status == 0)
        #expect(sb.berth("run", "--rm", "-v", "crash:/data", "vimg", "ls", "/data").stdout == "link\nsub\n")
        // Left by the killed run: its container (a --rm that never finished).
        _ = sb.berth("rm", "-a", "-f")
    }
}
