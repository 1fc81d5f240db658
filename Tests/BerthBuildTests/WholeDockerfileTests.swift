// A Dockerfile using every instruction, read end to end, and the values its words
// take once the builder expands them.
@testable import BerthBuild
import Testing

@Suite struct WholeDockerfileTests {
    static let text = """
    # syntax=docker/dockerfile:1.7
    # escape=\\

    ARG ALPINE_VERSION=3.19
    ARG REGISTRY
    FROM --platform=$BUILDPLATFORM alpine:${ALPINE_VERSION} AS build
    ARG TARGETARCH
    ARG VERSION=1.0
    ENV GOPATH=/go \\
        PATH=/go/bin:$PATH
    WORKDIR /src
    COPY --chown=1000:1000 --exclude=*.md go.mod go.sum ./
    RUN --mount=type=cache,target=/root/.cache/go-build \\
        --mount=type=secret,id=token \\
        go build -o /out/app-${TARGETARCH} .
    RUN <<EOF
    set -e
    echo building $VERSION
    EOF

    FROM scratch
    LABEL org.opencontainers.image.version="1.0" maintainer="me"
    MAINTAINER someone <s@example.org>
    COPY --from=build --chmod=0755 /out/app-* /app
    ADD --checksum=sha256:0000 https://example.org/a.tar.gz /opt/
    ADD local.tar /opt/
    COPY <<-EOT /etc/app.conf
    \tkey = value
    \tEOT
    ENV LEGACY value with spaces
    EXPOSE 8080/tcp 53/udp
    VOLUME ["/data"]
    USER 1000:1000
    HEALTHCHECK --interval=30s --timeout=3s CMD ["/app", "health"]
    STOPSIGNAL SIGTERM
    ONBUILD COPY . /app/src
    SHELL ["/bin/sh", "-eu", "-c"]
    ENTRYPOINT ["/app"]
    CMD ["serve", "--port", "8080"]
    """

    @Test func every_instruction_parses() throws {
        let dockerfile = try parse(Self.text)
        #expect(dockerfile.globalArgs.map(\.name) == ["ALPINE_VERSION", "REGISTRY"])
        #expect(dockerfile.stages.count == 2)
        #expect(dockerfile.stages[0].instructions.map(\.keyword) == ["ARG", "ARG", "ENV", "WORKDIR", "COPY", "RUN", "RUN"])
        #expect(dockerfile.stages[1].instructions.map(\.keyword) == [
            "LABEL", "MAINTAINER", "COPY", "ADD", "ADD", "COPY", "ENV", "EXPOSE", "VOLUME", "USER", "HEALTHCHECK",
            "STOPSIGNAL", "ONBUILD", "SHELL", "ENTRYPOINT", "CMD",
        ])
        #expect(dockerfile.stages[1].instructions.last?.location.line == 39)
        guard case .copy(_, let destination, let heredocs) = dockerfile.stages[1].instructions[5].kind else {
            Issue.record("COPY heredoc"); return
        }
        #expect(destination.text == "/etc/app.conf")
        #expect(heredocs.first?.content == "key = value\n")
    }

    @Test func words_expand_with_stage_scope() throws {
        let dockerfile = try parse(Self.text)
        let args = BuildArgs(userArgs: ["VERSION": "2.0"], platform: (os: "linux", arch: "amd64", variant: nil))
        let expander = WordExpander(escape: dockerfile.escape)
        let globals = try args.fromEnvironment(globalArgs: dockerfile.globalArgs, expander: expander)
        let first = dockerfile.stages[0]
        #expect(try expander.expand(first.base) { globals[$0] } == "alpine:3.19")
        #expect(try expander.expand(try #require(first.platform)) { globals[$0] } == "linux/amd64")

        var scope = args.stageScope(globals: globals, expander: expander)
        var env: [String: String] = ["PATH": "/usr/bin"]
        for instruction in first.instructions {
            switch instruction.kind {
            case .arg(let declarations):
                for declaration in declarations { try scope.declare(declaration, env: env) }
            case .env(let pairs):
                let lookup = scope.lookup(env: env)
                for pair in pairs {
                    env[try expander.expand(pair.key, lookup)] = try expander.expand(pair.value, lookup)
                }
            default: break
            }
        }
        #expect(env["PATH"] == "/go/bin:/usr/bin")
        #expect(scope.visible() == ["TARGETARCH": "amd64", "VERSION": "2.0"])
        let graph = try StageGraph(dockerfile, target: nil, fromArgs: globals)
        #expect(graph.needed == [0, 1])
        #expect(args.unusedUserArgs(in: dockerfile).isEmpty)
    }
}
