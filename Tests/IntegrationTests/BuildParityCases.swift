// The Dockerfiles berth and podman both build for the side-by-side comparison
// (issue 10, "Must show"): each case is a context and the builds made from it.
import Foundation
import TestSupport

/// One `build` of a case: the tag it makes and the arguments before the context.
/// `podmanArguments` replaces `arguments` for podman when its 4.3 lacks a form
/// (heredocs): it then builds an equivalent Dockerfile, and the trees must agree.
struct ParityBuild: Sendable {
    var tag: String
    var arguments: [String]
    var podmanArguments: [String]?
}

struct ParityCase: Sendable, CustomStringConvertible {
    var name: String
    var context: [ContextEntry]
    var builds: [ParityBuild]
    var description: String { name }

    init(_ name: String, _ context: [ContextEntry], builds: [ParityBuild]) {
        self.name = name
        self.context = context
        self.builds = builds
    }

    /// One Containerfile, one build.
    init(_ name: String, dockerfile: String, _ context: [ContextEntry] = [], arguments: [String] = []) {
        self.init(name, context + [.text("Containerfile", dockerfile)],
                  builds: [ParityBuild(tag: "localhost/\(name)", arguments: arguments)])
    }
}

/// A small tree as a tar: owners, modes, a symlink and a nested directory, which
/// ADD must keep as they are (unlike COPY, which sets root).
private func addArchive() -> [UInt8] {
    var tar = TarBuilder()
    tar.directory("pkg", mode: 0o750, uid: 1000, gid: 1000)
    tar.file("pkg/run.sh", "#!/bin/sh\necho run\n", mode: 0o755, uid: 1000, gid: 50)
    tar.file("pkg/conf", "key=value\n", mode: 0o640)
    tar.directory("pkg/empty", mode: 0o700)
    tar.symlink("pkg/link", to: "run.sh")
    tar.hardlink("pkg/hard", to: "pkg/conf")
    return tar.bytes()
}

