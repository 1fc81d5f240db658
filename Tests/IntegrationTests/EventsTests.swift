// `events` as a podman user's scripts see it: the events every command records in
// the runroot's log, read back with filters, times and formats, or followed as
// they come. Root and rootless.
import Foundation
import Testing
import TestSupport

@Suite struct EventsTests {
    /// The events' "Status ID" pairs of `events --stream=false` with `args`.
    private func statuses(_ sb: Sandbox, _ args: String...) -> [String] {
        let result = sb.berth(["events", "--stream=false", "--format", "{{.Status}} {{.ID}}"] + args)
        #expect(result.status == 0, "\(result)")
        return result.stdout.split(separator: "\n").map(String.init)
    }

    @Test(arguments: Mode.available)
    func a_run_records_its_life_in_order(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let run = sb.berth("run", "--rm", "--name", "once", "--label", "team=blue", "img", "sh", "-c", "exit 3")
        #expect(run.status == 3, "\(run)")
        let lines = sb.berth("events", "--stream=false", "--filter", "type=container", "--format", "json").stdout
            .split(separator: "\n").map(String.init)
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.map { $0["Status"] as? String } == ["create", "init", "start", "attach", "died", "remove"], "\(lines)")
        let ids = Set(objects.compactMap { $0["ID"] as? String })
        #expect(ids.count == 1 && ids.first?.count == 64, "one container, by its full ID: \(ids)")
        #expect(objects.allSatisfy { $0["Name"] as? String == "once" && $0["Image"] as? String == "localhost/img:latest"
                && ($0["Attributes"] as? [String: String]) == ["team": "blue"] && $0["Type"] as? String == "container" })
        #expect(objects.first { $0["Status"] as? String == "died" }?["ContainerExitCode"] as? Int == 3, "\(lines)")
        // podman's field order, Go's RFC 3339 nanosecond time.
        #expect(lines[0].range(of: #"^\{"ID":"[0-9a-f]{64}","Image":"localhost/img:latest","Name":"once","Status":"create","Time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z","Type":"container","Attributes":\{"team":"blue"\}\}$"#,
                                 options: .regularExpression) != nil, "\(lines[0])")
        // The default text form: Go's time, type, status, ID and details.
        let text = sb.berth("events", "--stream=false", "--filter", "event=died").stdout
        #expect(text.range(of: #"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC container died [0-9a-f]{64} \(image=localhost/img:latest, name=once, team=blue\)\n$"#,
                           options: .regularExpression) != nil, "\(text)")
        let short = sb.berth("events", "--stream=false", "--filter", "event=died", "--no-trunc=false").stdout
        #expect(short.contains(" container died \(ids.first!.prefix(12)) (image="), "\(short)")
        // The image's import came first.
        #expect(statuses(sb, "--filter", "type=image").map { $0.split(separator: " ")[0] } == ["import"])
    }

    @Test(arguments: Mode.available)
    func filters_and_times_choose_events(mode: Mode) throws {
        // Names that are no ID prefix: container=a would also match an ID starting with a.
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { #expect(sb.berth("rm", "-a", "-f", "-t", "0").status == 0) }
        let a = sb.berth("create", "--name", "one", "--label", "k=v", "img", "true").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        Thread.sleep(forTimeInterval: 1.1)
        let middle = Int(Date().timeIntervalSince1970)
        Thread.sleep(forTimeInterval: 1.1)
        let b = sb.berth("create", "--name", "two", "img", "true").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(sb.berth("start", "two").status == 0)
        #expect(sb.berth("wait", "two").status == 0)

        #expect(statuses(sb, "--filter", "container=one") == ["create \(a)"])
        #expect(statuses(sb, "--filter", "container=\(b.prefix(10))", "--filter", "event=start") == ["start \(b)"],
                "different keys all apply")
        #expect(statuses(sb, "--filter", "event=create", "--filter", "event=died") == ["create \(a)", "create \(b)", "died \(b)"],
                "values of one key are alternatives")
        #expect(statuses(sb, "--filter", "label=k=v") == ["create \(a)"])
        #expect(statuses(sb, "--filter", "label=k", "--filter", "type=container").count == 1)
        #expect(statuses(sb, "--filter", "image=img", "--filter", "event=create").count == 2, "container events by their image")
        #expect(statuses(sb, "--filter", "type=volume").isEmpty)
        #expect(statuses(sb, "--filter", "container=one", "--until", String(middle)) == ["create \(a)"])
        #expect(statuses(sb, "--filter", "container=one", "--since", String(middle)).isEmpty)
        #expect(statuses(sb, "--filter", "container=two", "--since", String(middle)).first == "create \(b)", "epoch seconds")
        #expect(statuses(sb, "--filter", "container=two", "--since", "1h").first == "create \(b)", "a duration")
        #expect(statuses(sb, "--filter", "container=two", "--until", "2000-01-01T00:00:00Z").isEmpty, "RFC 3339")

        let names = sb.berth("events", "--stream=false", "--filter", "container=two", "--format", "{{.Name}} {{.Type}} {{.Attributes}}")
        #expect(names.stdout.split(separator: "\n").first == "two container map[]", "\(names)")
        for bad in [["--filter", "bogus=1"], ["--filter", "nokey"], ["--since", "yesterday"], ["--format", "{{.Nope"]] {
            let refused = sb.berth(["events", "--stream=false"] + bad)
            #expect(refused.status == 125 && refused.stderr.hasPrefix("Error: ") && refused.stdout.isEmpty, "\(bad): \(refused)")
        }
        #expect(sb.berth("events", "--stream=false", "--filter", "bogus=1").stderr == "Error: bogus is an invalid filter\n")
    }

    @Test(arguments: Mode.available)
    func a_streaming_events_sees_a_new_container_start(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        // `events` follows the log until --until passes; meanwhile a container starts.
        let script = """
            \(berthLine(sb)) events --filter event=start --filter event=died --until 3s --format '{{.Status}} {{.Name}}' > \(sb.runroot)/stream.txt &
            sleep 0.8
            \(berthLine(sb)) run --rm --name later img true
            wait
            cat \(sb.runroot)/stream.txt
            """
        let result = shell(sb, script)
        #expect(result.status == 0 && result.stdout == "start later\ndied later\n", "\(result)")
        let system = sb.berth("system", "events", "--stream=false", "--filter", "event=start", "--format", "{{.Name}}")
        #expect(system.stdout == "later\n", "system events is the same verb: \(system)")
    }

    @Test(arguments: Mode.available)
    func image_and_detached_container_events(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { #expect(sb.berth("rm", "-a", "-f", "-t", "0").status == 0) }
        #expect(sb.berth("tag", "img", "other").status == 0)
        #expect(sb.berth("untag", "img", "other").status == 0)
        let image = sb.berth("events", "--stream=false", "--filter", "type=image", "--format", "{{.Status}} {{.Name}}")
        #expect(image.stdout == "import img.tar\ntag localhost/other:latest\nuntag localhost/other:latest\n"
                || image.stdout.hasSuffix("tag localhost/other:latest\nuntag localhost/other:latest\n"), "\(image)")

        #expect(sb.berth("run", "-d", "--name", "bg", "img", "sleep", "100").status == 0)
        #expect(sb.berth("exec", "bg", "true").status == 0)
        #expect(sb.berth("kill", "bg").status == 0)
        #expect(sb.berth("wait", "bg").stdout == "137\n")
        // The monitor records the exit: died with its code, then cleanup.
        let events = sb.berth("events", "--stream=false", "--filter", "container=bg", "--format", "{{.Status}} {{.ContainerExitCode}}")
        #expect(events.stdout == "create 0\ninit 0\nstart 0\nexec 0\nexec_died 0\nkill 0\ndied 137\ncleanup 0\n", "\(events)")
    }

    @Test func the_log_is_cut_to_its_newer_half_past_its_limit() throws {
        let sb = try sandboxWithImage(.root)
        defer { #expect(sb.cleanup().isEmpty) }
        let env = ["BERTH_EVENTS_LOGFILE_MAX_SIZE": "3000"]
        for n in 0..<30 { #expect(sb.berth(["tag", "img", "t\(n)"], env: env).status == 0) }
        let size = (try FileManager.default.attributesOfItem(atPath: sb.runroot + "/events/events.log")[.size] as? Int) ?? 0
        #expect(size > 0 && size <= 3000, "\(size)")
        let names = sb.berth("events", "--stream=false", "--format", "{{.Name}}").stdout.split(separator: "\n")
        #expect(names.last == "localhost/t29:latest" && names.count > 5 && names.count < 30, "the newest kept, whole lines: \(names)")
    }
}
