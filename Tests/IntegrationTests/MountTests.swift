// `mount`/`unmount` as podman users see them: the merged rootfs path, shared by
// a counter, kept across start and stop, gone with rm. Root directly, rootless
// inside `berth unshare` (and podman's refusal outside it).
import Foundation
import Testing
import TestSupport

@Suite struct MountTests {
    @Test func root_mounts_count_users_and_survive_start_and_stop() throws {
        let sb = try sandboxWithImage(.root)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { #expect(sb.berth("rm", "-a", "-f", "-t", "0").status == 0) }
        let id = sb.berth("create", "--name", "c", "img", "cat", "/from-host").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let mounted = sb.berth("mount", "c")
        let path = sb.runroot + "/containers/\(id)/merged"
        #expect(mounted.status == 0 && mounted.stdout == path + "\n", "\(mounted)")
        #expect(FileManager.default.fileExists(atPath: path + "/bin/busybox"), "the image's files are there")
        try "hello\n".write(toFile: path + "/from-host", atomically: false, encoding: .utf8)
        let started = sb.berth("start", "-a", "c")
        #expect(started.status == 0 && started.stdout == "hello\n", "the container sees what was written through the mount: \(started)")
        #expect(FileManager.default.fileExists(atPath: path + "/bin/busybox"), "start and stop left the mount alone")

        #expect(sb.berth("mount", "c").stdout == path + "\n", "a second user")
        #expect(sb.berth("mount").stdout == "\(id.prefix(12))  \(path)\n")
        #expect(sb.berth("mount", "--notruncate").stdout == "\(id)  \(path)\n")
        let json = sb.berth("mount", "--format", "json").stdout
        #expect(json == "[\n {\n  \"id\": \"\(id)\",\n  \"Names\": [\n   \"c\"\n  ],\n  \"mountpoint\": \"\(path)\"\n }\n]\n", "\(json)")
        let once = sb.berth("unmount", "c")
        #expect(once.status == 0 && once.stdout == "c\n", "\(once)")
        #expect(sb.berth("mount").stdout.contains(path), "one user is left")
        #expect(sb.berth("umount", "c").status == 0)
        #expect(sb.berth("mount").stdout.isEmpty && !FileManager.default.fileExists(atPath: path + "/bin/busybox"))
        #expect(sb.berth("container", "unmount", "c").stdout == "c\n", "unmounting what is not mounted is no error, as podman")

        #expect(sb.berth("container", "mount", "c").status == 0)
        #expect(sb.berth("mount", "c").status == 0)
        #expect(sb.berth("unmount", "-f", "c").status == 0 && sb.berth("mount").stdout.isEmpty, "-f: every user at once")
        #expect(sb.berth("mount", "c").status == 0)
        #expect(sb.berth("rm", "c").status == 0)
        let mountinfo = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        #expect(!mountinfo.contains(id), "rm unmounted it")
        let events = sb.berth("events", "--stream=false", "--filter", "event=mount", "--filter", "event=unmount", "--format", "{{.Status}}")
        #expect(events.stdout == "mount\nmount\nunmount\nmount\nmount\nunmount\nmount\n", "every mount call, and each real unmount (rm removes the container, which podman logs as remove): \(events)")
        let missing = sb.berth("mount", "nosuch")
        #expect(missing.status == 125 && missing.stderr == "Error: no container with name or ID \"nosuch\" found: no such container\n")
        #expect(sb.berth("mount", "--format", "{{.ID}}").stderr == "Error: unknown --format argument: \"{{.ID}}\"\n")
    }

    @Test func rootless_mounts_inside_unshare_only() throws {
        guard Mode.available.contains(.rootless) else { return }
        let sb = try sandboxWithImage(.rootless)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { #expect(sb.berth("rm", "-a", "-f", "-t", "0").status == 0) }
        #expect(sb.berth("create", "--name", "c", "img", "true").status == 0)
        let refused = sb.berth("mount", "c")
        #expect(refused.status == 125 && refused.stderr == "Error: cannot run command \"berth mount\" in rootless mode, must execute `berth unshare` first\n", "\(refused)")
        let berth = berthLine(sb)
        let script = "p=$(\(berth) mount c) && ls $p/bin/busybox && echo x > $p/planted && \(berth) mount && \(berth) unmount c && \(berth) mount"
        let inside = sb.berth("unshare", "sh", "-c", script)
        #expect(inside.status == 0 && inside.stdout.hasPrefix("/") && inside.stdout.contains("/bin/busybox\n")
                && inside.stdout.hasSuffix("/merged\nc\n"), "\(inside)")
        let seen = sb.berth("start", "-a", "c")
        #expect(seen.status == 0)
        let cat = sb.berth("run", "--rm", "img", "true")
        #expect(cat.status == 0)
        #expect(sb.berth("cp", "c:/planted", "-").stdout.contains("x\n"), "the write through the mount landed in the container's upper dir")
    }
}
