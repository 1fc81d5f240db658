// --requires and the containers a container depends on (ContainerDependents.swift),
// as podman 4.3 has them: started first by `start` and `run` when they are not
// running, shown in inspect's Dependencies, kept by `rm` while a dependent exists.
import Foundation
import Testing
import TestSupport

@Suite struct ContainerDependencyTests {
    @Test(arguments: Mode.available)
    func a_required_container_is_started_first_and_kept_while_its_dependent_exists(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let first = sb.berth("create", "--name", "db", "--network", "none", "img", "sleep", "300").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let other = sb.berth("create", "--name", "cache", "--network", "none", "img", "sleep", "300").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let app = sb.berth("create", "--name", "app", "--network", "none", "--requires", "db,cache", "--requires", "db", "img", "echo", "up")
        try #require(app.status == 0, "\(app)")
        let shown = sb.berth("inspect", "--format", "{{json .Dependencies}}", "app", "db")
        #expect(shown.stdout == "[\"\(first)\",\"\(other)\"]\n[]\n", "\(shown)")

        let started = sb.berth("start", "-a", "app")
        #expect(started.status == 0 && started.stdout == "up\n", "\(started)")
        let running = sb.berth("ps", "--format", "{{.Names}}")
        #expect(Set(running.stdout.split(separator: "\n")) == ["db", "cache"], "\(running)")

        // A run's dependency is started the same way; one already running is left alone.
        #expect(sb.berth("stop", "-t", "0", "cache").status == 0)
        let dbPid = sb.berth("inspect", "--format", "{{.State.Pid}}", "db").stdout
        let run = sb.berth("run", "--rm", "--network", "none", "--requires", "cache", "--requires", first, "img", "echo", "ran")
        #expect(run.status == 0 && run.stdout == "ran\n", "\(run)")
        #expect(sb.berth("inspect", "--format", "{{.State.Status}}", "cache").stdout == "running\n")
        #expect(sb.berth("inspect", "--format", "{{.State.Pid}}", "db").stdout == dbPid)

        #expect(sb.berth("stop", "-t", "0", "db").status == 0)
        let refused = sb.berth("rm", "db")
        #expect(refused.status != 0 && refused.stderr.contains("has dependent containers which must be removed before it"), "\(refused)")
        let removed = sb.berth("rm", "-f", "-t", "0", "--depend", "db", "cache")
        #expect(removed.status == 0 && sb.berth("ps", "-a", "-q").stdout.isEmpty, "\(removed)")
    }

    @Test(arguments: Mode.available)
    func a_dependency_that_cannot_start_fails_the_start_and_a_missing_one_the_create(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        expectRefused(sb, ["create", "--requires", "nope", "img", "true"],
                      containing: "\"nope\" is not a valid container, cannot be used as a dependency: no container with name or ID \"nope\" found: no such container")
        expectRefused(sb, ["run", "--rm", "--requires", "nope", "img", "true"], containing: "\"nope\" is not a valid container")

        #expect(sb.berth("create", "--name", "broken", "--network", "none", "img", "/nonexistent").status == 0)
        let run = sb.berth("run", "--rm", "--network", "none", "--requires", "broken", "img", "echo", "never")
        #expect(run.status == 125 && run.stdout.isEmpty && run.stderr.contains("starting some containers: broken: ")
                && run.stderr.contains("/nonexistent"), "\(run)")
        let detached = sb.berth("run", "-d", "--rm", "--network", "none", "--requires", "broken", "img", "sleep", "300")
        #expect(detached.status == 125 && detached.stderr.contains("starting some containers: broken: "), "\(detached)")
        // The --rm containers went; the dependency stays as it was.
        #expect(sb.berth("ps", "-a", "--format", "{{.Names}} {{.State}}").stdout == "broken created\n")
        #expect(sb.berth("rm", "broken").status == 0)
    }
}
