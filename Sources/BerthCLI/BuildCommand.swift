// `berth build` (also `image build` and `buildx build`): podman's flags into the
// engine's BuildOptions; the engine prints progress through BuildOutput, the image
// ID last.
import BerthEngine
import BerthImage
import BerthSystem

struct BuildCommand: CLICommand {
    let name = "build"
    let summary = "Build an image using instructions from Containerfiles"
    let usage = "[options] [CONTEXT]"
    /// Rootless, the whole build runs as root of the pause process's user namespace,
    /// so layers and copies carry the mapped owners (as pull does).
    let needsUserNamespace = true
    let flags = BuildFlags.all

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count <= 1 else {
            throw CLIError("accepts at most 1 arg(s), received \(args.positionals.count)")
        }
        let options = try Self.options(args)
        let output = BuildOutput(quiet: options.quiet) { Output.out($0) }
        _ = try context.engine().build(options, output: output)
        return 0
    }

    static func options(_ args: ParsedArguments) throws -> BuildOptions {
        let contextArgument = args.positionals.first ?? "."
        var options = BuildOptions(run: try runSettings(args, context: contextArgument == "-" ? "" : FileSystem.absolute(contextArgument)))
        options.context = contextArgument
        options.files = args.all("file")
        options.tags = args.all("tag")
        for file in args.all("build-arg-file") {
            for line in try FileSystem.readText(file).split(separator: "\n") {
                let entry = String(line.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
                if entry.isEmpty || entry.hasPrefix("#") { continue }
                try addBuildArg(entry, to: &options)
            }
        }
        for entry in args.all("build-arg") { try addBuildArg(entry, to: &options) }
        options.target = args.value("target")
        options.noCache = args.has("no-cache")
        let pullText = args.value("pull") ?? "missing"
        guard let policy = PullPolicy(flag: pullText) else {
            throw CLIError("invalid pull policy \"\(pullText)\": use always, missing, never or newer")
        }
        options.pull = policy
        if let verify = args.value("tls-verify") { options.pullFlags.append("--tls-verify=\(verify)") }
        for name in ["authfile", "cert-dir", "creds"] {
            if let value = args.value(name) { options.pullFlags += ["--\(name)", value] }
        }
        options.labels = args.all("label")
        options.annotations = args.all("annotation")
        options.quiet = args.has("quiet")
        options.imageIDFile = args.value("iidfile")
        options.squash = args.has("squash")
        options.squashAll = args.has("squash-all")
        options.layers = args.values["layers"]?.last != "false"
        switch args.value("format") ?? Environment.get("BUILDAH_FORMAT") ?? "oci" {
        case "oci": options.format = .oci
        case "docker": options.format = .docker
        case let other: throw CLIError("unrecognized image type \"\(other)\": use oci or docker")
        }
        if let text = args.value("timestamp") ?? Environment.get("SOURCE_DATE_EPOCH").flatMap({ $0.isEmpty ? nil : $0 }) {
            guard let seconds = Int64(text), seconds >= 0 else { throw CLIError("invalid timestamp \"\(text)\": expected epoch seconds") }
            options.timestamp = seconds
        }
        options.platform = try platform(args)
        options.ignoreFile = args.value("ignorefile")
        options.from = args.value("from")
        options.env = args.all("env")
        options.unsetEnv = args.all("unsetenv")
        options.omitHistory = args.has("omit-history")
        options.identityLabel = args.has("identity-label")
        if let jobs = args.value("jobs") {
            guard let count = Int(jobs), count >= 0 else { throw CLIError("invalid --jobs \"\(jobs)\": expected a number") }
            options.jobs = count == 0 ? 4 : count
        }
        if let isolation = args.value("isolation") ?? Environment.get("BUILDAH_ISOLATION"), !isolation.isEmpty, isolation != "oci" {
            throw CLIError("--isolation \(isolation) is not supported: berth isolates build containers as it runs containers (oci)")
        }
        if args.values["skip-unused-stages"]?.last == "false" {
            throw CLIError("--skip-unused-stages=false is not supported: berth builds only the stages the target needs")
        }
        return options
    }

    private static func addBuildArg(_ entry: String, to options: inout BuildOptions) throws {
        let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        guard !name.isEmpty else { throw CLIError("invalid build arg \"\(entry)\": expected NAME=VALUE") }
        // `--build-arg NAME` takes NAME's value from our environment, as podman does.
        if parts.count == 2 {
            options.buildArgs[name] = String(parts[1])
        } else if let value = Environment.get(name) {
            options.buildArgs[name] = value
        }
    }

    private static func runSettings(_ args: ParsedArguments, context: String) throws -> BuildRunSettings {
        var settings = BuildRunSettings(contextDirectory: context)
        if let network = args.value("network") {
            // Checked with each RUN's own --network (BuildRunStep.buildNetwork).
            settings.network = network.isEmpty ? nil : network
        }
        settings.capAdd = args.all("cap-add").flatMap { $0.split(separator: ",").map(String.init) }
        settings.capDrop = args.all("cap-drop").flatMap { $0.split(separator: ",").map(String.init) }
        settings.securityOptions = args.all("security-opt")
        settings.ulimits = args.all("ulimit")
        settings.volumes = args.all("volume")
        settings.noHosts = args.has("no-hosts")
        settings.addHosts = args.all("add-host")
        // Comma-separated lists as run's (podman's StringSlice flags).
        func list(_ flag: String) -> [String] { args.all(flag).flatMap { $0.split(separator: ",").map(String.init) } }
        settings.dnsServers = list("dns")
        settings.dnsSearch = list("dns-search")
        settings.dnsOptions = list("dns-option")
        settings.resources = try ResourceFlags.resources(args)
        settings.cgroup = ResourceFlags.settings(args)
        settings.shmSize = try args.value("shm-size").map(ContainerFlags.sizeInBytes)
        settings.namespaces = try NamespaceFlags.buildOptions(args)
        for spec in args.all("secret") {
            let secret = try BuildSecret.parse(spec)
            settings.secrets[secret.id] = secret
        }
        return settings
    }

    /// --platform, --os, --arch, --variant: this machine's platform only (the engine says so).
    private static func platform(_ args: ParsedArguments) throws -> PlatformChoice {
        var choice = PlatformChoice.host
        if let text = args.value("platform") {
            guard !text.contains(",") else { throw CLIError("building for several platforms (\(text)) is not supported: berth builds for \(choice.description) only") }
            choice = try PlatformChoice(parsing: text)
        }
        if let os = args.value("os") { choice.os = os }
        if let arch = args.value("arch") { choice.architecture = arch }
        if let variant = args.value("variant") { choice.variant = variant }
        return choice
    }
}

/// `berth buildx build` and `berth builder prune`: podman's group (buildx, alias
/// builder) of build and prune; builder prune is image prune, which also drops the
/// build cache's records of the images it removes.
struct BuildxCommand: CLICommand {
    let name = "buildx"
    var aliases: [String] { ["builder"] }
    let summary = "Build images"
    let usage = "COMMAND"
    let flags: [FlagSpec] = []
    var subcommands: [any CLICommand] { [BuildCommand(), ImagePruneCommand()] }

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 { 0 }
}
