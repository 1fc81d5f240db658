// `berth events` (and `system events`): the events log as podman 4.3 prints it,
// one line an event in its human-readable form, as JSON, or through a Go template.
import BerthEngine
import BerthSystem
import BerthTemplate

struct EventsCommand: CLICommand {
    let name = "events"
    let summary = "Show podman system events"
    let usage = "[options]"
    let flags: [FlagSpec] = [
        .value("filter", "f", "stringArray", "filter output (\(EventFilter.keys.filter { $0 != "status" }.map { $0 + "=" }.joined(separator: ", ")))"),
        .value("format", nil, "string", "format the output using a Go template or json"),
        .bool("no-trunc", nil, "do not truncate the output", default: "true"),
        .value("since", nil, "string", "show all events created since timestamp"),
        .bool("stream", nil, "stream new events; for testing only", default: "true"),
        .value("until", nil, "string", "show all events until timestamp"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        var options = EventOptions()
        options.filters = args.all("filter")
        options.since = try args.value("since").map { try LogsCommand.time($0, flag: "since") }
        options.until = try args.value("until").map(EventsCommand.until)
        options.stream = args.value("stream") != "false"
        let truncate = args.value("no-trunc") == "false"
        let render = try EventsCommand.renderer(format: args.value("format"), truncate: truncate)
        var failure: (any Error)?
        try context.engine().events(options) { event in
            do {
                StandardStreams.write(StandardStreams.output, bytes: Array(try render(event).utf8))
                return true
            } catch {
                failure = error
                return false
            }
        }
        if let failure { throw failure }
        return 0
    }

    /// podman's ParseInputTime for --until: a duration is that long from now
    /// (`--until 10s` streams for ten seconds), other forms as --since takes them.
    static func until(_ text: String) throws -> Double {
        if RFC3339.seconds(text) == nil, Double(text) == nil, let ahead = GoDuration.seconds(text, bareUnit: 1), ahead >= 0 {
            return Stopwatch.wallClock() + ahead
        }
        return try LogsCommand.time(text, flag: "until")
    }

    /// How each event prints: podman's one-line text, its JSON line, or a template.
    static func renderer(format: String?, truncate: Bool) throws -> (BerthEvent) throws -> String {
        guard let format, !format.isEmpty else { return { humanReadable($0, truncate: truncate) + "\n" } }
        if format == "json" { return { String(decoding: $0.jsonLine(), as: UTF8.self) } }
        let template: GoTemplate
        do {
            template = try GoTemplate(FormatOption.lineTerminated(GoTemplate.unescapeCLI(format)), name: "events")
        } catch {
            throw CLIError("\(error)")
        }
        return { event in
            do { return try template.render(templateValue(event)) } catch { throw CLIError("\(error)") }
        }
    }

    /// libpod's Event.ToHumanReadable: time, type, status, ID and the details of its type.
    static func humanReadable(_ event: BerthEvent, truncate: Bool) -> String {
        let time = EventTime.goString(event.time)
        let id = truncate && event.type == .container ? String(event.id.prefix(12)) : event.id
        switch event.type {
        case .container, .pod:
            var text = "\(time) \(event.type.rawValue) \(event.status) \(id) (image=\(event.image), name=\(event.name)"
            if !event.podID.isEmpty { text += ", pod_id=\(event.podID)" }
            if !event.healthStatus.isEmpty { text += ", health_status=\(event.healthStatus)" }
            for (key, value) in (event.attributes ?? [:]).sorted(by: { $0.key < $1.key }) { text += ", \(key)=\(value)" }
            return text + ")"
        case .network:
            return "\(time) \(event.type.rawValue) \(event.status) \(id) (container=\(id), name=\(event.network))"
        case .image:
            return "\(time) \(event.type.rawValue) \(event.status) \(id) \(event.name)"
        case .system:
            return "\(time) \(event.type.rawValue) \(event.status)" + (event.name.isEmpty ? "" : " \(event.name)")
        case .volume:
            return "\(time) \(event.type.rawValue) \(event.status) \(event.name)"
        }
    }

    /// The event as a template sees podman's events.Event; the fields of its embedded
    /// Details (PodID, Attributes) are read directly, as Go promotes them.
    static func templateValue(_ event: BerthEvent) -> TemplateValue {
        .structure("*events.Event", [
            ("ContainerExitCode", .int(Int64(event.exitCode))), ("ID", .string(event.id)), ("Image", .string(event.image)),
            ("Name", .string(event.name)), ("Network", .string(event.network)), ("Status", .string(event.status)),
            ("Time", .string(EventTime.goString(event.time))), ("Type", .string(event.type.rawValue)),
            ("HealthStatus", .string(event.healthStatus)), ("PodID", .string(event.podID)),
            ("Attributes", .map((event.attributes ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
        ])
    }
}
