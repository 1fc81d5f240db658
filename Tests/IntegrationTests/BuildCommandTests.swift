// `berth build` as a user sees it (berth only; the podman side-by-side suite is
// BuildParity*): an image from every instruction, run and inspected; the cache
// on a rebuild; build-arg invalidation; failures that leave nothing behind.
import Foundation
import Testing
import TestSupport

/// A sandbox with the busybox image `img` and a context directory `ctx` holding `files`.
func buildSandbox(_ mode: Mode, files: [String: String]) throws -> Sandbox {
    let sb = try sandboxWithImage(mode)
    for (name, text) in files { _ = try sb.makeFile("ctx/" + name, text) }
    return sb
}

/// `berth build ARGS… ctx` in the sandbox.
func berthBuild(_ sb: Sandbox, _ args: [String], context: String = "ctx") -> Sandbox.Result {
    sb.berth(["build"] + args + [sb.path(context)])
}

/// Lines of the build's output that report a step's cache hit.
func cacheHits(_ output: String) -> Int {
    output.split(separator: "\n").filter { $0.hasPrefix("--> Using cache ") }.count
}

@Suite struct BuildCommandTests {
    static let everyInstruction = """
        # syntax=docker/dockerfile:1
        FROM img
        ARG GREETING=hello
        ENV APP=/app NAME=${GREETING}-world
        LABEL org.example.name="berth test" version=1
        MAINTAINER tester
        EXPOSE 8080 53/udp
        WORKDIR /app/sub
        COPY --chown=1000:1000 --chmod=640 hello.txt ./
        COPY d /app/d
        ADD hello.txt /added.txt
        RUN echo "$NAME" > /app/name && mkdir /data && chown 1000:1000 /data
        USER 1000:1000
        VOLUME /data
        STOPSIGNAL SIGUSR1
        HEALTHCHECK --interval=30s --retries=2 CMD ["true"]
        SHELL ["/bin/sh", "-c"]
        ONBUILD RUN echo triggered > /tmp/onbuild
        ENTRYPOINT ["/bin/sh", "-c"]
        CMD ["cat /app/name; id -u; pwd; echo $APP"]

        """