let parityCases: [ParityCase] = [
    ParityCase("add-tar", dockerfile: """
        FROM localhost/base
        ADD plain.tar /opt/plain/
        ADD packed.tar.gz /opt/gz
        ADD notes.txt /opt/notes/
        ADD --chown=app:staff notes.txt /opt/owned.txt
        """, [
            .file("plain.tar", addArchive()),
            .file("packed.tar.gz", gzip(addArchive())),
            .text("notes.txt", "not an archive\n", mode: 0o600),
        ]),

    ParityCase("copy-ignore", dockerfile: """
        FROM localhost/base
        COPY . /app/
        COPY src/*.txt /globbed/
        COPY src /srcdir
        COPY src/a.txt src/b.txt /multi/
        COPY sr? /question/
        """, [
            .text(".dockerignore", """
                # comments and blank lines are skipped

                **/*.log
                !src/keep.log
                secret
                !secret/public.txt
                build/**/tmp
                *.bak
                """),
            .text("src/a.txt", "a\n"),
            .text("src/b.txt", "b\n", mode: 0o755),
            .text("src/c.md", "c\n"),
            .text("src/noise.log", "noise\n"),
            .text("src/keep.log", "kept by an exception\n"),
            .text("src/deep/er/x.log", "deep log\n"),
            .text("src/deep/er/x.txt", "deep text\n"),
            .text("secret/key", "never in the image\n"),
            .text("secret/public.txt", "re-included\n"),
            .text("build/a/tmp/junk", "junk\n"),
            .text("build/a/keep", "kept\n"),
            .text("old.bak", "backup\n"),
            .directory("emptydir", mode: 0o711),
            .symlink("src/link.txt", to: "a.txt"),
        ]),

    ParityCase("chown-chmod", dockerfile: """
        FROM localhost/base
        COPY --chown=app:app file /by-name
        COPY --chown=1001:1002 file /by-number
        COPY --chown=app dir /dir-by-user/
        COPY --chown=1000:staff file /mixed
        COPY --chmod=0600 file /private
        COPY --chmod=755 dir /dir-755/
        ADD --chown=app --chmod=0640 file /added
        """, [
            .text("file", "owned\n"),
            .text("dir/one", "1\n", mode: 0o644),
            .text("dir/sub/two", "2\n", mode: 0o600),
            .directory("dir/sub", mode: 0o700),
        ]),

    ParityCase("workdir-user", dockerfile: """
        FROM localhost/base
        WORKDIR /does/not/exist
        RUN touch made-by-root
        USER app
        WORKDIR /srv/app
        RUN echo written > mine.txt && id -u > uid.txt
        WORKDIR relative/dir
        RUN pwd > /srv/app/pwd.txt
        """),

    ParityCase("multistage-scratch", dockerfile: """
        FROM localhost/base AS builder
        RUN mkdir -p /out/bin && cp /bin/busybox /out/bin/busybox && echo built > /out/stamp
        FROM localhost/base AS unused
        RUN echo this stage is not needed > /unused
        FROM scratch
        COPY --from=builder /out/bin/busybox /bin/busybox
        COPY --from=0 /out/stamp /etc/stamp
        COPY --from=localhost/base /etc/passwd /etc/passwd
        ENTRYPOINT ["/bin/busybox"]
        CMD ["echo", "hello from scratch"]
        """),

    ParityCase("onbuild", [
        .text("Containerfile.base", """
            FROM localhost/base
            ONBUILD COPY trigger.txt /trigger.txt
            ONBUILD RUN echo fired > /fired
            LABEL stage=base
            """),
        .text("Containerfile.child", """
            FROM localhost/onbuild-base
            RUN cat /fired /trigger.txt > /both
            """),
        .text("trigger.txt", "copied by a trigger\n"),
    ], builds: [
        // podman keeps ONBUILD only in docker's format (OCI has no field for it).
        ParityBuild(tag: "localhost/onbuild-base", arguments: ["--format", "docker", "-f", "Containerfile.base"]),
        ParityBuild(tag: "localhost/onbuild-child", arguments: ["--format", "docker", "-f", "Containerfile.child"]),
    ]),

    ParityCase("heredocs", [
        .text("Containerfile.heredoc", """
            FROM localhost/base
            ARG WHO=world
            RUN <<EOF
            echo one > /h1
            echo two >> /h1
            EOF
            RUN <<-EOT sh
            \techo "tabs stripped" > /h2
            \tEOT
            COPY <<EOF /etc/greeting
            hello ${WHO}
            EOF
            COPY <<'EOF' /etc/literal
            hello ${WHO}
            EOF
            """),
        // The same result without heredocs, which podman 4.3 cannot parse.
        .text("Containerfile.plain", """
            FROM localhost/base
            ARG WHO=world
            RUN echo one > /h1 && echo two >> /h1
            RUN echo "tabs stripped" > /h2
            COPY greeting /etc/greeting
            COPY literal /etc/literal
            """),
        .text("greeting", "hello world\n"),
        .text("literal", "hello ${WHO}\n"),
    ], builds: [
        ParityBuild(tag: "localhost/heredocs", arguments: ["-f", "Containerfile.heredoc"],
                    podmanArguments: ["-f", "Containerfile.plain"]),
    ]),

    ParityCase("whiteouts", dockerfile: """
        FROM localhost/base
        RUN rm /bin/ls /etc/group
        RUN rm -rf /data/sub && echo changed > /data/old.txt
        RUN rm -rf /data && mkdir /data && echo new > /data/new.txt
        RUN mkdir -p /gone/deep && echo x > /gone/deep/f
        RUN rm -rf /gone
        RUN chmod 0700 /home && chown 1000:1000 /etc/passwd
        """),

    ParityCase("env-arg", dockerfile: """
        ARG BASE=localhost/base
        FROM ${BASE}
        ARG VERSION=1.0
        ARG UNSET
        ARG FROMCLI
        ENV APP_HOME=/opt/app \\
            APP_VERSION=$VERSION
        ENV OLDFORM value with spaces
        ENV DEFAULTED=${UNSET:-fallback} ALTERNATE=${VERSION:+set} EMPTY=${UNSET:+x}
        ENV BRACED=${APP_HOME}/bin PATH=/opt/app/bin:$PATH
        LABEL version="${VERSION}" home=$APP_HOME cli=${FROMCLI}
        WORKDIR $APP_HOME
        RUN echo "$VERSION $APP_VERSION $FROMCLI $DEFAULTED" > args.txt && env | sort | grep -v '^HOSTNAME=' > env.txt
        COPY ${FILE:-file.txt} ./
        """, [.text("file.txt", "substituted source\n")],
        arguments: ["--build-arg", "FROMCLI=from-cli", "--build-arg", "VERSION=2.5"]),

    ParityCase("metadata", dockerfile: """
        FROM localhost/base
        MAINTAINER someone@example.com
        LABEL a=1 "b c"="d e" multi="one \\
          two"
        EXPOSE 80 443/tcp 53/udp
        EXPOSE 8080
        VOLUME ["/v1", "/v2"]
        VOLUME /v3
        STOPSIGNAL SIGUSR1
        HEALTHCHECK --interval=5s --timeout=3s --retries=2 CMD ["true"]
        SHELL ["/bin/sh", "-ec"]
        RUN echo shell form under the new shell > /shell.txt
        ENTRYPOINT ["/bin/sh", "-c"]
        CMD ["echo hi"]
        USER 1000:50
        """, arguments: ["--format", "docker"]),   // OCI has no Healthcheck or Shell: podman drops them there

    ParityCase("copy-trees", dockerfile: """
        FROM localhost/base
        COPY tree /tree
        COPY tree/ /tree-slash/
        COPY tree/link /copied-link
        COPY single /renamed
        COPY single /into-dir/
        COPY empty /empty-copied
        RUN ln /renamed /hardlinked && ln -s /renamed /symlinked && mkdir -m 0705 /made
        """, [
            .text("tree/a", "a\n"),
            .text("tree/sub/b", "b\n", mode: 0o600),
            .directory("tree/sub", mode: 0o750),
            .symlink("tree/link", to: "sub/b"),
            .symlink("tree/dangling", to: "/nowhere"),
            .text("single", "single\n", mode: 0o755),
            .directory("empty", mode: 0o700),
        ]),
]
