// `commit` and `diff` as a user sees them: a container that added, changed and
// deleted files (and made a directory opaque) commits to an image whose tree,
// run again, is the container's; `diff` lists what podman lists for the same
// commands; bad input changes nothing; a planted symlink never makes commit
// read the host. Root and rootless.
import Foundation
import Testing
import TestSupport

/// What the container does to `base`: every kind of change overlay records.
private let changes = """
    echo new > /etc/new; chmod 4750 /etc/new; echo more >> /etc/passwd; rm /keep; \
    rm -rf /data; mkdir /data; echo n > /data/n; ln -s / /etc/root-link; mkdir -p /a/b; touch /a/b/c
    """

/// The state of the paths the changes touch, as seen inside a container.
private let listing = """
    cd / && stat -c '%n %a %u %g %s %F' a a/b a/b/c data data/* etc/new etc/passwd; \
    ls -a / /data; cat /etc/passwd; readlink /etc/root-link; ls /keep 2>&1 | cut -d: -f2-
    """

/// podman 4.3's `diff` of a container that ran `changes` on `base` (checked in
/// `diff_lists_what_podman_lists` when podman is installed).
private let expectedDiff = [
    "A /a", "A /a/b", "A /a/b/c", "D /data", "A /data/n", "C /etc", "A /etc/new", "C /etc/passwd",
    "A /etc/root-link", "D /keep",
]

/// A sandbox with `img` (busybox) and `base`: img plus /keep and /data/{a,sub/b},
/// made by a commit itself.
private func sandboxWithBase(_ mode: Mode) throws -> Sandbox {
    let sb = try sandboxWithImage(mode)
    let made = sb.berth("run", "--name", "c0", "img", "sh", "-c", "echo keep > /keep; mkdir -p /data/sub; echo a > /data/a; echo b > /data/sub/b")
    #expect(made.status == 0, "\(made)")
    let committed = sb.berth("commit", "-q", "c0", "base")
    #expect(committed.status == 0 && committed.stdout.count == 65, "\(committed)")
    #expect(sb.berth("rm", "c0").status == 0)
    return sb
}

@Suite struct CommitTests {
    @Test(arguments: Mode.available)
    func commit_gives_an_image_whose_tree_is_the_containers(mode: Mode) throws {
        let sb = try sandboxWithBase(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let ran = sb.berth("run", "--name", "c1", "base", "sh", "-c", changes + "; " + listing)
        #expect(ran.status == 0, "\(ran)")
        #expect(ran.stdout.contains("etc/new 4750 0 0 4 regular file"), "\(ran)")

        let diff = sb.berth("diff", "c1")
        #expect(diff.status == 0 && diff.stdout.split(separator: "\n").map(String.init) == expectedDiff, "\(diff)")
        let json = sb.berth("container", "diff", "--format", "json", "c1")
        #expect(json.stdout.hasPrefix("{\n     \"changed\": [\n          \"/etc\""), "\(json)")

        let committed = sb.berth("commit", "-c", "ENV X=1", "-c", "LABEL a=b", "-c", "WORKDIR /data", "-c", "EXPOSE 80",
                                 "-a", "someone", "c1", "committed")
        #expect(committed.status == 0, "\(committed)")
        let id = committed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.count == 64)
        #expect(committed.stderr.hasPrefix("Getting image source signatures\nCopying blob sha256:"), "\(committed)")
        #expect(committed.stderr.hasSuffix("Copying config sha256:\(id)\nWriting manifest to image destination\nStoring signatures\n"))

        // Run again, the image shows exactly what the container saw.
        let again = sb.berth("run", "--rm", "committed", "sh", "-c", "pwd; " + listing + "; echo $X")
        #expect(again.status == 0, "\(again)")
        #expect(again.stdout == "/data\n" + ran.stdout + "1\n", "\(again.stdout)\n---\n\(ran.stdout)")

        // Its top layer against its parent: the container's diff.
        let imageDiff = sb.berth("image", "diff", "committed")
        #expect(imageDiff.stdout.split(separator: "\n").map(String.init) == expectedDiff, "\(imageDiff)")
        #expect(sb.berth("diff", "committed", "base").stdout == imageDiff.stdout)

        let inspect = sb.berth("image", "inspect", "--format",
                               "{{.Config.Env}} {{.Config.Labels}} {{.Config.WorkingDir}} {{.Config.ExposedPorts}} {{.Author}}", "committed")
        #expect(inspect.stdout.contains("X=1") && inspect.stdout.contains("map[a:b]") && inspect.stdout.contains(" /data ")
                && inspect.stdout.contains("80/tcp") && inspect.stdout.hasSuffix("someone\n"), "\(inspect)")
        let history = sb.berth("history", "--format", "{{.CreatedBy}}|{{.Comment}}", "committed")
        #expect(history.stdout.hasPrefix("/bin/sh|FROM "), "\(history)")

