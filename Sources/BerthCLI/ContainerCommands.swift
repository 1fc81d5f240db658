// `ps`, `rm`, `stop`, `wait`: the container list and lifecycle verbs.
import BerthEngine
import BerthSystem

struct PsCommand: CLICommand {
    let name = "ps"
    let summary = "List containers"
    let usage = "[options]"
    let flags: [FlagSpec] = [
        .bool("all", "a", "Show all the containers, default is only running containers"),
        .value("filter", "f", "stringArray", "Filter output based on conditions given (status=, name=, id=, ancestor=)"),
        .value("format", nil, "string", "Pretty-print containers to JSON or using a Go template"),
        .bool("external", nil, "Show containers in storage not controlled by berth (berth stores none)"),
        .value("last", "n", "int", "Print the n last created containers (all states)", default: "-1"),
        .bool("noheading", nil, "Do not print headers"),
        .bool("no-trunc", nil, "Display the extended information"),
        .unsupported("ns", nil, "", "Display namespace information", .psDisplay),
        .unsupported("pod", "p", "", "Print the ID and name of the pod the containers are associated with", .pods),
        .bool("quiet", "q", "Print the numeric IDs of the containers only"),
        .bool("latest", "l", "Act on the latest container berth is aware of"),
        .unsupported("size", "s", "", "Display the total file sizes", .sizes),
        .value("sort", nil, "choice", "Sort output by: \(ContainerSort.allCases.map(\.rawValue).joined(separator: ", ")), size", default: "created"),
        // berth reads each container's liveness on every ps, so it is always in sync.
        .bool("sync", nil, "Sync container state with OCI runtime (berth always does)"),
        .unsupported("watch", "w", "uint", "Watch the ps output on an interval in seconds", .psDisplay),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let engine = context.engine()
        var containers = try engine.listContainers()
        let filters = try args.all("filter").map(ContainerFilter.init)
        let order = try ContainerSort(flag: args.value("sort"))
        if !args.has("all") && !filters.contains(where: { $0.key == "status" }) && args.value("last") == nil {
            containers = containers.filter { $0.state.status == .running }
        }
        containers = try containers.filter { details in try filters.allSatisfy { try $0.matches(details, engine: engine) } }
        if args.has("latest") { containers = Array(containers.prefix(1)) }
        containers = order.sorted(try ContainerSort.last(args.value("last"), of: containers))
        let noTrunc = args.has("no-trunc")
        if args.has("quiet") {
            for c in containers { Output.out((noTrunc ? c.record.id : String(c.record.id.prefix(12))) + "\n") }
            return 0
        }
        let rows = containers.map { ContainerViews.row($0, noTrunc: noTrunc) }
        let columns: [Report.Column] = [
            .init(header: "CONTAINER ID", field: "ID"), .init(header: "IMAGE", field: "Image"),
            .init(header: "COMMAND", field: "Command"), .init(header: "CREATED", field: "CreatedHuman"),
            .init(header: "STATUS", field: "Status"), .init(header: "PORTS", field: "Ports"),
            .init(header: "NAMES", field: "Names"),
        ]
        Output.out(try Report.render(rows: rows, format: args.value("format"), columns: columns, noHeading: args.has("noheading")) {
            .array(containers.map(ContainerViews.json))
        })
        return 0
    }
}

struct ContainerFilter {
    let key: String
    let value: String

    init(_ text: String) throws {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, ["status", "name", "id", "ancestor"].contains(parts[0]) else {
            throw CLIError("invalid filter \"\(text)\": use status=, name=, id= or ancestor=")
        }
        key = parts[0]
        value = parts[1]
    }

    func matches(_ c: ContainerDetails, engine: Engine) throws -> Bool {
        switch key {
        case "status":
            let valid = ["created", "running", "exited", "stopped", "paused", "restarting", "removing", "dead"]
            guard valid.contains(value) else { throw CLIError("invalid status filter \"\(value)\": use one of \(valid.joined(separator: ", "))") }
            return c.state.status.rawValue == value || (value == "exited" && c.state.status == .stopped)
        case "name": return c.record.name.contains(value)
        case "id": return c.record.id.hasPrefix(value)
        default:
            if c.record.imageName.contains(value) || c.record.imageID.hasPrefix(value) { return true }
            return (try? engine.resolveImage(value).id) == c.record.imageID
        }
    }
}