    @Test(arguments: Mode.available)
    func every_instruction_builds_into_an_image_that_runs_as_written(mode: Mode) throws {
        let sb = try buildSandbox(mode, files: ["Containerfile": Self.everyInstruction, "hello.txt": "hi\n",
                                                "d/a": "a\n", "d/b": "b\n"])
        defer { #expect(sb.cleanup().isEmpty) }
        // docker format: an OCI config has no Healthcheck or OnBuild (podman drops them too).
        let built = berthBuild(sb, ["--format", "docker", "-t", "every"])
        #expect(built.status == 0, "\(built)")
        let lines = built.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "STEP 1/19: FROM img", "\(lines)")
        #expect(lines.contains("STEP 11/19: RUN echo \"$NAME\" > /app/name && mkdir /data && chown 1000:1000 /data"))
        #expect(lines.contains("COMMIT every"), "\(lines)")
        #expect(lines.contains("Successfully tagged localhost/every:latest"), "\(lines)")
        let id = try #require(lines.last)
        #expect(id.count == 64 && id.allSatisfy(\.isHexDigit), "the full image ID comes last: \(lines)")

        let ran = sb.berth("run", "--rm", "every")
        #expect(ran.status == 0 && ran.stdout == "hello-world\n1000\n/app/sub\n/app\n", "\(ran)")
        let files = sb.berth("run", "--rm", "--user", "0", "every",
                             "stat -c '%u:%g %a %n' /app/sub/hello.txt /data; cat /app/d/a /app/d/b /added.txt; echo $NAME")
        #expect(files.stdout == "1000:1000 640 /app/sub/hello.txt\n1000:1000 755 /data\na\nb\nhi\nhello-world\n", "\(files)")

        let config = sb.berth("image", "inspect", "--format", "{{json .Config}}", "every")
        #expect(config.status == 0, "\(config)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(config.stdout.utf8)) as? [String: Any])
        #expect((json["ExposedPorts"] as? [String: Any]).map { Set($0.keys) } == ["8080/tcp", "53/udp"], "\(json)")
        #expect((json["Labels"] as? [String: String])?["org.example.name"] == "berth test")
        #expect((json["Labels"] as? [String: String])?["version"] == "1")
        #expect(json["StopSignal"] as? String == "SIGUSR1")
        #expect((json["Volumes"] as? [String: Any]).map { Array($0.keys) } == ["/data"])
        #expect(json["User"] as? String == "1000:1000")
        #expect(json["WorkingDir"] as? String == "/app/sub")
        #expect(json["Entrypoint"] as? [String] == ["/bin/sh", "-c"])
        #expect((json["Env"] as? [String])?.contains("NAME=hello-world") == true, "\(json)")
        let health = sb.berth("image", "inspect", "--format", "{{json .Healthcheck}}", "every")
        #expect(health.stdout == "{\"Test\":[\"CMD\",\"true\"],\"Interval\":30000000000,\"Retries\":2}\n", "\(health)")
        #expect(sb.berth("image", "inspect", "--format", "{{.Author}}", "every").stdout == "tester\n")

        // ONBUILD: stored, then run by the build that uses the image.
        _ = try sb.makeFile("child/Containerfile", "FROM every\nUSER 0\n")
        let child = berthBuild(sb, ["-t", "child"], context: "child")
        #expect(child.status == 0, "\(child)")
        let triggered = sb.berth("run", "--rm", "child", "cat /tmp/onbuild")
        #expect(triggered.stdout == "triggered\n", "\(triggered)")

        let oci = berthBuild(sb, ["-t", "every-oci"])
        #expect(oci.status == 0 && oci.stderr.contains("WARN: HEALTHCHECK is not supported for OCI image format"), "\(oci)")
        #expect(sb.berth("image", "inspect", "--format", "{{.Config.StopSignal}}", "every-oci").stdout == "SIGUSR1\n")
    }

