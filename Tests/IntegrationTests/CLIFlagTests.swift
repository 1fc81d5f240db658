// podman flags that work in berth now (issue 9 §8): global flags, image listing,
// save into a pipe, image exists, podman's "no such image" exit codes, the cheap
// run flags and /run/.containerenv. Root and rootless.
import Foundation
import Testing
import TestSupport

@Suite struct CLIFlagTests {
    @Test(arguments: Mode.available)
    func global_flags_work_or_are_refused_clearly(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let level = sb.berth("--log-level=loud", "images")
        #expect(level.status == 125 && level.stderr.hasPrefix("Error: log level \"loud\" is not supported, choose from: trace,"), "\(level)")
        #expect(sb.berth("--log-level", "debug", "images", "-q").status == 0)
        let silent = sb.berth("--noout", "images")
        #expect(silent.status == 0 && silent.stdout.isEmpty, "\(silent)")
        #expect(sb.berth("images", "--noout").stdout.isEmpty, "global flags work after the command too")
        #expect(sb.berth("--noout", "--version").stdout.isEmpty)
        #expect(sb.berth("--storage-driver", "overlay", "images", "-q").status == 0)
        let vfs = sb.berth("--storage-driver=vfs", "images")
        #expect(vfs.status == 125 && vfs.stderr == "Error: --storage-driver vfs is not supported: berth stores layers with overlay only\n")
        let opt = sb.berth("--storage-opt", "overlay.mount_program=/x", "images")
        #expect(opt.status == 125 && opt.stderr == "Error: --storage-opt is not supported yet: berth's overlay store takes no options\n")
        let volumes = sb.berth("--volumepath", "/srv/volumes", "volume", "ls")
        #expect(volumes.status == 125 && volumes.stderr == "Error: --volumepath is not supported yet: berth keeps volumes in its store, under --root (ROOT/volumes): choose --root instead\n", "\(volumes)")
        #expect(sb.berth("--runtime", "berth", "images", "-q").status == 0)
        let runc = sb.berth("--runtime", "runc", "images")
        #expect(runc.status == 125 && runc.stderr.hasPrefix("Error: --runtime runc is not supported: berth starts containers itself"))
        #expect(sb.berth("--syslog=false", "images", "-q").status == 0, "a bool global flag before the command takes no value")
        #expect(sb.berth("--events-backend", "none", "images", "-q").status == 0)
    }

