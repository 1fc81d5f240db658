// `berth image …`: the image sub-commands under one group, as podman has them, and
// `image exists`, which lives only in the group.
import BerthEngine
import BerthImage

struct ImageCommand: CLICommand {
    let name = "image"
    let summary = "Manage images"
    let usage = "COMMAND"
    let flags: [FlagSpec] = []
    var subcommands: [any CLICommand] {
        [ImagesCommand(), LoadCommand(), SaveCommand(), ImportCommand(), TagCommand(), UntagCommand(), RmiCommand(),
         ImagePruneCommand(), ImageInspectCommand(), HistoryCommand(), PullCommand(), PushCommand(), ImageExistsCommand(), DiffCommand.image,
         BuildCommand(), SearchCommand()]
    }

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 { 0 }
}

/// For scripts: exit 0 when the image is in local storage, 1 when it is not, 125 on any other error.
struct ImageExistsCommand: CLICommand {
    let name = "exists"
    let summary = "Check if an image exists in local storage"
    let usage = "IMAGE"
    let flags: [FlagSpec] = []

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count == 1 else { throw CLIError("accepts 1 arg(s), received \(args.positionals.count)") }
        do {
            _ = try context.engine().resolveImage(args.positionals[0])
            return 0
        } catch ImageError.imageNotKnown {
            return 1
        }
    }
}
