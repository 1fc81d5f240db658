// `ps`, `rm`, `stop`, `wait`, `container exists`, `logs`: flags into the engine's
// options, the engine's reports out as podman prints them.
import BerthEngine
import BerthSystem
import BerthTemplate

/// Flags the selecting verbs share (podman's names; short letters differ per verb).
enum SelectionFlags {
    static let all = FlagSpec.bool("all", "a", "Act on all containers")
    static let cidfile = FlagSpec.value("cidfile", nil, "stringArray", "Read the container ID from the file")
    static let latest = FlagSpec.bool("latest", "l", "Act on the latest container berth is aware of")
    static let ignore = FlagSpec.bool("ignore", "i", "Ignore errors when a specified container is missing")

    static func selection(_ args: ParsedArguments) -> ContainerSelection {
        var selection = ContainerSelection(names: args.positionals)
        selection.all = args.has("all")
        selection.latest = args.has("latest")
        selection.filters = args.all("filter")
        selection.idFiles = args.all("cidfile")
        selection.ignoreMissing = args.has("ignore")
        return selection
    }

    /// `-t/--time`: whole seconds, as podman's uint flag.
    static func seconds(_ args: ParsedArguments) throws -> Double? {
        guard let text = args.value("time") else { return nil }
        guard let seconds = UInt32(text) else {
            throw CLIError("invalid argument \"\(text)\" for \"-t, --time\" flag: a whole number of seconds, 0 or more")
        }
        return Double(seconds)
    }
}

