// A build's RUN steps: containers started from inside the rootless user
// namespace (where `build` runs), RUN --mount, --secret, --network and cleanup,
// through the real binary.
import Foundation
import Testing
import TestSupport

@Suite struct BuildRunTests {
    /// `build` runs rootless as root of the pause process's user namespace; a
    /// container started from there shares it (a second setns into it fails with
    /// EINVAL, and it has no maps to write). `unshare` puts a command there too.
    @Test(.enabled(if: Mode.available.contains(.rootless), "needs the rootless mode"))
    func a_container_started_inside_the_rootless_user_namespace_stays_in_it() throws {
        let sb = try sandboxWithImage(.rootless)
        defer { #expect(sb.cleanup().isEmpty) }
        let outside = sb.berth("unshare", "readlink", "/proc/self/ns/user").stdout
        let script = "mkdir /d && touch /d/f && chown -R 7:7 /d && readlink /proc/self/ns/user && id -u && cat /proc/self/uid_map"
        let run = sb.berth("unshare", Sandbox.binary, "--root", sb.root, "--runroot", sb.runroot,
                           "run", "--rm", "--name", "inner", "img", "sh", "-c", script)
        #expect(run.status == 0, "\(run)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == outside.trimmingCharacters(in: .whitespacesAndNewlines), "the same user namespace: \(run)")
        #expect(lines.dropFirst().first == "0", "root inside: \(run)")
        #expect(lines.count == 4, "the user and the subordinate range mapped: \(run)")
        #expect(sb.berth("ps", "-a", "--format", "{{.Names}}").stdout == "", "--rm removed it, subordinate-owned files and all")
    }

    // MARK: RUN through real Dockerfiles

    /// A context dir `ctx` holding `Dockerfile` and `files`.
    private func context(_ sb: Sandbox, _ dockerfile: String, files: [String: String] = [:]) throws -> String {
        try sb.makeFile("ctx/Dockerfile", dockerfile)
        for (name, text) in files { try sb.makeFile("ctx/" + name, text) }
        return sb.path("ctx")
    }

    /// What a build leaves besides images: build containers, step scratch dirs.
    private func leftovers(_ sb: Sandbox) -> [String] {
        var found = sb.berth("ps", "-a", "--external", "--format", "{{.Names}}").stdout.split(separator: "\n").map(String.init)
        let scratch = (try? FileManager.default.contentsOfDirectory(atPath: sb.runroot + "/build-run")) ?? []
        found += scratch.map { "scratch " + $0 }
        let containers = (try? FileManager.default.contentsOfDirectory(atPath: sb.root + "/containers")) ?? []
        found += containers.filter { $0.count == 64 }.map { "container dir " + $0 }
        return found
    }

    @Test(arguments: Mode.available)
    func a_cache_mount_keeps_its_files_between_builds_and_leaves_no_trace_in_the_image(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let ctx = try context(sb, """
            FROM img
            RUN --mount=type=cache,target=/var/cache/counter,uid=7,gid=8 sh -c 'n=$(cat /var/cache/counter/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /var/cache/counter/n; echo count=$n; stat -c owner=%u:%g /var/cache/counter'

            """)
        let first = sb.berth("build", "--no-cache", "-t", "counted", ctx)
        #expect(first.status == 0 && first.stdout.contains("count=1") && first.stdout.contains("owner=7:8"), "\(first)")
        let second = sb.berth("build", "--no-cache", "-t", "counted", ctx)
        #expect(second.status == 0 && second.stdout.contains("count=2"), "the cache directory persisted: \(second)")
        let inImage = sb.berth("run", "--rm", "counted", "sh", "-c", "ls -d /var/cache/counter /var/cache /var; true")
        #expect(inImage.status == 0 && inImage.stdout == "", "the image had no /var: the mount points are gone: \(inImage)")
        #expect(leftovers(sb).isEmpty, "\(leftovers(sb))")
    }

    @Test(arguments: Mode.available)
    func a_bind_mount_reads_the_context_and_its_writes_go_nowhere(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let ctx = try context(sb, """
            FROM img
            RUN --mount=type=bind,target=/src,rw sh -c 'cat /src/data.txt; echo changed > /src/data.txt; echo new > /src/new.txt; cat /src/data.txt'
            RUN --mount=type=bind,source=sub,target=/ro sh -c 'cat /ro/inner.txt; touch /ro/x 2>/dev/null && echo writable || echo read-only'

            """, files: ["data.txt": "from-context\n", "sub/inner.txt": "inner\n"])
        let built = sb.berth("build", "-t", "bound", ctx)
        #expect(built.status == 0, "\(built)")
        #expect(built.stdout.contains("from-context\nchanged\n"), "read, then its own write seen inside: \(built)")
        #expect(built.stdout.contains("inner\nread-only\n"), "read-only by default: \(built)")
        #expect(try String(contentsOfFile: ctx + "/data.txt", encoding: .utf8) == "from-context\n", "the context is untouched")
        #expect(!FileManager.default.fileExists(atPath: ctx + "/new.txt"))
        let inImage = sb.berth("run", "--rm", "bound", "sh", "-c", "ls -d /src /ro 2>&1; true")
        #expect(!inImage.stdout.contains("/src\n") && !inImage.stdout.contains("/ro\n"), "no mount points in the image: \(inImage)")
        #expect(leftovers(sb).isEmpty, "\(leftovers(sb))")
    }

    @Test(arguments: Mode.available)
    func a_bind_mount_from_a_stage_or_an_image_reads_its_merged_files(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let ctx = try context(sb, """
            FROM img AS base
            RUN mkdir /dir && echo one > /dir/a && echo made > /made
            RUN echo two > /dir/b && rm /dir/a
            FROM img
            RUN --mount=type=bind,from=base,source=/made,target=/m cat /m
            RUN --mount=type=bind,from=base,source=/dir,target=/d echo dir: $(ls /d)
            RUN --mount=type=bind,from=base,source=dir,target=/d,rw sh -c 'echo x > /d/c; echo rw: $(ls /d)'
            RUN --mount=type=bind,from=img,target=/image ls /image/bin/busybox
            RUN --mount=type=bind,from=base,source=/dir,target=/d echo again: $(ls /d)

            """)
        let built = sb.berth("build", "-t", "fromstage", ctx)
        #expect(built.status == 0, "\(built)")
        for line in ["made", "dir: b", "rw: b c", "/image/bin/busybox", "again: b"] {
            #expect(built.stdout.contains(line + "\n"), "\(line): the stage's merged view (its whiteout applied): \(built)")
        }
        #expect(leftovers(sb).isEmpty, "\(leftovers(sb))")
    }

    @Test(arguments: Mode.available)
    func a_tmpfs_mount_is_empty_every_time(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let ctx = try context(sb, """
            FROM img
            RUN --mount=type=tmpfs,target=/scratch,size=1m sh -c 'echo before=$(ls -A /scratch | wc -l); touch /scratch/x; grep " /scratch " /proc/mounts | cut -d" " -f3'
            RUN --mount=type=tmpfs,target=/scratch sh -c 'echo again=$(ls -A /scratch | wc -l)'

            """)
        let built = sb.berth("build", "-t", "tmp", ctx)
        #expect(built.status == 0 && built.stdout.contains("before=0\ntmpfs\n") && built.stdout.contains("again=0"), "\(built)")
        #expect(leftovers(sb).isEmpty, "\(leftovers(sb))")
    }

    @Test(arguments: Mode.available)
    func a_secret_is_readable_in_its_step_and_in_no_layer_or_history(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let value = "s3cr3t-\(UUID().uuidString)"
        let file = try sb.makeFile("token.txt", value)
        let ctx = try context(sb, """
            FROM img
            RUN --mount=type=secret,id=token sh -c 'echo file=$(cat /run/secrets/token | wc -c); stat -c %a /run/secrets/token; echo $(cat /run/secrets/token) | grep -c s3cr3t'
            RUN --mount=type=secret,id=token,env=TOKEN sh -c 'echo env=${#TOKEN}'
            RUN ls /run/secrets 2>&1 | head -1

            """)
        let built = sb.berth("build", "--secret", "id=token,src=\(file)", "-t", "secretive", ctx)
        #expect(built.status == 0, "\(built)")
        #expect(built.stdout.contains("file=\(value.utf8.count)\n400\n1\n"), "the secret file, mode 0400: \(built)")
        #expect(built.stdout.contains("env=\(value.utf8.count)"), "the secret as a variable: \(built)")
        #expect(built.stdout.contains("No such file or directory"), "no /run/secrets in the next step: \(built)")
        #expect(!built.stdout.contains(value) && !built.stderr.contains(value))
        let history = sb.berth("history", "--no-trunc", "secretive")
        #expect(history.status == 0 && !history.stdout.contains(value), "\(history)")
        let archive = sb.path("secretive.tar")
        #expect(sb.berth("save", "-o", archive, "secretive").status == 0)
        let grep = shell(sb, "cd \(sb.path("")) && mkdir -p saved && tar -xf \(archive) -C saved && for t in $(find saved -type f); do case $t in *.tar|*/layer.tar) tar -xOf $t ;; *) cat $t ;; esac; done | grep -c '\(value)'")
        #expect(grep.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "the secret is in no layer or config: \(grep)")
        #expect(leftovers(sb).isEmpty, "\(leftovers(sb))")
    }

    @Test(arguments: Mode.available)
    func a_required_secret_that_is_missing_fails_the_step_clearly(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let ctx = try context(sb, """
            FROM img
            RUN --mount=type=secret,id=absent,required=true cat /run/secrets/absent

            """)
        let built = sb.berth("build", "-t", "never", ctx)
        #expect(built.status == 125 && built.stderr.contains("secret absent: required secret not provided"), "\(built)")
        let optional = try context(sb, "FROM img\nRUN --mount=type=secret,id=absent sh -c 'ls /run/secrets/absent 2>/dev/null || echo not-mounted'\n")
        let skipped = sb.berth("build", "-t", "fine", optional)
        #expect(skipped.status == 0 && skipped.stdout.contains("not-mounted"), "an optional missing secret mounts nothing: \(skipped)")
        #expect(leftovers(sb).isEmpty, "\(leftovers(sb))")
    }

    @Test(arguments: Mode.available)
    func network_none_leaves_only_loopback(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let ctx = try context(sb, """
            FROM img
            RUN --network=none sh -c 'echo step: $(ip -o link | cut -d: -f2 | tr -d " " | tr "\\n" " ")'
            RUN sh -c 'echo default: $(readlink /proc/self/ns/net) $(ip -o link | wc -l)'

            """)
        let built = sb.berth("build", "-t", "isolated", ctx)
        #expect(built.status == 0 && built.stdout.contains("step: lo\n"), "\(built)")
        // The host's namespace, told by its inode: its links come and go while other
        // suites make and delete veths, so counting them raced.
        let hostNamespace = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
        #expect(built.stdout.contains("default: \(hostNamespace) "), "the default is the host's network (\(hostNamespace)): \(built)")
        let whole = sb.berth("build", "--no-cache", "--network", "none", "-t", "isolated", ctx)
        let line = whole.stdout.split(separator: "\n").first { $0.hasPrefix("default: ") } ?? ""
        #expect(whole.status == 0 && line.hasSuffix(" 1") && !line.contains(hostNamespace),
                "build --network none: a namespace of its own with loopback only: \(whole)")
        #expect(leftovers(sb).isEmpty, "\(leftovers(sb))")
    }

