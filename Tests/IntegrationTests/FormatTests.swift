// `--format` templates as a podman user meets them: an unknown field is one Go-worded
// `Error:` line and exit 125 with nothing on stdout; map keys keep Go's <no value>.
import Testing
import TestSupport

@Suite struct FormatTests {
    /// The one line podman prints for `{{.Foo}}` on a value of Go type `type`, at `column`.
    private func unknownField(_ name: String, column: Int, at node: String = ".Foo", type: String, prefix: String = "") -> String {
        let field = node.split(separator: ".").last.map(String.init) ?? "Foo"
        return "Error: \(prefix)template: \(name):1:\(column): executing \"\(name)\" at <\(node)>: "
            + "can't evaluate field \(field) in type \(type)\n"
    }

    private func expectFailure(_ result: Sandbox.Result, _ line: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 125, "\(result)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, "nothing printed before the error: \(result)", sourceLocation: sourceLocation)
        #expect(result.stderr == line, "\(result)", sourceLocation: sourceLocation)
    }

    @Test(arguments: Mode.available)
    func unknown_fields_fail_as_in_podman(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let created = sb.berth("create", "--name", "c1", "--label", "app=web", "img", "true")
        #expect(created.status == 0, "\(created)")

        expectFailure(sb.berth("images", "--format", "{{.Foo}}"), unknownField("images", column: 13, type: "images.imageReporter"))
        // A table prints no header either: the whole output is built first.
        expectFailure(sb.berth("images", "--format", "table {{.ID}} {{.Foo}}"),
                      unknownField("images", column: 21, type: "images.imageReporter"))
        expectFailure(sb.berth("ps", "-a", "--format", "{{.Foo}}"), unknownField("ps", column: 13, type: "containers.psReporter"))
        expectFailure(sb.berth("ps", "-a", "--format", "table {{.Names}} {{.Foo}}"),
                      unknownField("ps", column: 24, type: "containers.psReporter"))
        expectFailure(sb.berth("history", "--format", "{{.Foo}}", "img"),
                      unknownField("history", column: 13, type: "images.historyReporter"))
        let inspecting = "inspecting object: printing inspect output: "
        expectFailure(sb.berth("inspect", "--format", "{{.Foo}}", "c1"),
                      unknownField("inspect", column: 13, type: "interface {}", prefix: inspecting))
        expectFailure(sb.berth("container", "inspect", "--format", "{{.State.Foo}}", "c1"),
                      unknownField("inspect", column: 19, at: ".State.Foo", type: "*define.InspectContainerState", prefix: inspecting))
        expectFailure(sb.berth("image", "inspect", "--format", "{{.Config.Foo}}", "img"),
                      unknownField("inspect", column: 20, at: ".Config.Foo", type: "*v1.ImageConfig", prefix: inspecting))
        expectFailure(sb.berth("version", "--format", "{{.Version}} {{.Foo}}"),
                      unknownField("version", column: 15, type: "*define.Version"))
        expectFailure(sb.berth("info", "--format", "{{.Host.Foo}}"),
                      unknownField("info", column: 7, at: ".Host.Foo", type: "*define.HostInfo"))
    }

    @Test(arguments: Mode.available)
    func map_keys_and_known_fields_still_print(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("create", "--name", "c1", "--label", "app=web", "img", "true").status == 0)
        // Labels is a Go map: a missing key prints <no value>, as podman's does.
        let labels = sb.berth("ps", "-a", "--format", "{{.Names}} {{.Labels.app}} {{.Labels.nope}}")
        #expect(labels.status == 0 && labels.stdout == "c1 web <no value>\n", "\(labels)")
        let inspect = sb.berth("inspect", "--format", "{{.Name}} {{.Config.Labels.app}} {{.Config.Labels.nope}}", "c1")
        #expect(inspect.status == 0 && inspect.stdout == "c1 web <no value>\n", "\(inspect)")
        // A template that ranges over the list itself runs once, as podman's report package runs it.
        let ranged = sb.berth("images", "--format", "{{range .}}[{{.Repository}}]{{end}}")
        #expect(ranged.status == 0 && ranged.stdout == "[localhost/img]\n", "\(ranged)")
        let table = sb.berth("ps", "-a", "--format", "table {{.Names}} {{.Labels.app}}")
        #expect(table.status == 0 && table.stdout == "NAMES       LABELS\nc1          web\n", "\(table)")
        // Every field podman 4.3's templates know for these commands runs (checked against podman here).
        let psFields = ["ID", "Image", "ImageID", "Command", "CreatedHuman", "CreatedAt", "Created", "RunningFor", "Status",
                        "State", "Ports", "Names", "Labels", "Pid", "ExitCode", "Mounts", "Networks", "Pod", "PodName",
                        "StartedAt", "Exited", "ExitedAt", "Namespaces", "IsInfra", "AutoRemove", "Cgroup", "IPC", "MNT",
                        "NET", "PIDNS", "User", "UTS"]
        let imagesFields = ["ID", "Id", "ParentId", "RepoTags", "RepoDigests", "Created", "CreatedAt", "CreatedSince",
                            "CreatedTime", "Size", "VirtualSize", "SharedSize", "Labels", "Containers", "ReadOnly",
                            "IsReadOnly", "Dangling", "Names", "Digest", "History", "Repository", "Tag"]
        let historyFields = ["ID", "Created", "CreatedSince", "CreatedAt", "CreatedBy", "Size", "Comment", "Tags"]
        for (command, fields) in [(["ps", "-a"], psFields), (["images"], imagesFields), (["history"], historyFields)] {
            let format = fields.map { "{{.\($0)}}" }.joined(separator: "|")
            let result = sb.berth(command + ["--format", format] + (command == ["history"] ? ["img"] : []))
            #expect(result.status == 0 && !result.stdout.isEmpty && result.stderr.isEmpty, "\(command): \(result)")
        }
        // An image config's fields exist for templates even when the image leaves them out (JSON omits them).
        let config = sb.berth("image", "inspect", "--format", "{{.Config.Entrypoint}}|{{.Config.Labels}}|{{.Config.StopSignal}}", "img")
        #expect(config.status == 0 && config.stdout == "[]|map[]|\n", "\(config)")
        #expect(!sb.berth("image", "inspect", "img").stdout.contains("\"Entrypoint\""))
        let ps = sb.berth("ps", "-a", "--format", "[{{.Networks}}] {{.StartedAt}} {{.Exited}} {{.Namespaces}}")
        // Root joins the default network `berth`; rootless uses pasta, which is no named network.
        let networks = mode == .root ? "berth" : ""
        #expect(ps.stdout == "[\(networks)] -62135596800 false {      }\n", "as podman prints them for a created container: \(ps)")
    }
}