struct PsCommand: CLICommand {
    let name = "ps"
    let summary = "List containers"
    /// `container ls`, `container list` (podman's; not at the top level).
    var aliases: [String] { ["ls", "list"] }
    let usage = "[options]"
    let flags: [FlagSpec] = [
        .bool("all", "a", "Show all the containers, default is only running containers"),
        .value("filter", "f", "stringArray", "Filter output based on conditions given (\(ContainerFilters.keys.map { $0 + "=" }.joined(separator: ", ")))"),
        .value("format", nil, "string", "Pretty-print containers to JSON or using a Go template"),
        .bool("external", nil, "Show containers in storage not controlled by berth (a build's RUN containers)"),
        .value("last", "n", "int", "Print the n last created containers (all states)", default: "-1"),
        .bool("noheading", nil, "Do not print headers"),
        .bool("no-trunc", nil, "Display the extended information"),
        .bool("ns", nil, "Display namespace information"),
        .unsupported("pod", "p", "", "Print the ID and name of the pod the containers are associated with", .pods),
        .bool("quiet", "q", "Print the numeric IDs of the containers only"),
        .bool("latest", "l", "Act on the latest container berth is aware of"),
        .bool("size", "s", "Display the total file sizes"),
        .value("sort", nil, "choice", "Sort output by: \(ContainerSort.allCases.map(\.rawValue).joined(separator: ", ")), size", default: "created"),
        // berth reads each container's liveness on every ps, so it is always in sync.
        .bool("sync", nil, "Sync container state with OCI runtime (berth always does)"),
        .value("watch", "w", "uint", "Watch the ps output on an interval in seconds"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        // --watch N: the list again every N seconds until interrupted (PsWatch.swift).
        if let interval = try PsWatch.interval(args) { return try PsWatch.repeating(every: interval) { try list(args, context) } }
        return try list(args, context)
    }

    private func list(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let order = try ContainerSort(flag: args.value("sort"))
        var options = ContainerListOptions()
        // --last shows containers in every state, as podman.
        options.all = args.has("all") || args.value("last") != nil
        options.latest = args.has("latest")
        options.filters = args.all("filter")
        options.external = args.has("external")
        let showsSize = args.has("size") && !args.has("quiet")
        let showsNamespaces = args.has("ns")
        if args.has("size") && showsNamespaces { throw CLIError("size and namespace options conflict") }
        // --size reads the containers' layers: rootless, from inside the user namespace.
        if showsSize, let code = try ContainerSizeViews.reexecutedInUserNamespace(context) { return code }
        let engine = context.engine()
        let containers = order.sorted(try ContainerSort.last(args.value("last"), of: try engine.listContainers(options)))
        let noTrunc = args.has("no-trunc")
        if args.has("quiet") {
            for c in containers { Output.out((noTrunc ? c.record.id : String(c.record.id.prefix(12))) + "\n") }
            return 0
        }
        let sizes = showsSize ? try containers.map { try engine.size(of: $0.record) } : nil
        var rows = containers.map { ContainerViews.row($0, noTrunc: noTrunc) }
        var objects = containers.map(ContainerViews.json)
        if let sizes {
            rows = zip(rows, sizes).map { ContainerSizeViews.inserting([("Size", .string(ContainerSizeViews.column($1)))], into: $0, before: nil) }
            objects = zip(objects, sizes).map { ContainerSizeViews.inserting([("Size", ContainerSizeViews.json($1))], into: $0, before: "StartedAt") }
        }
        var columns: [Report.Column] = [
            .init(header: "CONTAINER ID", field: "ID"), .init(header: "IMAGE", field: "Image"),
            .init(header: "COMMAND", field: "Command"), .init(header: "CREATED", field: "CreatedHuman"),
            .init(header: "STATUS", field: "Status"), .init(header: "PORTS", field: "Ports"),
            .init(header: "NAMES", field: "Names"),
        ]
        if sizes != nil { columns.append(.init(header: "SIZE", field: "Size")) }
        if showsNamespaces {
            // --ns: the namespace table (PsNamespaceViews.swift).
            let ids = containers.map(engine.namespaceIDs)
            rows = zip(rows, ids).map { PsNamespaceViews.row($0, ids: $1) }
            objects = zip(objects, ids).map { ContainerSizeViews.inserting([("Namespaces", PsNamespaceViews.json(ids: $1))], into: $0, before: "Pid") }
            columns = PsNamespaceViews.columns
        }
        Output.out(try Report.render(rows: rows, format: args.value("format"), name: "ps", columns: columns, noHeading: args.has("noheading")) {
            .array(objects)
        })
        return 0
    }
}

struct RmCommand: CLICommand {
    let name = "rm"
    let summary = "Remove one or more containers"
    let usage = "[options] CONTAINER [CONTAINER...]"
    let needsUserNamespace = true
    let flags: [FlagSpec] = [
        .bool("all", "a", "Remove all containers"),
        SelectionFlags.cidfile,
        .bool("depend", nil, "Remove container and all containers that depend on the selected container"),
        .value("filter", nil, "strings", "Filter output based on conditions given"),
        .bool("force", "f", "Force removal of a running container (stopped as with stop, then SIGKILL)"),
        SelectionFlags.ignore,
        SelectionFlags.latest,
        .value("time", "t", "uint", "Seconds to wait for stop before killing the container", default: "10"),
        .bool("volumes", "v", "Remove anonymous volumes associated with the container"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        var options = RemoveOptions()
        options.selection = SelectionFlags.selection(args)
        options.force = args.has("force")
        options.timeout = try SelectionFlags.seconds(args)
        if options.timeout != nil && !options.force { throw CLIError("--force option must be specified to use the --time option") }
        options.volumes = args.has("volumes")
        options.depend = args.has("depend")
        return ContainerViews.render(try context.engine().removeContainers(options), .removal)
    }
}

struct StopCommand: CLICommand {
    let name = "stop"
    let summary = "Stop one or more containers"
    let usage = "[options] CONTAINER [CONTAINER...]"
    let flags: [FlagSpec] = [
        .bool("all", "a", "Stop all running containers"),
        SelectionFlags.cidfile,
        .value("filter", "f", "strings", "Filter output based on conditions given"),
        SelectionFlags.ignore,
        SelectionFlags.latest,
        .value("time", "t", "uint", "Seconds to wait for stop before killing the container", default: "10"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        var options = StopOptions()
        options.selection = SelectionFlags.selection(args)
        options.timeout = try SelectionFlags.seconds(args)
        return ContainerViews.render(try context.engine().stopContainers(options), .plain)
    }
}

struct WaitCommand: CLICommand {
    let name = "wait"
    let summary = "Block on one or more containers"
    let usage = "[options] CONTAINER [CONTAINER...]"
    let flags: [FlagSpec] = [
        .value("condition", nil, "strings", "Condition to wait on (created, running, stopped, exited)", default: "stopped"),
        .bool("ignore", nil, "Ignore if a container does not exist (its code is -1)"),
        .value("interval", "i", "string", "Time Interval to wait before polling for completion", default: "250ms"),
        SelectionFlags.latest,
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        var options = WaitOptions()
        options.selection = SelectionFlags.selection(args)
        let conditions = args.all("condition").flatMap { $0.split(separator: ",").map(String.init) }
        if !conditions.isEmpty { options.conditions = Set(try conditions.map(WaitCondition.init(parsing:))) }
        if let text = args.value("interval") {
            guard let seconds = GoDuration.seconds(text, bareUnit: 0.001), seconds > 0 else {
                throw CLIError("invalid --interval \"\(text)\": a duration such as 250ms or 1s")
            }
            options.interval = seconds
        }
        let reports = try context.engine().waitContainers(options)
        for report in reports {
            if let error = report.error { Output.err("Error: \(error)\n") } else { Output.out("\(report.exitCode ?? -1)\n") }
        }
        return reports.exitCode(.plain)
    }
}

/// `berth container exists NAME`: exit 0 when it exists, 1 when not, as podman.
struct ContainerExistsCommand: CLICommand {
    let name = "exists"
    let summary = "Check if a container exists in local storage"
    let usage = "[options] CONTAINER"
    let flags: [FlagSpec] = [
        .bool("external", nil, "Check external storage containers as well as berth containers"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count == 1 else { throw CLIError("accepts 1 arg(s), received \(args.positionals.count)") }
        return try context.engine().containerExists(args.positionals[0]) ? 0 : 1
    }
}

/// `berth container …`: the container verbs under one group, as podman has them.
struct ContainerCommand: CLICommand {
    let name = "container"
    let summary = "Manage containers"
    let usage = "COMMAND"
    let flags: [FlagSpec] = []
    var subcommands: [any CLICommand] {
        [RunCommand(), CreateCommand(), StartCommand(), PsCommand(), RmCommand(), StopCommand(), WaitCommand(),
         ContainerInspectCommand(), ContainerExistsCommand(), LogsCommand(), CommitCommand(), DiffCommand.container,
         CpCommand(), ExportCommand(), ExecCommand(), KillCommand(), RestartCommand(),
         PauseCommand(name: "pause"), PauseCommand(name: "unpause"), RenameCommand(), PortCommand(), TopCommand(), InitCommand(),
         AttachCommand(), MountCommand(), UnmountCommand(), StatsCommand(), UpdateCommand(), ContainerPruneCommand()]
    }

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 { 0 }
}

struct ContainerInspectCommand: CLICommand {
    let name = "inspect"
    let summary = "Display the configuration of a container"
    let usage = "[options] CONTAINER [CONTAINER...]"
    let flags: [FlagSpec] = [
        .value("format", "f", "string", "Format the output to a Go template or json"),
        SelectionFlags.latest,
        .bool("size", "s", "Display total file size"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        var parsed = args
        parsed.values["type"] = ["container"]
        return try InspectCommand().run(parsed, context)
    }
}

/// Go's time.ParseDuration for the simple forms podman's flags take ("250ms", "1.5s", "2m").
enum GoDuration {
    static let units: [(String, Double)] = [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]