    @Test(arguments: Mode.available)
    func build_level_flags_reach_every_run_step(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let ctx = try context(sb, """
            FROM img
            RUN grep CapEff /proc/self/status; ulimit -n; cat /etc/hosts; grep -E "nameserver|search|options" /etc/resolv.conf; echo env: $(env | cut -d= -f1 | sort | tr "\\n" " ")

            """)
        let plain = sb.berth("build", "-t", "flags", ctx)
        #expect(plain.status == 0 && plain.stdout.contains("CapEff:\t00000000800405fb\n"), "podman's default capabilities: \(plain)")
        #expect(plain.stdout.contains("env: HOME HOSTNAME PATH PWD SHLVL\n"),
                "buildah's environment, no container=: \(plain)")
        let flagged = sb.berth("build", "--no-cache", "--cap-drop", "all", "--cap-add", "chown", "--ulimit", "nofile=512:512",
                               "--add-host", "db.example:192.0.2.9", "--dns", "192.0.2.53,192.0.2.54", "--dns-search", "a.example",
                               "--dns-search", "b.example", "--dns-option", "ndots:3,timeout:2", "-t", "flags", ctx)
        #expect(flagged.status == 0, "\(flagged)")
        #expect(flagged.stdout.contains("CapEff:\t0000000000000001\n512\n"), "--cap-drop/--cap-add and --ulimit: \(flagged)")
        #expect(flagged.stdout.contains("192.0.2.9\tdb.example\n"), "\(flagged)")
        #expect(flagged.stdout.contains("search a.example b.example\nnameserver 192.0.2.53\nnameserver 192.0.2.54\noptions ndots:3 timeout:2\n"),
                "--dns, --dns-search and --dns-option make the RUN step's resolv.conf, as podman build's: \(flagged)")
        let noHosts = sb.berth("build", "--no-cache", "--no-hosts", "-t", "flags", ctx)
        #expect(noHosts.status == 0 && !noHosts.stdout.contains("127.0.0.1"), "--no-hosts leaves the image's (absent) /etc/hosts: \(noHosts)")
        #expect(leftovers(sb).isEmpty, "\(leftovers(sb))")
    }

    @Test(arguments: Mode.available)
    func a_locked_cache_serialises_concurrent_builds(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        for name in ["one", "two"] {
            try sb.makeFile("\(name)/Dockerfile", """
                FROM img
                RUN --mount=type=cache,id=shared-log,target=/log,sharing=locked sh -c 'echo start-\(name) >> /log/l; sleep 1; echo end-\(name) >> /log/l'

                """)
        }
        let both = shell(sb, "\(berthLine(sb)) build -t one \(sb.path("one")) >/dev/null & \(berthLine(sb)) build -t two \(sb.path("two")) >/dev/null; wait")
        #expect(both.status == 0, "\(both)")
        try sb.makeFile("read/Dockerfile", "FROM img\nRUN --mount=type=cache,id=shared-log,target=/log cat /log/l\n")
        let log = sb.berth("build", "-t", "read", sb.path("read"))
        let lines = log.stdout.split(separator: "\n").filter { $0.hasPrefix("start-") || $0.hasPrefix("end-") }.map(String.init)
        #expect(lines == ["start-one", "end-one", "start-two", "end-two"] || lines == ["start-two", "end-two", "start-one", "end-one"],
                "one step at a time holds the cache: \(log)")
        #expect(leftovers(sb).isEmpty, "\(leftovers(sb))")
    }

    @Test(arguments: Mode.available)
    func heredocs_run_as_scripts_and_feed_stdin_and_other_fds(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let ctx = try context(sb, """
            FROM img
            RUN <<EOF
            echo script-line-1
            echo script-line-2 > /from-script
            EOF
            RUN cat <<EOF > /from-stdin
            stdin body
            EOF
            RUN cat /dev/fd/3 3<<END
            fd three
            END
            RUN <<EOF
            #!/bin/sh -e
            echo shebang-script
            EOF

            """)
        let built = sb.berth("build", "-t", "heredocs", ctx)
        #expect(built.status == 0, "\(built)")
        #expect(built.stdout.contains("script-line-1\n") && built.stdout.contains("fd three\n") && built.stdout.contains("shebang-script\n"), "\(built)")
        let files = sb.berth("run", "--rm", "heredocs", "cat", "/from-script", "/from-stdin")
        #expect(files.stdout == "script-line-2\nstdin body\n", "\(files)")
        let dev = sb.berth("run", "--rm", "heredocs", "sh", "-c", "ls /dev/pipes 2>&1 | head -1")
        #expect(dev.stdout.contains("No such file"), "the script's mount point is not in the image: \(dev)")
    }

    @Test(arguments: Mode.available)
    func a_failing_step_leaves_no_container_mount_or_upper_dir(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let ctx = try context(sb, """
            FROM img
            RUN --mount=type=tmpfs,target=/t --mount=type=cache,target=/c,sharing=locked sh -c 'touch /t/a /c/b; exit 7'

            """)
        let built = sb.berth("build", "-t", "failed", ctx)
        #expect(built.status == 7, "podman exits with the step's code: \(built)")
        #expect(built.stderr.contains("exit status 7"), "\(built)")
        #expect(leftovers(sb).isEmpty, "\(leftovers(sb))")
        #expect(sb.leftovers().isEmpty, "no mounts")
    }

    /// A build interrupted in a step removes its container before it exits (as
    /// podman does); a build killed outright leaves one that the next build sweeps.
    @Test(arguments: Mode.available)
    func an_interrupted_or_killed_build_leaves_nothing_behind(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let ctx = try context(sb, "FROM img\nRUN sleep 100\n")
        for signal in ["INT", "KILL"] {
            let script = """
                \(berthLine(sb)) build --no-cache -t slow \(ctx) >/dev/null 2>&1 &
                pid=$!
                for i in $(seq 100); do [ -n "$(\(berthLine(sb)) ps --external --format '{{.Names}}')" ] && break; sleep 0.1; done
                \(berthLine(sb)) ps --external --format '{{.Names}}'
                kill -\(signal) $pid; wait $pid; echo status=$?
                \(berthLine(sb)) ps -a --format 'hidden-from-ps: {{.Names}}'
                """
            let result = shell(sb, script)
            #expect(result.stdout.contains("-working-container\n"), "ps --external shows the step's container: \(result)")
            #expect(!result.stdout.contains("hidden-from-ps"), "ps -a does not: \(result)")
            if signal == "INT" {
                #expect(result.stdout.contains("status=130"), "\(result)")
                #expect(leftovers(sb).isEmpty, "SIGINT: \(leftovers(sb))")
            } else {
                #expect(!leftovers(sb).isEmpty, "kill -9 could not clean up")
                let next = sb.berth("build", "-t", "quick", try context(sb, "FROM img\nRUN true\n"))
                #expect(next.status == 0, "\(next)")
                #expect(leftovers(sb).isEmpty, "the next build swept them: \(leftovers(sb))")
            }
        }
    }
}