    @Test(arguments: Mode.available)
    func images_filter_and_sort_as_podman(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("import", "--change", "LABEL=tier=web", try busyboxTarball(sb), "quay.io/web/front:2").status == 0)
        #expect(sb.berth("tag", "img", "docker.io/library/busybox:1").status == 0)
        func names(_ args: String...) -> [String] {
            let result = sb.berth(["images", "--format", "{{.Repository}}:{{.Tag}}"] + args)
            #expect(result.status == 0, "\(result)")
            return result.stdout.split(separator: "\n").map(String.init)
        }
        #expect(names("--filter", "label=tier=web") == ["quay.io/web/front:2"])
        #expect(names("--filter", "label=tier=db").isEmpty)
        #expect(Set(names("--filter", "reference=busybox")) == ["localhost/img:latest", "docker.io/library/busybox:1"])
        #expect(names("--filter", "reference=*front*", "--filter", "dangling=false") == ["quay.io/web/front:2"])
        #expect(names("--filter", "dangling=true").isEmpty)
        #expect(names("--sort", "repository") == ["docker.io/library/busybox:1", "localhost/img:latest", "quay.io/web/front:2"])
        #expect(names("--sort", "tag").first == "docker.io/library/busybox:1")
        let history = sb.berth("images", "--history", "--filter", "reference=quay.io/web/front")
        #expect(history.stdout.hasPrefix("REPOSITORY") && history.stdout.contains("HISTORY") && history.stdout.contains("quay.io/web/front:2\n"),
                "\(history)")
        let bad = sb.berth("images", "--filter", "color=red")
        #expect(bad.status == 125 && bad.stderr.hasPrefix("Error: invalid image filter \"color=red\""), "\(bad)")
        let sort = sb.berth("images", "--sort", "age")
        #expect(sort.status == 125 && sort.stderr.contains("--sort, options are: created, id, repository, size, tag"), "\(sort)")
    }

    @Test(arguments: Mode.available)
    func save_without_output_streams_to_a_pipe(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let listing = shell(sb, "\(berthLine(sb)) save img | tar -t")
        #expect(listing.status == 0 && listing.stdout.contains("manifest.json\n") && listing.stdout.contains(".tar\n"), "\(listing)")
        let oci = shell(sb, "\(berthLine(sb)) save --format oci-archive img | tar -t")
        #expect(oci.stdout.contains("oci-layout\n") && oci.stdout.contains("index.json\n"), "\(oci)")
        let terminal = shell(sb, "script -qec '\(berthLine(sb)) save img' /dev/null")
        #expect(terminal.status == 125 && terminal.stdout.contains("Error: refusing to save to terminal. Use -o flag or redirect"), "\(terminal)")
    }

    @Test(arguments: Mode.available)
    func image_exists_and_missing_image_exit_codes_match_podman(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("image", "exists", "img").status == 0)
        let missing = sb.berth("image", "exists", "nosuch")
        #expect(missing.status == 1 && missing.stdout.isEmpty && missing.stderr.isEmpty, "\(missing)")
        #expect(sb.berth("image", "exists", "a", "b").status == 125)
        let cases: [([String], Int32, String)] = [
            (["rmi", "nosuch"], 1, "Error: nosuch: image not known\n"),
            (["image", "inspect", "nosuch"], 125, "Error: inspecting object: nosuch: image not known\n"),
            (["inspect", "nosuch"], 125, "Error: inspecting object: no such object: \"nosuch\"\n"),
            (["inspect", "--type", "image", "nosuch"], 125, "Error: inspecting object: nosuch: image not known\n"),
            (["image", "inspect", "nosuch", "other"], 125, "error inspecting object: other: image not known\nError: inspecting object: nosuch: image not known\n"),
            (["history", "nosuch"], 125, "Error: nosuch: image not known\n"),
            (["tag", "nosuch", "x"], 125, "Error: nosuch: image not known\n"),
        ]
        for (args, status, stderr) in cases {
            let result = sb.berth(args)
            #expect(result.status == status && result.stderr == stderr, "berth \(args.joined(separator: " ")): \(result)")
        }
    }

    @Test(arguments: Mode.available)
    func containerenv_is_there_read_only_with_podmans_lines_when_privileged(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let plain = sb.berth("run", "--rm", "img", "sh", "-c", "test -f /run/.containerenv && wc -c < /run/.containerenv; echo x > /run/.containerenv")
        #expect(plain.stdout == "0\n" && plain.stderr.contains("Read-only file system"), "\(plain)")
        let id = sb.berth("create", "--privileged", "--name", "envy", "img", "cat", "/run/.containerenv").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let imageID = sb.berth("image", "inspect", "--format", "{{.Id}}", "img").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let shown = sb.berth("start", "-a", "envy")
        #expect(shown.stdout == """
            engine="berth-0.1.0"
            name="envy"
            id="\(id)"
            image="localhost/img:latest"
            imageid="\(imageID)"
            rootless=\(mode == .rootless ? 1 : 0)

            """, "\(shown)")
        #expect(sb.berth("rm", "envy").status == 0)
    }

    @Test(arguments: Mode.available)
    func cheap_run_flags_work(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let env = sb.berth(["run", "--rm", "--env-host", "-e", "B=2", "img", "sh", "-c", "echo $CLIPARITY_HOST $B"],
                           env: ["CLIPARITY_HOST": "from-host"])
        #expect(env.stdout == "from-host 2\n", "\(env)")
        let proxy = sb.berth(["run", "--rm", "img", "sh", "-c", "echo $https_proxy"], env: ["https_proxy": "http://proxy:3128"])
        #expect(proxy.stdout == "http://proxy:3128\n", "--http-proxy is on by default: \(proxy)")
        let noProxy = sb.berth(["run", "--rm", "--http-proxy=false", "img", "sh", "-c", "echo x$https_proxy"], env: ["https_proxy": "http://p"])
        #expect(noProxy.stdout == "x\n", "\(noProxy)")
        let labels = try sb.makeFile("labels", "# comment\ntier=web\n\nteam=ops\n")
        #expect(sb.berth("create", "--name", "l", "--label-file", labels, "--stop-signal", "SIGUSR1", "img", "true").status == 0)
        let shown = sb.berth("inspect", "--format", "{{.Config.StopSignal}} {{index .Config.Labels \"tier\"}} {{index .Config.Labels \"team\"}}", "l")
        #expect(shown.stdout == "SIGUSR1 web ops\n", "\(shown)")
        #expect(sb.berth("rm", "l").status == 0)
        let badSignal = sb.berth("run", "--rm", "--stop-signal", "SIGNOPE", "img", "true")
        #expect(badSignal.status == 125 && badSignal.stderr == "Error: invalid signal: SIGNOPE\n", "\(badSignal)")
        let attach = sb.berth("run", "--rm", "-a", "stdout", "-a", "stderr", "--log-driver", "k8s-file", "img", "echo", "hi")
        #expect(attach.status == 0 && attach.stdout == "hi\n", "\(attach)")
        let journald = sb.berth("run", "--rm", "--log-driver", "journald", "img", "true")
        #expect(journald.status == 125 && journald.stderr.hasPrefix("Error: --log-driver journald is not supported"), "\(journald)")
        let stream = sb.berth("run", "--rm", "-a", "stdlog", "img", "true")
        #expect(stream.status == 125 && stream.stderr.contains("invalid stream \"stdlog\""), "\(stream)")
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty, "refused runs created nothing")
    }
}