    /// A bare number counts in `bareUnit` seconds (podman's wait takes "10" as 10ms).
    static func seconds(_ text: String, bareUnit: Double) -> Double? {
        if let number = Double(text) { return number * bareUnit }
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let number = Double(text.dropLast(suffix.count)) { return number * scale }
        }
        return nil
    }
}

/// `container prune`: every container that is not running, as podman 4.3's.
struct ContainerPruneCommand: CLICommand {
    let name = "prune"
    let summary = "Remove all non running containers"
    let usage = "[options]"
    let needsUserNamespace = true
    let flags: [FlagSpec] = [
        .value("filter", nil, "stringArray", "Provide filter values (e.g. 'label=<key>=<value>')"),
        .bool("force", "f", "Do not prompt for confirmation.  The default is false"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let filters = try ContainerPruneFilters(args.all("filter"), time: VolumeViews.time)
        if !args.has("force") {
            guard VolumeViews.confirm("WARNING! This will remove all non running containers.\nAre you sure you want to continue? [y/N] ") else { return 0 }
        }
        let report = try context.engine().pruneContainers(filters)
        for id in report.removed { Output.out(id + "\n") }
        for error in report.errors { Output.err("Error: \(error)\n") }
        return report.errors.isEmpty ? 0 : ExitCode.engineError
    }
}

