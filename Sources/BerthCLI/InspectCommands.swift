// `berth image inspect`, `berth inspect` (images, for now) and `berth history`.
import BerthEngine
import BerthImage
import BerthTemplate

struct ImageInspectCommand: CLICommand {
    let name = "inspect"
    let summary = "Display the configuration of an image"
    let usage = "[options] IMAGE [IMAGE...]"
    let flags: [FlagSpec] = [.value("format", "f", "string", "Format the output to a Go template or json")]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard !args.positionals.isEmpty else { throw CLIError("inspect requires at least one image") }
        let engine = context.engine()
        var objects: [TemplateValue] = []
        var failures: [String] = []
        for name in args.positionals {
            do {
                objects.append(ImageViews.inspect(try engine.inspectImage(name), graphRoot: engine.paths.root))
            } catch {
                failures.append("\(error)")
            }
        }
        Output.out(try Report.renderInspect(objects, format: args.value("format")))
        try InspectFailures.report(failures)
        return 0
    }
}

struct InspectCommand: CLICommand {
    let name = "inspect"
    let summary = "Display the configuration of object denoted by ID"
    let usage = "[options] {CONTAINER|IMAGE} [...]"
    let flags: [FlagSpec] = [
        .value("format", "f", "string", "Format the output to a Go template or json"),
        SelectionFlags.latest,
        .bool("size", "s", "Display total file size"),
        .value("type", "t", "string", "Specify inspect-object type (\"image\", \"container\" or \"all\")", default: "all"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let type = args.value("type") ?? "all"
        guard ["image", "container", "all"].contains(type) else {
            throw CLIError("invalid type \"\(type)\": must be container, image or all")
        }
        let latest = args.has("latest")
        if latest && !args.positionals.isEmpty { throw CLIError("--latest and arguments cannot be used together") }
        guard latest || !args.positionals.isEmpty else { throw CLIError("inspect requires at least one name or ID") }
        // --size reads the containers' layers: rootless, from inside the user namespace.
        if args.has("size"), type != "image", let code = try ContainerSizeViews.reexecutedInUserNamespace(context) { return code }
        let engine = context.engine()
        var objects: [TemplateValue] = []
        var failures: [String] = []
        // --latest: the newest container (podman: only containers, whatever --type says).
        let names = latest ? [try engine.latestContainer().id] : args.positionals
        for name in names {
            do {
                objects.append(try inspect(name, type: latest ? "container" : type, engine, sizes: args.has("size")))
            } catch {
                failures.append("\(error)")
            }
        }
        Output.out(try Report.renderInspect(objects, format: args.value("format")))
        try InspectFailures.report(failures)
        return 0
    }

    /// A container or image named `name`. Only "does not exist" moves on to the next
    /// kind: an object that exists but cannot be read (a corrupt config.json or image
    /// record) is reported with the reason, not as "no such object".
    private func inspect(_ name: String, type: String, _ engine: Engine, sizes: Bool = false) throws -> TemplateValue {
        if type != "image" {
            do {
                let record = try engine.resolveContainer(name)
                let view = ContainerViews.inspect(try engine.containerDetails(record.id), logPath: engine.logPath(record))
                guard sizes else { return view }
                // --size: podman's SizeRw and SizeRootFs, before Mounts.
                let size = try engine.size(of: record)
                return ContainerSizeViews.inserting([("SizeRw", .int(size.rw)), ("SizeRootFs", .int(size.rootFs))], into: view, before: "Mounts")
            } catch ContainerError.notFound {}
        }
        if type != "container" {
            do {
                return ImageViews.inspect(try engine.inspectImage(name), graphRoot: engine.paths.root)
            } catch ImageError.imageNotKnown {}
        }
        // podman names what it looked for when told the type.
        switch type {
        case "image": throw CLIError("\(name): image not known")
        case "container": throw CLIError("no such container \(name)")
        default: throw CLIError("no such object: \"\(name)\"")
        }
    }
}

struct HistoryCommand: CLICommand {
    let name = "history"
    let summary = "Show history of a specified image"
    let usage = "[options] IMAGE"
    let flags: [FlagSpec] = [
        .value("format", nil, "string", "Change the output to JSON or a Go template"),
        .bool("human", "H", "Display sizes and dates in human readable format"),
        .bool("no-trunc", nil, "Do not truncate the output"),
        .bool("quiet", "q", "Display the numeric IDs only"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count == 1 else { throw CLIError("history requires exactly one image") }
        let rows = try context.engine().history(args.positionals[0])
        let noTrunc = args.has("no-trunc")
        if args.has("quiet") {
            for row in rows { Output.out((noTrunc || row.id == "<missing>" ? row.id : String(row.id.prefix(12))) + "\n") }
            return 0
        }
        let human = args.values["human"]?.last != "false"
        let values = rows.map { ImageViews.history($0, noTrunc: noTrunc, human: human) }
        let columns: [Report.Column] = [
            .init(header: "ID", field: "ID"), .init(header: "CREATED", field: "Created"),
            .init(header: "CREATED BY", field: "CreatedBy"), .init(header: "SIZE", field: "Size"),
            .init(header: "COMMENT", field: "Comment"),
        ]
        if args.value("format")?.lowercased() == "json" {
            let json = TemplateValue.array(rows.map { row in
                .structure("entities.ImageHistoryLayer", [("id", .string(row.id)), ("created", .string(row.created.map(RFC3339.format) ?? "")),
                         ("CreatedBy", .string(row.createdBy)), ("size", .int(row.size)), ("comment", .string(row.comment))])
            })
            Output.out(json.jsonString(indent: false) + "\n")
            return 0
        }
        Output.out(try Report.render(rows: values, format: args.value("format"), name: "history", columns: columns) { .array(values) })
        return 0
    }
}

/// podman's way with inspect failures: each but the first as its own line while
/// going, the first as the command's error (exit 125).
enum InspectFailures {
    static func report(_ failures: [String]) throws {
        guard let first = failures.first else { return }
        for failure in failures.dropFirst() { Output.err("error inspecting object: \(failure)\n") }
        throw CLIError("inspecting object: " + first)
    }
}
