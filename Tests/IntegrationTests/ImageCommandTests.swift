// import, images, tag, untag, rmi, prune, inspect and history as a user sees them.
import Foundation
import Testing
import TestSupport

@Suite struct ImageCommandTests {
    @Test(arguments: Mode.available)
    func import_tags_lists_and_removes(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let tarball = try busyboxTarball(sb)
        let imported = sb.berth("import", "--change", "CMD=/bin/sh", "--change", "ENV=A=b", "--change", "WORKDIR=/tmp",
                                "--change", "LABEL=x=y", "--change", "EXPOSE=80", tarball, "myimg")
        #expect(imported.status == 0, "\(imported)")
        let id = imported.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.hasPrefix("sha256:") && id.count == 71)

        let table = sb.berth("images")
        #expect(table.stdout.hasPrefix("REPOSITORY       TAG         IMAGE ID      CREATED"), "\(table)")
        #expect(table.stdout.contains("localhost/myimg  latest      \(id.dropFirst(7).prefix(12))"), "\(table)")

        #expect(sb.berth("tag", "myimg", "foo/bar:1", "quay.io/x/y").status == 0)
        let names = sb.berth("images", "--format", "{{.Repository}}:{{.Tag}}").stdout
        #expect(names.split(separator: "\n").sorted() == ["localhost/foo/bar:1", "localhost/myimg:latest", "quay.io/x/y:latest"])
        #expect(sb.berth("images", "-q").stdout == String(id.dropFirst(7).prefix(12)) + "\n")

        let inspect = sb.berth("image", "inspect", "--format", "{{.Config.Cmd}} {{.Config.WorkingDir}} {{index .Config.Labels \"x\"}}", "quay.io/x/y")
        #expect(inspect.stdout == "[/bin/sh -c /bin/sh] /tmp y\n", "\(inspect)")
        let json = sb.berth("image", "inspect", "myimg")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(parsed?.first?["Id"] as? String == String(id.dropFirst(7)))
        #expect((parsed?.first?["RootFS"] as? [String: Any])?["Type"] as? String == "layers")
        #expect(json.stdout.hasPrefix("[\n     {\n          \"Id\""), "podman's 5-space indentation")

        let history = sb.berth("history", "myimg")
        #expect(history.stdout.hasPrefix("ID            CREATED"), "\(history)")
        #expect(history.stdout.contains("imported from tarball"))