struct RmCommand: CLICommand {
    let name = "rm"
    let summary = "Remove one or more containers"
    let usage = "[options] CONTAINER [CONTAINER...]"
    let needsUserNamespace = true
    let flags: [FlagSpec] = [
        .bool("all", "a", "Remove all containers"),
        .bool("force", "f", "Force removal of a running container (SIGKILL)"),
        .bool("ignore", "i", "Ignore errors when a specified container is missing"),
        .unsupported("cidfile", nil, "stringArray", "Read the container ID from the file", .containerSelection),
        .unsupported("depend", nil, "", "Remove container and all containers that depend on the selected container", .containerSelection),
        .unsupported("filter", nil, "stringArray", "Filter output based on conditions given", .containerSelection),
        .unsupported("latest", "l", "", "Act on the latest container podman is aware of", .containerSelection),
        .unsupported("time", "t", "int", "Seconds to wait for stop before killing the container", .containerSelection),
        .unsupported("volumes", "v", "", "Remove anonymous volumes associated with the container", .volumes),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let engine = context.engine()
        let targets = args.has("all") ? try engine.listContainers().map(\.record.id) : args.positionals
        guard !targets.isEmpty || args.has("all") else { throw CLIError("must specify at least one container") }
        var status: Int32 = 0
        for target in targets {
            do {
                let record = try engine.resolveContainer(target)
                try engine.removeContainer(record.id, force: args.has("force"))
                Output.out((args.has("all") ? record.id : target) + "\n")
            } catch let error as ContainerError {
                if case .notFound = error, args.has("ignore") { continue }
                Output.err("Error: \(error)\n")
                if case .notFound = error { status = status == 0 ? 1 : status } else { status = 2 }
            }
        }
        return status
    }
}

struct StopCommand: CLICommand {
    let name = "stop"
    let summary = "Stop one or more containers"
    let usage = "[options] CONTAINER [CONTAINER...]"
    let flags: [FlagSpec] = [
        .value("time", "t", "int", "Seconds to wait for stop before killing the container", default: "10"),
        .unsupported("all", "a", "", "Stop all running containers", .containerSelection),
        .unsupported("cidfile", nil, "stringArray", "Read the container ID from the file", .containerSelection),
        .unsupported("filter", "f", "stringArray", "Filter output based on conditions given", .containerSelection),
        .unsupported("ignore", "i", "", "Ignore errors when a specified container is missing", .containerSelection),
        .unsupported("latest", "l", "", "Act on the latest container podman is aware of", .containerSelection),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard !args.positionals.isEmpty else { throw CLIError("you must provide at least one container name or ID") }
        guard let timeout = Double(args.value("time") ?? "10") else { throw CLIError("invalid --time \"\(args.value("time")!)\"") }
        for target in args.positionals {
            _ = try context.engine().stopContainer(target, timeout: timeout)
            Output.out(target + "\n")
        }
        return 0
    }
}

struct WaitCommand: CLICommand {
    let name = "wait"
    let summary = "Block on one or more containers"
    let usage = "[options] CONTAINER [CONTAINER...]"
    let flags: [FlagSpec] = [
        .value("condition", nil, "string", "Condition to wait on (stopped, exited)", default: "stopped"),
        .unsupported("interval", "i", "string", "Time Interval to wait before polling for completion", .containerSelection),
        .unsupported("latest", "l", "", "Act on the latest container podman is aware of", .containerSelection),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard !args.positionals.isEmpty else { throw CLIError("you must provide at least one container name or ID") }
        for target in args.positionals { Output.out("\(try context.engine().waitContainer(target))\n") }
        return 0
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
         ContainerInspectCommand()]
    }

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 { 0 }
}

struct ContainerInspectCommand: CLICommand {
    let name = "inspect"
    let summary = "Display the configuration of a container"
    let usage = "[options] CONTAINER [CONTAINER...]"
    let flags: [FlagSpec] = [
        .value("format", "f", "string", "Format the output to a Go template or json"),
        .unsupported("latest", "l", "", "Act on the latest container podman is aware of", .containerSelection),
        .unsupported("size", "s", "", "Display total file size", .sizes),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        var parsed = args
        parsed.values["type"] = ["container"]
        return try InspectCommand().run(parsed, context)
    }
}

/// `berth logs`: what a detached container wrote (its monitor's log file).
struct LogsCommand: CLICommand {
    let name = "logs"
    let summary = "Fetch the logs of a detached container"
    let usage = "CONTAINER"
    let flags: [FlagSpec] = [
        .unsupported("color", nil, "", "Output the containers with different colors in the log.", .logReading),
        .unsupported("follow", "f", "", "Follow log output.  The default is false", .logReading),
        .unsupported("latest", "l", "", "Act on the latest container podman is aware of", .containerSelection),
        .unsupported("names", "n", "", "Output the container name in the log", .logReading),
        .unsupported("since", nil, "string", "Show logs since TIMESTAMP", .logReading),
        .unsupported("tail", nil, "int", "Output the specified number of LINES at the end of the logs.  Defaults to -1, which prints all lines", .logReading),
        .unsupported("timestamps", "t", "", "Output the timestamps in the log", .logReading),
        .unsupported("until", nil, "string", "Show logs until TIMESTAMP", .logReading),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count == 1 else { throw CLIError("logs takes exactly one container") }
        let engine = context.engine()
        let record = try engine.resolveContainer(args.positionals[0])
        if let bytes = try? FileSystem.readFile(engine.logPath(record.id)) {
            Output.out(String(decoding: bytes, as: UTF8.self))
        }
        return 0
    }
}
