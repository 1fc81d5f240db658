// `berth tag` and `berth untag`: adding and removing an image's names.
import BerthEngine

struct TagCommand: CLICommand {
    let name = "tag"
    let summary = "Add an additional name to a local image"
    let usage = "IMAGE TARGET_NAME [TARGET_NAME...]"
    let flags: [FlagSpec] = []

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count >= 2 else { throw CLIError("tag requires at least 2 arguments: IMAGE TARGET_NAME") }
        try context.engine().tag(args.positionals[0], as: Array(args.positionals.dropFirst()))
        return 0
    }
}

struct UntagCommand: CLICommand {
    let name = "untag"
    let summary = "Remove a name from a local image"
    let usage = "IMAGE [IMAGE...]"
    let flags: [FlagSpec] = []

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard let image = args.positionals.first else { throw CLIError("untag requires at least 1 argument: IMAGE") }
        try context.engine().untag(image, names: Array(args.positionals.dropFirst()))
        return 0
    }
}
