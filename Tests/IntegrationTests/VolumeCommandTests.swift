// The volume verbs as a podman user's scripts see them: create (named, anonymous, owners,
// labels, --ignore), ls with filters and formats, inspect's JSON, exists, rm and prune
// (refusing a volume a container uses), export/import, bad options. Root and rootless.
import Foundation
import Testing
import TestSupport

/// The owner of a path on the host.
private func hostOwner(_ path: String) -> (uid: UInt32, gid: UInt32)? {
    var st = stat()
    guard lstat(path, &st) == 0 else { return nil }
    return (st.st_uid, st.st_gid)
}

/// The first subordinate uid and gid of the test user (rootless container uid 1 maps there).
func subordinateBase(_ sb: Sandbox) throws -> (uid: UInt32, gid: UInt32) {
    func base(_ file: String) throws -> UInt32 {
        let name = sb.testUser?.name ?? NSUserName()
        let line = try #require(try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").first { $0.hasPrefix(name + ":") })
        return try #require(UInt32(line.split(separator: ":")[1]))
    }
    return (try base("/etc/subuid"), try base("/etc/subgid"))
}

/// A container that mounts the volume (`create -v NAME:/data`); its ID.
func containerUsingVolume(_ sb: Sandbox, name: String, volume: String) throws -> String {
    let created = sb.berth("create", "--name", name, "-v", volume + ":/data", "img", "true")
    try #require(created.status == 0, "\(created)")
    return created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

@Suite struct VolumeCommandTests {
    @Test(arguments: Mode.available)
    func create_list_inspect_and_remove(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("volume", "ls").stdout.isEmpty, "no header over nothing, as podman")
        #expect(sb.berth("volume", "ls", "--format", "json").stdout == "[]\n")

        let named = sb.berth("volume", "create", "--label", "env=prod", "data")
        #expect(named.status == 0 && named.stdout == "data\n", "\(named)")
        let anonymous = sb.berth("volume", "create")
        let anonymousName = anonymous.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(anonymous.status == 0 && anonymousName.count == 64, "\(anonymous)")
        let again = sb.berth("volume", "create", "data")
        #expect(again.status == 125 && again.stderr == "Error: volume with name data already exists: volume already exists\n", "\(again)")
        #expect(sb.berth("volume", "create", "--ignore", "data").stdout == "data\n")
        let twoNames = sb.berth("volume", "create", "a", "b")
        #expect(twoNames.status == 125 && twoNames.stderr == "Error: accepts at most 1 arg(s), received 2\n")

        // Listed by name, as podman lists them.
        let byName = [anonymousName, "data"].sorted()
        let table = sb.berth("volume", "ls").stdout
        #expect(table == "DRIVER      VOLUME NAME\n" + byName.map { "local       \($0)\n" }.joined(), "\(table)")
        #expect(sb.berth("volume", "ls", "-q", "--filter", "label=env=prod").stdout == "data\n")
        // "^dat": an anonymous volume's hex name can start with "da", never with "dat".
        #expect(sb.berth("volume", "ls", "--noheading", "--filter", "name=^dat").stdout == "local       data\n")
        #expect(sb.berth("volume", "ls", "--format", "{{.Name}} {{.Scope}} {{.Labels}}", "--filter", "dangling=true", "--filter", "name=data").stdout
                == "data local map[env:prod]\n")
        let badFilter = sb.berth("volume", "ls", "--filter", "foo=bar")
        #expect(badFilter.status == 125 && badFilter.stderr == "Error: \"foo\" is an invalid volume filter\n", "\(badFilter)")

        let inspected = sb.berth("volume", "inspect", "data")
        #expect(inspected.status == 0, "\(inspected)")
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [[String: Any]])
        let object = try #require(objects.first)
        #expect(objects.count == 1 && object["Name"] as? String == "data" && object["Driver"] as? String == "local")
        #expect(object["Mountpoint"] as? String == sb.root + "/volumes/data/_data")
        #expect(object["Labels"] as? [String: String] == ["env": "prod"] && object["Scope"] as? String == "local")
        #expect(object["MountCount"] as? Int == 0 && object["NeedsCopyUp"] as? Bool == true && object["NeedsChown"] as? Bool == true)
        #expect((object["CreatedAt"] as? String)?.hasSuffix("Z") == true && object["UID"] == nil)
        let keys = inspected.stdout.split(separator: "\n").compactMap { $0.split(separator: "\"").dropFirst().first }.filter { $0.first!.isUppercase }
        #expect(keys.prefix(7) == ["Name", "Driver", "Mountpoint", "CreatedAt", "Labels", "Scope", "Options"], "podman's key order: \(keys)")
        #expect(sb.berth("volume", "inspect", "--format", "{{.Name}}:{{.Driver}}", "data").stdout == "data:local\n")
        #expect(sb.berth("volume", "inspect", "--all", "--format", "{{.Name}}").stdout == byName.map { $0 + "\n" }.joined())
        let missing = sb.berth("volume", "inspect", "data", "nope")
        #expect(missing.status == 125 && missing.stderr == "Error: inspecting object: no such volume nope\n", "\(missing)")
        #expect(sb.berth("volume", "inspect").stderr == "Error: provide one or more volume names or use --all\n")

        // The volume's root belongs to the container's root: the user itself, rootless.
        let data = sb.root + "/volumes/data/_data"
        #expect(hostOwner(data)?.uid == sb.userID && hostOwner(data)?.gid == sb.groupID)
        #expect(sb.berth("volume", "exists", "data").status == 0)
        #expect(sb.berth("volume", "exists", "nope").status == 1)

        let removed = sb.berth("volume", "rm", "data", "nope")
        #expect(removed.stdout == "data\n" && removed.stderr == "Error: no volume with name \"nope\" found: no such volume\n" && removed.status == 1, "\(removed)")
        #expect(!FileManager.default.fileExists(atPath: sb.root + "/volumes/data"))
        #expect(sb.berth("volume", "rm").stderr == "Error: choose either one or more volumes or all\n")
        #expect(sb.berth("volume", "rm", "-a").stdout == anonymousName + "\n")
        #expect(sb.berth("volume", "ls", "-q").stdout.isEmpty)
    }

    @Test(arguments: Mode.available)
    func uid_and_gid_options_own_the_volume_root(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let created = sb.berth("volume", "create", "--opt", "uid=5", "--opt", "o=gid=6", "owned")
        #expect(created.status == 0, "\(created)")
        let expected: (uid: UInt32, gid: UInt32)
        if mode == .root {
            expected = (5, 6)
        } else {
            let base = try subordinateBase(sb)   // container uid 1 is the first subordinate id
            expected = (base.uid + 4, base.gid + 5)
        }
        let found = hostOwner(sb.root + "/volumes/owned/_data")
        #expect(found?.uid == expected.uid && found?.gid == expected.gid, "\(String(describing: found))")
        let shown = sb.berth("volume", "inspect", "--format", "{{.UID}} {{.GID}} {{.Options}}", "owned")
        #expect(shown.stdout == "5 6 map[o:gid=6 uid:5]\n", "\(shown)")
    }

    @Test(arguments: Mode.available)
    func bad_options_fail_before_anything_is_created(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let cases: [([String], String)] = [
            (["--opt", "foo=bar"], "Error: invalid mount option foo for driver 'local': invalid argument\n"),
            (["--opt", "uid=me"], "Error: cannot convert UID me to integer: invalid argument\n"),
            (["--opt", "type=ext4"], "Error: volume option type=ext4 needs device=: invalid argument\n"),
            (["--opt", "o=bind"], "Error: volume option o=bind needs device= with the absolute path of an existing directory: invalid argument\n"),
            (["--driver", "nfs"], "Error: volume driver nfs is not supported: berth has only the local driver: no such volume plugin\n"),
        ]
        for (flags, message) in cases {
            let result = sb.berth(["volume", "create"] + flags + ["v"])
            #expect(result.status == 125 && result.stderr == message && result.stdout.isEmpty, "\(flags): \(result)")
        }
        let badName = sb.berth("volume", "create", "-bad")
        #expect(badName.status == 125, "\(badName)")
        let spaced = sb.berth("volume", "create", "a b")
        #expect(spaced.stderr == "Error: running volume create option: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: \"a b\": invalid argument\n", "\(spaced)")
        #expect(sb.berth("volume", "ls", "-q").stdout.isEmpty)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: sb.root + "/volumes")) ?? []
        #expect(left.filter { $0 != ".lock" }.isEmpty, "nothing created: \(left)")
    }

    @Test(arguments: Mode.available)
    func rm_refuses_a_volume_in_use_and_prune_removes_only_unused(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        for name in ["used", "spare", "kept"] { #expect(sb.berth("volume", "create", "--label", name == "kept" ? "keep=1" : "x=1", name).status == 0) }
        #expect(FileManager.default.createFile(atPath: sb.root + "/volumes/used/_data/file", contents: Data("hello".utf8)))
        let id = try containerUsingVolume(sb, name: "user", volume: "used")

        let refused = sb.berth("volume", "rm", "used")
        #expect(refused.status == 2, "podman's exit code for a volume in use: \(refused)")
        #expect(refused.stderr == "Error: volume used is being used by the following container(s): \(id): volume is being used\n", "\(refused)")
        #expect(try String(contentsOfFile: sb.root + "/volumes/used/_data/file", encoding: .utf8) == "hello", "left intact")
        #expect(sb.berth("volume", "ls", "-q", "--filter", "dangling=false").stdout == "used\n")

        let pruned = sb.berth("volume", "prune", "-f", "--filter", "label!=keep")
        #expect(pruned.status == 0 && pruned.stdout == "spare\n", "\(pruned)")
        #expect(sb.berth("volume", "ls", "-q").stdout == "kept\nused\n")
        let declined = sb.berth("volume", "prune", stdin: Array("n\n".utf8))
        #expect(declined.stdout.contains("kept\n") && declined.stdout.hasSuffix("Are you sure you want to continue? [y/N] "), "\(declined)")
        #expect(sb.berth("volume", "ls", "-q").stdout == "kept\nused\n", "nothing removed without a yes")
        #expect(sb.berth("volume", "prune", stdin: Array("y\n".utf8)).stdout.hasSuffix("kept\n"))
        #expect(sb.berth("volume", "ls", "-q").stdout == "used\n", "prune never removes a used volume")

        let forced = sb.berth("volume", "rm", "-f", "used")
        #expect(forced.status == 0 && forced.stdout == "used\n", "\(forced)")
        #expect(sb.berth("ps", "-aq").stdout.isEmpty, "rm -f removed the container using it, as podman")
        #expect(sb.berth("volume", "ls", "-q").stdout.isEmpty)
    }

    @Test(arguments: Mode.available)
    func export_and_import_carry_the_contents(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("volume", "create", "src").status == 0 && sb.berth("volume", "create", "dst").status == 0)
        let script = "mkdir \(sb.root)/volumes/src/_data/dir && echo hello > \(sb.root)/volumes/src/_data/dir/file"
        #expect(shell(sb, script).status == 0)
        let tarPath = sb.work + "/src.tar"
        let exported = sb.berth("volume", "export", "-o", tarPath, "src")
        #expect(exported.status == 0, "\(exported)")
        let listing = sb.run("tar", ["tf", tarPath], asTestUser: false).stdout
        #expect(listing.contains("dir/file"), "\(listing)")
        let imported = sb.berth("volume", "import", "dst", tarPath)
        #expect(imported.status == 0, "\(imported)")
        #expect(try String(contentsOfFile: sb.root + "/volumes/dst/_data/dir/file", encoding: .utf8) == "hello\n")
        #expect(sb.berth("volume", "inspect", "--format", "{{.NeedsCopyUp}}", "dst").stdout == "false\n", "imported content is never copied over")
        let fromStdin = sb.berth("volume", "import", "src", "-", stdin: Array(try Data(contentsOf: URL(fileURLWithPath: tarPath))))
        #expect(fromStdin.status == 0, "\(fromStdin)")
        let toStdout = sb.berth("volume", "export", "dst")
        #expect(toStdout.status == 0 && toStdout.stdout.utf8.count >= 2048, "\(toStdout.stderr)")
        let missing = sb.berth("volume", "import", "nope", tarPath)
        #expect(missing.status == 125 && missing.stderr == "Error: no volume with name \"nope\" found: no such volume\n", "\(missing)")
        #expect(sb.berth("volume", "import", "dst").stderr == "Error: accepts 2 arg(s), received 1\n")
    }

    @Test(arguments: Mode.available)
    func kill_during_create_leaves_a_store_the_next_command_repairs(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let script = """
            BERTH_TEST_HOLD=volume-create \(berthLine(sb)) volume create doomed >/dev/null 2>&1 & pid=$!
            for i in $(seq 1 500); do
              ls -d \(sb.root)/volumes/.tmp-*/volume.json >/dev/null 2>&1 && break
              sleep 0.01
            done
            ls -d \(sb.root)/volumes/.tmp-*/volume.json >/dev/null 2>&1 || { echo "never saw the volume staged"; exit 3; }
            kill -9 $pid; wait $pid; echo killed
            """
        let killed = shell(sb, script)
        #expect(killed.stdout.contains("killed"), "\(killed)")
        #expect(sb.berth("volume", "ls", "-q").stdout.isEmpty, "no half-made volume is listed")
        #expect(sb.berth("volume", "exists", "doomed").status == 1)
        let again = sb.berth("volume", "create", "doomed")
        #expect(again.status == 0 && again.stdout == "doomed\n", "\(again)")
        let entries = try FileManager.default.contentsOfDirectory(atPath: sb.root + "/volumes").sorted()
        #expect(entries == [".lock", "doomed"], "the staging directory was swept: \(entries)")
    }

    @Test(arguments: Mode.available)
    func tmpfs_and_bind_volumes_are_mounted_while_in_use(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let source = sb.work + "/shared"
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: source + "/hello", contents: Data("hi".utf8)))
        guard mode == .root else {
            let refused = sb.berth("volume", "create", "--opt", "type=tmpfs", "t")
            #expect(refused.status == 125 && refused.stderr.hasPrefix("Error: volume options type=, device= and o= need root"), "\(refused)")
            #expect(sb.berth("volume", "create", "plain").status == 0)
            let outside = sb.berth("volume", "mount", "plain")
            #expect(outside.status == 125 && outside.stderr == "Error: cannot run command \"berth volume mount\" in rootless mode, must execute `berth unshare` first\n", "\(outside)")
            return
        }
        #expect(sb.berth("volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=size=1m,uid=7", "t").status == 0)
        let data = sb.root + "/volumes/t/_data"
        let mounted = sb.berth("volume", "mount", "t")
        #expect(mounted.status == 0 && mounted.stdout == data + "\n", "\(mounted)")
        let mountinfo = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        let line = mountinfo.split(separator: "\n").first { $0.split(separator: " ")[4] == data }
        #expect(line?.contains(" - tmpfs ") == true && line?.contains("size=1024k") == true, "\(String(describing: line))")
        #expect(hostOwner(data)?.uid == 7, "a tmpfs root gets the volume's owner")
        #expect(sb.berth("volume", "inspect", "--format", "{{.MountCount}}", "t").stdout == "1\n")
        #expect(sb.berth("volume", "unmount", "t").stdout == "t\n")
        #expect(sb.berth("volume", "inspect", "--format", "{{.MountCount}}", "t").stdout == "0\n")
        let after = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        #expect(!after.split(separator: "\n").contains { $0.split(separator: " ")[4] == data }, "unmounted again")

        #expect(sb.berth("volume", "create", "--opt", "o=bind", "--opt", "device=" + source, "b").status == 0)
        #expect(sb.berth("volume", "mount", "b").status == 0)
        #expect(FileManager.default.fileExists(atPath: sb.root + "/volumes/b/_data/hello"), "the directory is bound there")
        #expect(sb.berth("volume", "inspect", "--format", "{{.NeedsCopyUp}}", "b").stdout == "false\n", "a bind is never copied into")
        #expect(sb.berth("volume", "mount", "t").status == 0)
        let removed = sb.berth("volume", "rm", "t", "b")
        #expect(removed.status == 0 && removed.stdout == "t\nb\n", "rm unmounts first: \(removed)")
        #expect(FileManager.default.fileExists(atPath: source + "/hello"), "removing a bind volume leaves its directory's files")
        #expect(sb.leftovers().isEmpty)
    }

    @Test(arguments: Mode.available)
    func create_remove_and_prune_write_podmans_events(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        for name in ["e1", "e2"] { #expect(sb.berth("volume", "create", name).status == 0) }
        #expect(sb.berth("volume", "create", "--ignore", "e1").status == 0, "an existing volume is no new event")
        #expect(sb.berth("volume", "rm", "e2").status == 0)
        #expect(sb.berth("volume", "prune", "-f").stdout == "e1\n")
        let log = try String(contentsOfFile: sb.runroot + "/events/events.log", encoding: .utf8)
        let events = log.split(separator: "\n").compactMap { line -> String? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["Type"] as? String == "volume" else { return nil }
            return "\(object["Status"] ?? "") \(object["Name"] ?? "")"
        }
        #expect(events == ["create e1", "create e2", "remove e2", "remove e1", "prune e1"], "\(log)")
    }
}