        #expect(sb.berth("untag", "myimg", "quay.io/x/y").status == 0)
        let removed = sb.berth("rmi", "foo/bar:1")
        #expect(removed.stdout == "Untagged: localhost/foo/bar:1\n", "\(removed)")
        let byID = sb.berth("rmi", String(id.dropFirst(7).prefix(12)))
        #expect(byID.stdout.contains("Deleted: \(id.dropFirst(7))"), "\(byID)")
        #expect(try storeSnapshot(sb).isEmpty, "rmi of the last image frees every layer and blob")
    }

    @Test(arguments: Mode.available)
    func errors_are_one_line_with_exit_125(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let unknown = sb.berth("imagesx")
        #expect(unknown.status == 125)
        #expect(unknown.stderr.hasPrefix("Error: unrecognized command `berth imagesx`"), "\(unknown)")
        #expect(unknown.stderr.contains("images"))
        // A group's aliases are no top-level commands (podman: unrecognized command `podman ls`).
        for alias in ["ls", "list", "remove"] {
            let top = sb.berth(alias)
            #expect(top.status == 125 && top.stderr.hasPrefix("Error: unrecognized command `berth \(alias)`"), "\(top)")
        }
        #expect(sb.berth("container", "ls", "-a").stdout.hasPrefix("CONTAINER ID"), "container ls is ps")
        #expect(sb.berth("container", "list", "-a", "-q").status == 0)
        let flag = sb.berth("images", "--digestz")
        #expect(flag.status == 125 && flag.stderr.contains("unknown flag: --digestz") && flag.stderr.contains("--digests"), "\(flag)")
        let missing = sb.berth("rmi", "nonexistent")
        #expect(missing.status == 1 && missing.stderr == "Error: nonexistent: image not known\n", "\(missing)")
        let upper = sb.berth("tag", "x", "MyUpper")
        #expect(upper.status == 125 && upper.stderr.contains("must be lowercase"), "\(upper)")
        let inspect = sb.berth("image", "inspect", "nope")
        #expect(inspect.status == 125 && inspect.stderr.contains("nope: image not known"))
        let help = sb.berth("load", "--help")
        #expect(help.status == 0 && help.stdout.contains("--input"))
        #expect(sb.berth("version").stdout.contains("Version:"))
        let info = sb.berth("info", "--format", "{{.Store.GraphRoot}}")
        #expect(info.status == 0 && info.stdout == sb.root + "\n", "podman's field names: \(info)")
        let infoText = sb.berth("info").stdout
        #expect(infoText.contains("graphRoot: \(sb.root)") && infoText.contains("rootless: \(mode == .rootless)"))
    }

    @Test(arguments: Mode.available)
    func short_names_digests_and_ids_resolve(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let tarball = try busyboxTarball(sb)
        #expect(sb.berth("import", tarball, "docker.io/busybox").status == 0)
        let repo = sb.berth("images", "--format", "{{.Repository}}:{{.Tag}}").stdout
        #expect(repo == "docker.io/library/busybox:latest\n", "docker.io/NAME gets library/")
        let digest = sb.berth("images", "--format", "{{.Digest}}").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for name in ["busybox", "busybox:latest", "library/busybox", "docker.io/library/busybox:latest", "busybox@" + digest] {
            #expect(sb.berth("image", "inspect", "--format", "{{.Id}}", name).status == 0, "\(name) resolves")
        }
        #expect(sb.berth("image", "inspect", "busybox:other").status == 125)
        #expect(sb.berth("untag", "busybox").status == 0)
        #expect(sb.berth("images", "--format", "{{.Repository}}").stdout == "<none>\n")
        let pruned = sb.berth("image", "prune")
        #expect(pruned.status == 0 && pruned.stdout.count == 65, "\(pruned)")
        #expect(try storeSnapshot(sb).isEmpty)
    }

    @Test(arguments: Mode.available)
    func rmi_all_removes_images_with_several_names(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let tarball = try busyboxTarball(sb)
        let id = String(sb.berth("import", tarball, "a:1").stdout.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst(7))
        #expect(sb.berth("tag", "a:1", "b:2").status == 0)
        let byID = sb.berth("rmi", id)
        #expect(byID.status == 125 && byID.stderr.contains("more than one tag"), "by ID, several names need --force: \(byID)")
        let all = sb.berth("rmi", "-a")
        #expect(all.status == 0, "\(all)")
        #expect(all.stdout == "Untagged: localhost/a:1\nUntagged: localhost/b:2\nDeleted: \(id)\n", "as podman's rmi -a: \(all)")
        #expect(try storeSnapshot(sb).isEmpty)
    }

    @Test(arguments: Mode.available)
    func rmi_refuses_an_image_a_container_uses_unless_forced(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let tarball = try busyboxTarball(sb)
        #expect(sb.berth("import", tarball, "used").status == 0)
        let created = sb.berth("create", "--name", "web", "used", "true")
        #expect(created.status == 0, "\(created)")
        let refused = sb.berth("rmi", "used")
        #expect(refused.status == 2 && refused.stderr.contains("in use by container(s) web"), "\(refused)")
        #expect(sb.berth("image", "prune", "-a").stdout.isEmpty, "prune -a keeps images containers use")
        #expect(sb.berth("rmi", "-f", "used").status == 0)
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty, "rmi -f removes the containers using the image")
        #expect(try storeSnapshot(sb).isEmpty)
    }
}
