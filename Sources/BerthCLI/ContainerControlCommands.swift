// `kill`, `restart`, `pause`, `unpause`, `rename`, `port`, `top`, `init`: flags
// into the engine's calls, podman's output and exit codes out.
import BerthEngine

struct KillCommand: CLICommand {
    let name = "kill"
    let summary = "Kill one or more running containers with a specific signal"
    let usage = "[options] CONTAINER [CONTAINER...]"
    let flags: [FlagSpec] = [
        .bool("all", "a", "Signal all running containers"),
        SelectionFlags.cidfile,
        SelectionFlags.latest,
        .value("signal", "s", "string", "Signal to send to the container", default: "KILL"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        var options = KillOptions()
        options.selection = SelectionFlags.selection(args)
        if let text = args.value("signal") {
            guard let number = SignalName.number(text) else { throw CLIError("invalid signal: \(text)") }
            options.signal = number
        }
        return ContainerViews.render(try context.engine().killContainers(options), .plain)
    }
}

struct RestartCommand: CLICommand {
    let name = "restart"
    let summary = "Restart one or more containers"
    let usage = "[options] CONTAINER [CONTAINER...]"
    let flags: [FlagSpec] = [
        .bool("all", "a", "Restart all non-running containers"),
        SelectionFlags.cidfile,
        .value("filter", "f", "strings", "Filter output based on conditions given"),
        SelectionFlags.latest,
        .bool("running", nil, "Restart only running containers"),
        .value("time", "t", "uint", "Seconds to wait for stop before killing the container", default: "10"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        var options = RestartOptions()
        options.selection = SelectionFlags.selection(args)
        options.timeout = try SelectionFlags.seconds(args)
        options.runningOnly = args.has("running")
        return ContainerViews.render(try context.engine().restartContainers(options), .plain)
    }
}

struct PauseCommand: CLICommand {
    let name: String
    var summary: String { name == "pause" ? "Pause all the processes in one or more containers" : "Unpause the processes in one or more containers" }
    let usage = "[options] CONTAINER [CONTAINER...]"
    var flags: [FlagSpec] {
        [.bool("all", "a", name == "pause" ? "Pause all running containers" : "Unpause all paused containers"),
         SelectionFlags.cidfile,
         .value("filter", "f", "strings", "Filter output based on conditions given"),
         SelectionFlags.latest]
    }

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        ContainerViews.render(try context.engine().pauseContainers(SelectionFlags.selection(args), pause: name == "pause"), .plain)
    }
}

struct RenameCommand: CLICommand {
    let name = "rename"
    let summary = "Rename an existing container"
    let usage = "CONTAINER NAME"
    let flags: [FlagSpec] = []

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count == 2 else { throw CLIError("accepts 2 arg(s), received \(args.positionals.count)") }
        try context.engine().renameContainer(args.positionals[0], to: args.positionals[1])
        return 0
    }
}

struct PortCommand: CLICommand {
    let name = "port"
    let summary = "List port mappings or a specific mapping for the container"
    let usage = "[options] CONTAINER [PORT]"
    let flags: [FlagSpec] = [
        .bool("all", "a", "Display port information for all containers"),
        SelectionFlags.latest,
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        var selection = ContainerSelection(latest: args.has("latest"))
        selection.all = args.has("all")
        var rest = args.positionals
        if !selection.all && !selection.latest {
            guard !rest.isEmpty else { throw CLIError("you must supply a running container name or id") }
            selection.names = [rest.removeFirst()]
        }
        guard rest.count <= 1 else { throw CLIError("accepts at most one port, received \(rest.count)") }
        for (record, ports) in try context.engine().publishedPorts(selection) where !ports.isEmpty {
            let lines = try rest.first.map { try PortViews.lines(ports, matching: $0) } ?? PortViews.lines(ports)
            if selection.all { Output.out(String(record.id.prefix(12)) + "\n") }
            for line in lines { Output.out(line + "\n") }
        }
        return 0
    }
}

struct TopCommand: CLICommand {
    let name = "top"
    let summary = "Display the running processes of a container"
    let usage = "[options] CONTAINER [FORMAT-DESCRIPTORS|ARGS...]"
    let stopsAtFirstPositional = true
    let flags: [FlagSpec] = [SelectionFlags.latest]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        var rest = args.positionals
        var container: String?
        if !args.has("latest") {
            guard !rest.isEmpty else { throw CLIError("you must provide the name or id of a running container") }
            container = rest.removeFirst()
        }
        switch try context.engine().top(container, arguments: rest) {
        case .table(let header, let rows):
            Output.out(TableWriter.render(header: header, rows: rows))
            return 0
        case .ps(let code):
            return code
        }
    }
}

struct InitCommand: CLICommand {
    let name = "init"
    let summary = "Initialize one or more containers"
    let usage = "[options] CONTAINER [CONTAINER...]"
    let flags: [FlagSpec] = [
        .bool("all", "a", "Initialize all containers"),
        SelectionFlags.latest,
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        ContainerViews.render(try context.engine().initContainers(SelectionFlags.selection(args)), .plain)
    }
}
