// `berth pull`: images from a registry into the store.
import BerthEngine
import BerthImage

struct PullCommand: CLICommand {
    let name = "pull"
    let summary = "Pull an image from a registry"
    let usage = "[options] IMAGE [IMAGE...]"
    let needsUserNamespace = true
    let flags: [FlagSpec] = RegistryFlags.all + [
        .bool("all-tags", "a", "All tagged images in the repository will be pulled"),
        .value("arch", nil, "ARCH", "Use ARCH instead of the architecture of the machine for choosing images"),
        .value("os", nil, "OS", "Use OS instead of the running OS for choosing images"),
        .value("variant", nil, "VARIANT", "Use VARIANT instead of the running architecture variant for choosing images"),
        .value("platform", nil, "OS/ARCH", "Specify the platform for selecting the image. (Conflicts with --arch and --os)"),
        .bool("quiet", "q", "Suppress output information when pulling images"),
        .bool("disable-content-trust", nil, "This is a Docker specific option and is a NOOP"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard !args.positionals.isEmpty else { throw CLIError("requires at least 1 arg(s), only received 0") }
        var options = PullOptions(registry: try RegistryFlags.options(args), allTags: args.has("all-tags"))
        options.platform = try Self.platform(args)
        let progress = TransferProgress(quiet: args.has("quiet"))
        let engine = context.engine()
        if options.allTags {
            for image in args.positionals where image.split(separator: "/").last.map({ $0.contains(":") || $0.contains("@") }) ?? false {
                throw CLIError("\(image): tag can't be used with --all-tags/-a")
            }
        }
        for image in args.positionals {
            if let archive = try ImageTransport.archive(image) {
                // podman pulls from archives too: that is a load.
                for id in try engine.loadImageIDs(from: archive.path, selecting: archive.reference) { Output.out(id + "\n") }
                continue
            }
            let report = try engine.pull(image, options: options, observer: progress.observer)
            for id in report.imageIDs { Output.out(id + "\n") }
        }
        return 0
    }

    static func platform(_ args: ParsedArguments) throws -> PlatformChoice {
        var choice = PlatformChoice.host
        if let text = args.value("platform") {
            if args.value("arch") != nil || args.value("os") != nil {
                throw CLIError("--platform option can not be specified with --arch or --os")
            }
            choice = try PlatformChoice(parsing: text)
        }
        if let os = args.value("os") { choice.os = os }
        if let arch = args.value("arch") { choice.architecture = arch }
        if let variant = args.value("variant") { choice.variant = variant }
        return choice
    }
}
