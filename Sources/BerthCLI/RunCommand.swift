// `berth run`, `create` and `start`: podman's flags, parsed up to the image name,
// into the engine's RunOptions, CreateOptions and StartOptions.
import BerthEngine
import BerthImage

struct RunCommand: CLICommand {
    let name = "run"
    let summary = "Run a command in a new container"
    let usage = "[options] IMAGE [COMMAND [ARG...]]"
    let stopsAtFirstPositional = true
    let flags = ContainerFlags.create + ContainerFlags.runOnly + ImageAvailability.flags


    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        try ContainerFlags.validate(args, detached: args.has("detach"))
        var options = RunOptions(create: try CreateCommand.options(args))
        options.create.cgroup.manager = context.globals.cgroupManager
        options.detach = args.has("detach")
        options.attach.sigProxy = args.values["sig-proxy"]?.last != "false"
        options.attach.preserveFDs = try ContainerFlags.preservedFDs(args)
        options.attach.detachKeys = try DetachKeys.parse(args.value("detach-keys"))
        // --rmi implies --rm (podman); the image goes once the container is gone.
        let removesImage = args.has("rmi")
        if removesImage && options.detach { throw CLIError("--rmi is not supported with --detach yet: the monitor does not remove images") }
        if removesImage { options.create.autoRemove = true }
        let engine = context.engine()
        switch try engine.run(options) {
        case .detached(let id):
            Output.out(id + "\n")
            return 0
        case .exited(let code):
            if removesImage { removeImage(options.create.image, engine) }
            return code
        }
    }

    /// --rmi: the image goes unless another container uses it; the container's exit
    /// code stays berth's, so other failures are only reported.
    private func removeImage(_ name: String, _ engine: Engine) {
        let report: RemovalReport
        do { report = try engine.removeImages([name], force: false, all: false) } catch {
            Output.err("Error: \(error)\n")
            return
        }
        for error in report.errors {
            if case ImageError.imageInUse = error { continue }
            Output.err("Error: \(error)\n")
        }
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
        var options = try Self.options(args)
        options.cgroup.manager = context.globals.cgroupManager
        Output.out(try context.engine().create(options).id + "\n")
        return 0
    }

    /// The flags of create (and run) as the engine's options.
    static func options(_ args: ParsedArguments) throws -> CreateOptions {
        var options = try ContainerFlags.options(args)
        options.fetch = try ImageAvailability.fetch(args)
        options.idFile = args.value("cidfile")
        return options
    }
}

struct StartCommand: CLICommand {
    let name = "start"
    let summary = "Start one or more containers"
    let usage = "[options] CONTAINER [CONTAINER...]"
    let flags: [FlagSpec] = [
        .bool("all", nil, "Start all containers regardless of their state or configuration"),
        .bool("attach", "a", "Attach container's STDOUT and STDERR"),
        .value("detach-keys", nil, "[a-Z]", DetachKeys.flagHelp),
        .value("filter", "f", "strings", "Filter output based on conditions given"),
        .bool("interactive", "i", "Attach container's STDIN"),
        SelectionFlags.latest,
        .bool("sig-proxy", nil, "Proxy received signals to the process (default true if attaching, false otherwise)"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let detachKeys = try DetachKeys.parse(args.value("detach-keys"))
        var options = StartOptions()
        options.selection = SelectionFlags.selection(args)
        if args.has("attach") || args.has("interactive") {
            var attach = AttachOptions()
            attach.sigProxy = args.values["sig-proxy"]?.last != "false"
            attach.detachKeys = detachKeys
            attach.attachInput = args.has("interactive")
            options.attach = attach
        } else if args.has("sig-proxy") {
            throw CLIError("you cannot use sig-proxy without --attach: invalid argument")
        }
        let reports = try context.engine().startContainers(options)
        // Attached: the container's own output was the output; its code is ours.
        if options.attach != nil, let report = reports.first, report.error == nil { return report.exitCode ?? 0 }
        return ContainerViews.render(reports, .plain)
    }
}
