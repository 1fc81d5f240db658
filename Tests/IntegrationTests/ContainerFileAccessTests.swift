// berth reads a container's /etc/passwd and /etc/group from the host (user and
// group lookup at start) beneath the container's root only: a symlink the
// container or its image plants resolves inside the root, never on the host,
// and anything but a capped regular file is one clear error, never a crash, a
// hang or a host file's content. Root and rootless.
import Foundation
import Glibc
import Testing
import TestSupport

/// What a host file a symlink points at holds: were berth to read it, these ids
/// (4321, 4444) would show up in `id`.
private let hostAccounts = "nobody:x:4321:4321::/:/bin/sh\nnogroup:x:4321:nobody\nmarkgrp:x:4444:nobody,root\n"

/// Prints the process's ids from the kernel: `id` would itself read the planted
/// file inside the container (and spin on /dev/zero).
private let kernelIDs = "grep -E '^(Uid|Gid|Groups):' /proc/self/status"

/// busybox plus a layer that lets any user replace files in /etc, a user `tu`
/// (1234, primary group tg 1300, member of extra 5555 with root) and the
/// applets the plants need; `top` is one more layer. Returns the image ID.
private func accountsImage(_ sb: Sandbox, _ name: String, top: TarBuilder? = nil) throws -> String {
    var accounts = TarBuilder()
    accounts.directory("etc", mode: 0o777)
    accounts.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\ntu:x:1234:1300::/home/tu:/bin/sh\n")
    accounts.file("etc/group", "root:x:0:\nnogroup:x:65534:\ntg:x:1300:\nextra:x:5555:root,tu\n")
    for applet in ["mkfifo", "truncate"] { accounts.symlink("bin/\(applet)", to: "busybox") }
    let layers = [try Fixtures.busyboxRootfs().bytes(), accounts.bytes()] + (top.map { [$0.bytes()] } ?? [])
    let layout = sb.path("layout-\(name)")
    let info = try Fixtures.ociLayout(at: layout, layers: layers, compression: .gzip)
    if sb.mode == .rootless { _ = sb.run("/bin/chown", ["-R", "\(sb.testUser!.uid)", layout], asTestUser: false) }
    let loaded = sb.berth("load", "-i", layout)
    #expect(loaded.status == 0, "\(loaded)")
    return info.imageID
}

/// Where a planted /etc/passwd or /etc/group points, and what berth must make of it.
private struct Plant: CustomStringConvertible {
    enum Outcome { case missing, refused(String) }
    let description: String
    /// The shell command planting it in a running container as /etc/$F.
    let command: String
    /// The same as a layer entry at `etc/<file>` (plus what it needs).
    let layer: (inout TarBuilder, String) -> Void
    let outcome: Outcome

    /// Symlinks to paths that exist on the host, not in the container.
    static func outsideLinks(_ sb: Sandbox) throws -> [Plant] {
        let marker = try sb.makeFile("host-accounts", hostAccounts)
        let fifo = sb.path("host-fifo")
        guard mkfifo(fifo, 0o666) == 0 else { throw TestSupportError("mkfifo \(fifo): errno \(errno)") }
        let chain = "../../../../../../../.." + marker
        return [("/dev/zero", "to /dev/zero"), ("/etc/shadow", "to the host's /etc/shadow"),
                (marker, "to a host file by absolute path"), (chain, "to a host file by a ../.. chain"),
                (fifo, "to a host fifo")].map { target, what in
            Plant(description: what, command: "ln -sf \(target) /etc/$F",
                  layer: { tar, file in tar.symlink("etc/\(file)", to: target) }, outcome: .missing)
        }
    }

    static var fifo: Plant { Plant(description: "to a fifo in the container", command: "mkfifo /tmp/f && ln -sf /tmp/f /etc/$F",
                            layer: { tar, file in tar.directory("tmp", mode: 0o1777); tar.node("tmp/f", type: "6"); tar.symlink("etc/\(file)", to: "/tmp/f") },
                            outcome: .refused("is a fifo, not a regular file")) }
    static var huge: Plant { Plant(description: "a 100 MB file", command: "rm -f /etc/$F && truncate -s 100000000 /etc/$F",
                            layer: { tar, file in tar.file("etc/\(file)", [UInt8](repeating: 0x61, count: 100_000_000)) },
                            outcome: .refused("is larger than 4 MiB")) }
    static var device: Plant { Plant(description: "to a character device in the image", command: "",
                              layer: { tar, file in tar.directory("dev"); tar.node("dev/zero", type: "3", major: 1, minor: 5); tar.symlink("etc/\(file)", to: "/dev/zero") },
                              outcome: .refused("is a character device, not a regular file")) }
}