    @Test(arguments: Mode.available)
    func a_second_build_reuses_every_step_and_runs_no_container(mode: Mode) throws {
        let sb = try buildSandbox(mode, files: ["Containerfile": "FROM img\nCOPY f /f\nRUN echo RAN-THE-STEP\nENV X=1\n",
                                                "f": "content\n"])
        defer { #expect(sb.cleanup().isEmpty) }
        let first = berthBuild(sb, ["-t", "cached"])
        #expect(first.status == 0 && first.stdout.contains("\nRAN-THE-STEP\n") && cacheHits(first.stdout) == 0, "\(first)")
        let second = berthBuild(sb, ["-t", "cached"])
        #expect(second.status == 0, "\(second)")
        #expect(cacheHits(second.stdout) == 3, "\(second.stdout)")
        #expect(!second.stdout.contains("\nRAN-THE-STEP\n"), "no RUN ran: \(second.stdout)")
        #expect(second.stdout.split(separator: "\n").last == first.stdout.split(separator: "\n").last, "same image")
        #expect(sb.berth("ps", "-a", "-q", "--external").stdout.isEmpty)

        // --no-cache ignores it; -q prints only the ID.
        let fresh = berthBuild(sb, ["--no-cache", "-q", "-t", "cached"])
        #expect(fresh.status == 0 && fresh.stdout.split(separator: "\n").count == 1 && fresh.stdout.count == 65, "\(fresh)")

        // Touching the copied file rebuilds from that COPY on.
        _ = try sb.makeFile("ctx/f", "changed\n")
        let changed = berthBuild(sb, ["-t", "cached"])
        #expect(changed.status == 0 && changed.stdout.contains("\nRAN-THE-STEP\n"), "\(changed)")
    }

    @Test(arguments: Mode.available)
    func a_build_arg_invalidates_only_the_steps_that_see_it(mode: Mode) throws {
        let file = "FROM img\nRUN echo BEFORE-ARG\nARG SEEN\nRUN echo seen=$SEEN\n"
        let sb = try buildSandbox(mode, files: ["Containerfile": file])
        defer { #expect(sb.cleanup().isEmpty) }
        let first = berthBuild(sb, ["--build-arg", "SEEN=1"])
        #expect(first.status == 0 && first.stdout.contains("seen=1\n"), "\(first)")
        let unseen = berthBuild(sb, ["--build-arg", "SEEN=1", "--build-arg", "OTHER=2"])
        #expect(unseen.status == 0 && cacheHits(unseen.stdout) == 3, "an arg no step declares changes nothing: \(unseen)")
        #expect(unseen.stderr.contains("[Warning] one or more build args were not consumed: [OTHER]"), "\(unseen.stderr)")
        let seen = berthBuild(sb, ["--build-arg", "SEEN=2"])
        #expect(seen.status == 0 && seen.stdout.contains("seen=2\n") && !seen.stdout.contains("\nBEFORE-ARG\n"), "\(seen)")
        #expect(cacheHits(seen.stdout) == 2, "the RUN before the ARG and the ARG itself are reused (podman keys an ARG by its text): \(seen.stdout)")
    }

    @Test(arguments: Mode.available)
    func a_failing_run_stops_the_build_with_its_exit_code_and_leaves_nothing(mode: Mode) throws {
        let sb = try buildSandbox(mode, files: ["Containerfile": "FROM img\nRUN exit 7\nRUN echo never\n"])
        defer { #expect(sb.cleanup().isEmpty) }
        let images = sb.berth("images", "-a", "-q", "--no-trunc").stdout
        let result = berthBuild(sb, ["-t", "broken"])
        #expect(result.status == 7, "\(result)")
        #expect(result.stderr.hasSuffix("Error: building at STEP \"RUN exit 7\": while running runtime: exit status 7\n"), "\(result.stderr)")
        #expect(!result.stdout.contains("never"))
        #expect(sb.berth("images", "-a", "-q", "--no-trunc").stdout == images, "no image was added")
        #expect(sb.berth("ps", "-a", "-q", "--external").stdout.isEmpty, "no container is left")
        let tmp = (try? FileManager.default.contentsOfDirectory(atPath: sb.root + "/tmp")) ?? []
        #expect(tmp.filter { !$0.hasSuffix(".lock") && !$0.hasPrefix("ingest") }.isEmpty, "no scratch directory is left: \(tmp)")
    }

    @Test(arguments: Mode.available)
    func a_syntax_error_names_the_file_and_line_and_builds_nothing(mode: Mode) throws {
        let sb = try buildSandbox(mode, files: ["Containerfile": "FROM img\nRUN true\nCOPY onlyone\n"])
        defer { #expect(sb.cleanup().isEmpty) }
        let images = sb.berth("images", "-a", "-q", "--no-trunc").stdout
        let result = berthBuild(sb, ["-t", "bad"])
        #expect(result.status == 125 && result.stdout.isEmpty, "\(result)")
        #expect(result.stderr.hasPrefix("Error: Containerfile:3:") && result.stderr.contains("COPY"), "\(result.stderr)")
        #expect(sb.berth("images", "-a", "-q", "--no-trunc").stdout == images)
    }

    @Test func a_foreign_platform_is_refused_by_name() throws {
        let sb = try buildSandbox(Mode.available[0], files: ["Containerfile": "FROM img\n"])
        defer { #expect(sb.cleanup().isEmpty) }
        let arch = sb.run("uname", ["-m"], asTestUser: false).stdout == "x86_64\n" ? "arm64" : "amd64"
        let result = berthBuild(sb, ["--platform", "linux/\(arch)"])
        #expect(result.status == 125 && result.stderr.hasPrefix("Error: ") && result.stderr.contains("linux/\(arch)"), "\(result)")
    }
}
