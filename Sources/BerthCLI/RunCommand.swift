// `berth run`, `create` and `start`: podman's flags, parsed up to the image name,
// into the engine's RunOptions, CreateOptions and StartOptions.
import BerthEngine

/// Flags shared by run and create (podman's names).
enum ContainerFlags {
    static let create: [FlagSpec] = [
        .value("cap-add", nil, "strings", "Add capabilities to the container"),
        .value("cap-drop", nil, "strings", "Drop capabilities from the container"),
        .value("cidfile", nil, "string", "Write the container ID to the file"),
        .value("entrypoint", nil, "string", "Overwrite the default ENTRYPOINT of the image"),
        .value("env", "e", "stringArray", "Set environment variables in container"),
        .value("env-file", nil, "stringArray", "Read in a file of environment variables"),
        .value("hostname", "h", "string", "Set container hostname"),
        .bool("init", nil, "Run an init inside the container that forwards signals and reaps processes"),
        .bool("interactive", "i", "Keep STDIN open even if not attached"),
        .value("label", "l", "stringArray", "Set metadata on container"),
        .value("mount", nil, "stringArray", "Attach a filesystem mount to the container"),
        .value("name", nil, "string", "Assign a name to the container"),
        .value("network", nil, "string", "Connect a container to a network (none, host)", default: "host"),
        .value("net", nil, "string", "Alias for --network"),
        .bool("privileged", nil, "Give extended privileges to container"),
        .bool("read-only", nil, "Make containers root filesystem read-only"),
        .bool("replace", nil, "If a container with the same name exists, replace it"),
        .bool("rm", nil, "Remove container (and pod if created) after exit"),
        .value("security-opt", nil, "stringArray", "Security Options (seccomp=unconfined|FILE, no-new-privileges)"),
        .bool("sig-proxy", nil, "Proxy received signals to the process"),
        .value("tmpfs", nil, "tmpfs", "Mount a temporary filesystem (tmpfs) into a container"),
        .bool("tty", "t", "Allocate a pseudo-TTY for container"),
        .value("ulimit", nil, "ulimit", "Ulimit options"),
        .value("user", "u", "string", "Username or UID (format: <name|uid>[:<group|gid>])"),
        .value("userns", nil, "string", "User namespace to use (keep-id)"),
        .value("volume", "v", "stringArray", "Bind mount a volume into the container"),
        .value("workdir", "w", "string", "Working directory inside the container"),
    ]

    static func options(_ args: ParsedArguments) throws -> CreateOptions {
        guard let image = args.positionals.first else { throw CLIError("requires at least 1 arg(s), only received 0") }
        var options = CreateOptions(image: image)
        options.command = Array(args.positionals.dropFirst())
        options.entrypoint = args.value("entrypoint")
        options.env = args.all("env")
        options.envFiles = args.all("env-file")
        options.workingDir = args.value("workdir")
        options.user = args.value("user")
        options.hostname = args.value("hostname")
        options.name = args.value("name")
        options.replace = args.has("replace")
        options.autoRemove = args.has("rm")
        options.interactive = args.has("interactive")
        options.tty = args.has("tty")
        options.readOnly = args.has("read-only")
        options.useInit = args.has("init")
        options.volumes = args.all("volume")
        options.mounts = args.all("mount")
        options.tmpfs = args.all("tmpfs")
        options.network = args.value("network") ?? args.value("net") ?? "host"
        options.privileged = args.has("privileged")
        options.capAdd = args.all("cap-add").flatMap { $0.split(separator: ",").map(String.init) }
        options.capDrop = args.all("cap-drop").flatMap { $0.split(separator: ",").map(String.init) }
        options.securityOpts = args.all("security-opt")
        options.userns = args.value("userns")
        options.ulimits = args.all("ulimit")
        options.labels = args.all("label")
        return options
    }
}

struct RunCommand: CLICommand {
    let name = "run"
    let summary = "Run a command in a new container"
    let usage = "[options] IMAGE [COMMAND [ARG...]]"
    let stopsAtFirstPositional = true
    let flags = ContainerFlags.create + ImageAvailability.flags + [.bool("detach", "d", "Run container in background and print container ID")]


    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        var options = RunOptions(create: try CreateCommand.options(args))
        options.detach = args.has("detach")
        options.attach.sigProxy = args.values["sig-proxy"]?.last != "false"
        switch try context.engine().run(options) {
        case .detached(let id):
            Output.out(id + "\n")
            return 0
        case .exited(let code):
            return code
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
        Output.out(try context.engine().create(Self.options(args)).id + "\n")
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
        .value("detach-keys", nil, "[a-Z]", "Select the key sequence for detaching a container (only \"\" is supported: no detaching)"),
        .value("filter", "f", "strings", "Filter output based on conditions given"),
        .bool("interactive", "i", "Attach container's STDIN"),
        SelectionFlags.latest,
        .bool("sig-proxy", nil, "Proxy received signals to the process (default true if attaching, false otherwise)"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        if let keys = args.value("detach-keys"), !keys.isEmpty {
            throw CLIError("--detach-keys \(keys) is not supported yet: berth's terminal relay has no detach sequence (use --detach-keys \"\")")
        }
        var options = StartOptions()
        options.selection = SelectionFlags.selection(args)
        if args.has("attach") || args.has("interactive") {
            var attach = AttachOptions()
            attach.sigProxy = args.values["sig-proxy"]?.last != "false"
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
