// `berth rmi` / `berth image rm` and `berth image prune`.
import BerthEngine

struct RmiCommand: CLICommand {
    let name = "rmi"
    var aliases: [String] { ["rm", "remove"] }
    let summary = "Remove one or more images from local storage"
    let usage = "[options] IMAGE [IMAGE...]"
    let needsUserNamespace = true
    let flags: [FlagSpec] = [
        .bool("all", "a", "Remove all images"),
        .bool("force", "f", "Force removal of the image and any containers using the image"),
        .bool("ignore", "i", "Ignore errors if a specified image does not exist"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.has("all") || !args.positionals.isEmpty else { throw CLIError("image name or ID must be specified") }
        let report = try context.engine().removeImages(args.positionals, force: args.has("force"), all: args.has("all"))
        for name in report.untagged { Output.out("Untagged: \(name)\n") }
        for id in report.deleted { Output.out("Deleted: \(id)\n") }
        var errors = report.errors
        if args.has("ignore") { errors.removeAll { $0.hasSuffix("image not known") } }
        for error in errors { Output.err("Error: \(error)\n") }
        // podman: 1 when an image was not found, 2 when one is in use, else 125.
        if errors.isEmpty { return 0 }
        if errors.allSatisfy({ $0.hasSuffix("image not known") }) { return 1 }
        if errors.contains(where: { $0.contains("in use by container") }) { return 2 }
        return ExitCode.engineError
    }
}

struct ImagePruneCommand: CLICommand {
    let name = "prune"
    let summary = "Remove unused images"
    let usage = "[options]"
    let needsUserNamespace = true
    let flags: [FlagSpec] = [
        .bool("all", "a", "Remove all images not in use by containers, not just dangling ones"),
        .bool("force", "f", "Do not prompt for confirmation"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        for id in try context.engine().pruneImages(all: args.has("all")) { Output.out(id + "\n") }
        return 0
    }
}