        // The container keeps its upper dir: it can be committed again, squashed.
        let squashed = sb.berth("commit", "-q", "--squash", "--format", "docker", "c1", "flat")
        #expect(squashed.status == 0, "\(squashed)")
        let layers = sb.berth("image", "inspect", "--format", "{{len .RootFS.Layers}} {{.ManifestType}}", "flat")
        #expect(layers.stdout == "1 application/vnd.docker.distribution.manifest.v2+json\n", "\(layers)")
        let flat = sb.berth("run", "--rm", "flat", "sh", "-c", listing)
        #expect(flat.stdout == ran.stdout, "\(flat)")

        // skopeo, the outside judge, reads what save writes of a committed image.
        let archive = sb.path("committed.tar")
        #expect(sb.berth("save", "-o", archive, "committed").status == 0)
        let skopeo = sb.run(try requiredTool("skopeo"), ["inspect", "--format", "{{len .Layers}}", "docker-archive:" + archive],
                            asTestUser: mode == .rootless)
        #expect(skopeo.status == 0 && skopeo.stdout == "3\n", "\(skopeo)")
    }

    @Test(arguments: Mode.available)
    func quiet_iidfile_and_an_untagged_commit(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "--name", "c", "img", "touch", "/x").status == 0)
        let iid = sb.path("iid")
        let quiet = sb.berth("commit", "-q", "--iidfile", iid, "c")
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet)")
        #expect(try readText(iid) + "\n" == quiet.stdout)
        let images = sb.berth("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}")
        #expect(images.stdout.contains("<none>:<none> \(quiet.stdout.prefix(12))"), "\(images)")
    }

    @Test(arguments: Mode.available)
    func a_running_container_is_committed_and_keeps_running(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let started = sb.berth("run", "-d", "--name", "r", "img", "sh", "-c", "echo hi > /x; sleep 300")
        #expect(started.status == 0, "\(started)")
        var written = false
        for _ in 0..<100 where !written {
            written = sb.berth("diff", "r").stdout.contains("A /x\n")
            if !written { usleep(50_000) }
        }
        #expect(written)
        let paused = sb.berth("commit", "--pause", "r", "refused")
        #expect(paused.status == 125 && paused.stderr.contains("pausing containers is not supported yet"), "\(paused)")
        let committed = sb.berth("commit", "-q", "r", "live")
        #expect(committed.status == 0, "\(committed)")
        #expect(sb.berth("ps", "--format", "{{.Names}} {{.Status}}").stdout.hasPrefix("r Up"), "the container runs on")
        #expect(sb.berth("run", "--rm", "live", "cat", "/x").stdout == "hi\n")
        #expect(sb.berth("diff", "r").stdout.contains("A /x\n"), "the container keeps its upper dir")
        #expect(sb.berth("rm", "-f", "-t", "0", "r").status == 0)
    }

    @Test(arguments: Mode.available)
    func bad_input_changes_nothing(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "--name", "c", "img", "touch", "/x").status == 0)
        let before = try storeSnapshot(sb)
        for args in [["commit", "nosuch", "x"], ["commit", "-c", "BAD x", "c", "x"], ["commit", "-m", "msg", "c", "x"],
                     ["commit", "-f", "v2s3", "c", "x"], ["commit", "c", "Bad Name"], ["diff", "nosuch"],
                     ["diff", "--format", "table", "c"], ["image", "diff", "c"], ["container", "diff", "img"]] {
            let result = sb.berth(args)
            let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
            #expect(result.status == 125 && errors.count == 1 && result.stdout.isEmpty, "\(args): \(result)")
        }
        #expect(try storeSnapshot(sb) == before)
    }

    @Test(arguments: Mode.available)
    func a_planted_root_symlink_never_makes_commit_read_the_host(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let planted = sb.berth("run", "--name", "c", "img", "sh", "-c",
                               "rm -rf /tmp /root && ln -s / /tmp && ln -s /etc /root && ln -sf /etc/shadow /etc/passwd && ln -s / /planted")
        #expect(planted.status == 0, "\(planted)")
        let committed = sb.berth("commit", "-q", "c", "planted")
        #expect(committed.status == 0, "\(committed)")
        let sizes = sb.berth("images", "--format", "{{.Repository}} {{.Size}}")
        let base = try #require(Self.size(sizes.stdout, "localhost/img")), top = try #require(Self.size(sizes.stdout, "localhost/planted"))
        #expect(top - base < 100_000, "the new layer holds symlinks, not the host: \(sizes)")
        let links = sb.berth("run", "--rm", "planted", "/bin/sh", "-c", "for f in /tmp /root /etc/passwd /planted; do readlink $f; done")
        #expect(links.stdout == "/\n/etc\n/etc/shadow\n/\n", "\(links)")
    }

    /// podman, run here on the same rootfs with the same commands, lists the same
    /// changes (root only: podman's rootless side needs its own setup).
    @Test func diff_lists_what_podman_lists() throws {
        guard let podman = ["/usr/bin/podman", "/usr/local/bin/podman"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }),
              getuid() == 0 else { return }
        let sb = try sandboxWithBase(.root)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "--name", "c1", "base", "sh", "-c", changes).status == 0)
        let ours = sb.berth("diff", "c1")

        let store = ["--root", sb.path("podman-root"), "--runroot", sb.path("podman-run"), "--runtime", "runc"]
        func pod(_ args: String...) -> Sandbox.Result {
            let result = sb.run(podman, store + args, asTestUser: false)
            #expect(result.status == 0, "podman \(args): \(result)")
            return result
        }
        defer { _ = sb.run(podman, store + ["rm", "-a", "-f"], asTestUser: false) }
        let run = ["run", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
        _ = pod("import", try busyboxTarball(sb, name: "podman-rootfs.tar"), "localhost/img")
        _ = sb.run(podman, store + run + ["--name", "c0", "localhost/img", "sh", "-c",
                   "echo keep > /keep; mkdir -p /data/sub; echo a > /data/a; echo b > /data/sub/b"], asTestUser: false)
        _ = pod("commit", "-q", "c0", "localhost/base")
        _ = sb.run(podman, store + run + ["--name", "c1", "localhost/base", "sh", "-c", changes], asTestUser: false)
        let theirs = pod("diff", "c1")
        #expect(ours.stdout == theirs.stdout, "berth:\n\(ours.stdout)podman:\n\(theirs.stdout)")
        #expect(sb.berth("diff", "--format", "json", "c1").stdout == pod("diff", "--format", "json", "c1").stdout)
    }

    /// The SIZE column of `images` for `repository`, in bytes (podman's units).
    static func size(_ table: String, _ repository: String) -> Double? {
        for line in table.split(separator: "\n") where line.hasPrefix(repository + " ") {
            let parts = line.split(separator: " ")
            guard parts.count == 3, let value = Double(parts[1]) else { return nil }
            let unit: Double = ["B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9][String(parts[2])] ?? 1
            return value * unit
        }
        return nil
    }
}
