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
        // berth stores no parent images (there is no build yet), so there is nothing to prune.
        .bool("no-prune", nil, "Do not remove dangling parent images (berth stores none)"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.has("all") || !args.positionals.isEmpty else { throw CLIError("image name or ID must be specified") }
        var report = try context.engine().removeImages(args.positionals, force: args.has("force"), all: args.has("all"))
        for name in report.untagged { Output.out("Untagged: \(name)\n") }
        for id in report.deleted { Output.out("Deleted: \(id)\n") }
        if args.has("ignore") { report.errors.removeAll(where: RemovalReport.isNotKnown) }
        for error in report.errors { Output.err("Error: \(error)\n") }
        return report.exitCode
    }
}

struct ImagePruneCommand: CLICommand {
    let name = "prune"
    let summary = "Remove unused images"
    let usage = "[options]"
    let needsUserNamespace = true
    let flags: [FlagSpec] = [
        .bool("all", "a", "Remove all images not in use by containers, not just dangling ones"),
        .unsupported("external", nil, "", "Remove images even when they are used by external containers (e.g., by build containers)", .externalContainers),
        .unsupported("filter", nil, "stringArray", "Provide filter values (e.g. 'label=<key>=<value>')", .pruneFilters),
        .bool("force", "f", "Do not prompt for confirmation"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        for id in try context.engine().pruneImages(all: args.has("all")) { Output.out(id + "\n") }
        return 0
    }
}