/// Checks what a start with `/etc/<file>` planted as `plant` gave user `user`.
private func expectOutcome(_ result: Sandbox.Result, plant: Plant, file: String, user: String, container: String) {
    let context = "\(plant) as /etc/\(file), user \"\(user)\": \(result)"
    let errors = result.stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("Error:") }
    #expect(!result.stdout.contains("4321") && !result.stdout.contains("4444"), "a host file was read: \(context)")
    switch plant.outcome {
    case .refused(let problem):
        #expect(result.status == 125 && errors == ["Error: /etc/\(file) in container \(container) \(problem)"], "\(context)")
    case .missing:
        // A missing file is an empty one, as for podman: only names fail.
        let failure: String? = switch (file, user) {
        case ("passwd", "nobody"), ("passwd", "nobody:nogroup"): "Error: unable to find user nobody: no matching entries in passwd file"
        case ("group", "nobody:nogroup"): "Error: unable to find group nogroup: no matching entries in group file"
        default: nil
        }
        if let failure {
            #expect(result.status == 125 && errors == [failure], "\(context)")
        } else {
            #expect(result.status == 0 && result.stdout.hasPrefix(user.isEmpty ? "Uid:\t0\t" : "Uid:\t65534\t"), "\(context)")
        }
    }
}

/// Creates container `name` running `script` as `user` and starts it twice: the
/// first start plants files in its upper dir, the second resolves the user against them.
private func startTwice(_ sb: Sandbox, _ name: String, user: String, image: String, script: String)
    -> (first: Sandbox.Result, second: Sandbox.Result) {
    let created = sb.berth(["create", "--name", name, "--network", "none"] + (user.isEmpty ? [] : ["-u", user]) + [image, "sh", "-c", script])
    #expect(created.status == 0, "\(created)")
    return (sb.berth("start", "-a", name), sb.berth("start", "-a", name))
}

/// Every plant with each file it applies to (a 100 MB group proves nothing more), numbered.
private func plantCases(_ sb: Sandbox, devices: Bool) throws -> [(number: Int, plant: Plant, file: String)] {
    let plants = try Plant.outsideLinks(sb) + [Plant.fifo, Plant.huge] + (devices ? [Plant.device] : [])
    let cases = plants.flatMap { plant in
        (plant.description == Plant.huge.description ? ["passwd"] : ["passwd", "group"]).map { (plant, $0) }
    }
    return cases.enumerated().map { (number: $0.offset, plant: $0.element.0, file: $0.element.1) }
}

private let users = ["", "nobody", "nobody:nogroup"]

@Suite struct ContainerFileAccessTests {
    @Test(arguments: Mode.available)
    func account_files_planted_in_the_upper_dir_are_read_beneath_the_root(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        sb.timeout = 60
        let image = try accountsImage(sb, "upper")
        for (number, plant, file) in try plantCases(sb, devices: false) {
            for (index, user) in users.enumerated() {
                let name = "c\(number)-\(index)"
                // The first start plants, the second shows the ids berth resolved.
                let script = "F=\(file); if [ -e /tmp/planted ]; then \(kernelIDs); else \(plant.command) && touch /tmp/planted; fi"
                let (first, second) = startTwice(sb, name, user: user, image: image, script: script)
                #expect(first.status == 0, "the first start plants /etc/\(file) \(plant): \(first)")
                expectOutcome(second, plant: plant, file: file, user: user, container: name)
            }
        }
    }

