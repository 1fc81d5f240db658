// `berth run` and `berth create`: podman's flags, parsed up to the image name.
import BerthEngine
import BerthSystem

struct RunCommand: CLICommand {
    let name = "run"
    let summary = "Run a command in a new container"
    let usage = "[options] IMAGE [COMMAND [ARG...]]"
    let stopsAtFirstPositional = true
    let flags = ContainerFlags.create + ContainerFlags.runOnly + ImageAvailability.flags


    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let engine = context.engine()
        let options = try ContainerFlags.options(args)
        try ContainerFlags.validate(args, detached: args.has("detach"))
        if args.has("detach") && options.tty {
            throw CLIError("detached containers with a terminal (-t) are not supported yet")
        }
        let record = try ImageAvailability.createContainer(options, args, context, engine: engine)
        Stopwatch.mark("created")
        try ContainerFlags.writeCIDFile(args, id: record.id)
        if args.has("detach") {
            do {
                _ = try engine.startDetached(record.id)
            } catch {
                if options.autoRemove { try? engine.removeContainer(record.id, force: true) }
                throw error
            }
            Output.out(record.id + "\n")
            return 0
        }
        var attach = AttachOptions()
        attach.sigProxy = args.values["sig-proxy"]?.last != "false"
        return try engine.startAttached(record.id, attach: attach)
    }
}

struct CreateCommand: CLICommand {
    let name = "create"
    let summary = "Create but do not start a container"
    let usage = "[options] IMAGE [COMMAND [ARG...]]"
    let stopsAtFirstPositional = true
    let flags = ContainerFlags.create + ImageAvailability.flags

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        try ContainerFlags.validate(args, detached: true, creating: true)
        let record = try ImageAvailability.createContainer(ContainerFlags.options(args), args, context, engine: context.engine())
        try ContainerFlags.writeCIDFile(args, id: record.id)
        Output.out(record.id + "\n")
        return 0
    }
}

struct StartCommand: CLICommand {
    let name = "start"
    let summary = "Start one or more containers"
    let usage = "[options] CONTAINER"
    let flags: [FlagSpec] = [
        .bool("attach", "a", "Attach container's STDOUT and STDERR"),
        .bool("interactive", "i", "Attach container's STDIN"),
        .bool("sig-proxy", nil, "Proxy received signals to the process (with --attach)"),
        .unsupported("all", nil, "", "Start all containers regardless of their state or configuration", .containerSelection),
        .unsupported("detach-keys", nil, "string", "Select the key sequence for detaching a container", .exec),
        .unsupported("filter", "f", "stringArray", "Filter output based on conditions given", .containerSelection),
        .unsupported("latest", "l", "", "Act on the latest container podman is aware of", .containerSelection),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard !args.positionals.isEmpty else { throw CLIError("start requires at least one container") }
        let engine = context.engine()
        if args.has("attach") || args.has("interactive") {
            guard args.positionals.count == 1 else { throw CLIError("you cannot start and attach multiple containers at once") }
            var attach = AttachOptions()
            attach.sigProxy = args.values["sig-proxy"]?.last != "false"
            return try engine.startAttached(args.positionals[0], attach: attach)
        }
        // podman: without --attach, start runs each container detached and prints its name or ID as given.
        for target in args.positionals {
            _ = try engine.startDetached(target)
            Output.out(target + "\n")
        }
        return 0
    }
}