    @Test(arguments: Mode.available)
    func account_files_planted_in_an_image_layer_are_read_beneath_the_root(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        sb.timeout = 60
        // Only real root may unpack device nodes.
        for (number, plant, file) in try plantCases(sb, devices: mode == .root) {
            var top = TarBuilder()
            plant.layer(&top, file)
            let image = try accountsImage(sb, "\(number)", top: top)
            for (index, user) in users.enumerated() {
                let name = "i\(number)-\(index)"
                let run = sb.berth(["run", "--rm", "--name", name, "--network", "none"] + (user.isEmpty ? [] : ["-u", user]) + [image, "sh", "-c", kernelIDs])
                expectOutcome(run, plant: plant, file: file, user: user, container: name)
            }
        }
    }

    @Test(arguments: Mode.available)
    func symlinks_that_stay_inside_the_root_still_work(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        sb.timeout = 60
        var top = TarBuilder()
        top.directory("usr")
        top.directory("usr/lib")
        top.file("usr/lib/passwd", "root:x:0:0:root:/root:/bin/sh\ntu:x:1234:1300::/home/tu:/bin/sh\n")
        top.file("usr/lib/group", "root:x:0:\ntg:x:1300:\nextra:x:5555:root,tu\n")
        top.symlink("etc/passwd", to: "/usr/lib/passwd")
        top.symlink("etc/group", to: "../usr/lib/group")
        let image = try accountsImage(sb, "inside", top: top)
        let tu = sb.berth("run", "--rm", "--network", "none", "-u", "tu", image, "id")
        #expect(tu.status == 0 && tu.stdout.hasPrefix("uid=1234(tu) gid=1300(tg)") && tu.stdout.contains("5555(extra)"), "\(tu)")
        let tuExtra = sb.berth("run", "--rm", "--network", "none", "-u", "tu:extra", image, "id")
        #expect(tuExtra.status == 0 && tuExtra.stdout.hasPrefix("uid=1234(tu) gid=5555(extra)"), "\(tuExtra)")

        // The same through a relative symlink the container plants in its upper dir.
        let plain = try accountsImage(sb, "plain")
        let (first, second) = startTwice(sb, "rel", user: "tu", image: plain, script:
            "[ -L /etc/passwd ] || { sed s/:1300:/:5555:/ /etc/passwd > /tmp/pw && ln -sf ../tmp/pw /etc/passwd; }; id")
        #expect(first.status == 0 && first.stdout.hasPrefix("uid=1234(tu) gid=1300(tg)"), "\(first)")
        #expect(second.status == 0 && second.stdout.hasPrefix("uid=1234(tu) gid=5555(extra)"), "\(second)")
    }

    @Test(arguments: Mode.available)
    func whiteouts_and_opaque_directories_hide_account_files_as_overlay_does(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        sb.timeout = 60
        let image = try accountsImage(sb, "plain")
        // Deleting the image's /etc/group leaves a whiteout in the upper dir.
        let (first, second) = startTwice(sb, "wo", user: "nobody:nogroup", image: image, script: "[ -e /etc/group ] && rm /etc/group; id")
        #expect(first.status == 0 && first.stdout.hasPrefix("uid=65534(nobody) gid=65534"), "\(first)")
        #expect(second.status == 125 && second.stderr.contains("Error: unable to find group nogroup: no matching entries in group file"), "\(second)")

        // An opaque /etc in a layer hides the lower /etc/group: root loses group 5555.
        let before = sb.berth("run", "--rm", "--network", "none", image, "id")
        #expect(before.status == 0 && before.stdout.contains("5555"), "\(before)")
        var top = TarBuilder()
        top.directory("etc", mode: 0o755)
        top.opaque("etc")
        top.file("etc/passwd", "root:x:0:0:root:/opaque:/bin/sh\n")
        let opaque = try accountsImage(sb, "opaque", top: top)
        let seen = sb.berth("run", "--rm", "--network", "none", opaque, "sh", "-c", "id; echo HOME=$HOME; ls /etc")
        #expect(seen.status == 0 && !seen.stdout.contains("5555") && seen.stdout.contains("HOME=/opaque"), "\(seen)")
        #expect(!seen.stdout.contains("group"), "the container sees no /etc/group either: \(seen)")
        let nobody = sb.berth("run", "--rm", "--network", "none", "-u", "nobody", opaque, "id")
        #expect(nobody.status == 125 && nobody.stderr.contains("Error: unable to find user nobody"), "\(nobody)")
    }
}
