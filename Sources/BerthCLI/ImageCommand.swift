// `berth image …`: the image sub-commands under one group, as podman has them.
struct ImageCommand: CLICommand {
    let name = "image"
    let summary = "Manage images"
    let usage = "COMMAND"
    let flags: [FlagSpec] = []
    var subcommands: [any CLICommand] {
        [ImagesCommand(), LoadCommand(), SaveCommand(), ImportCommand(), TagCommand(), UntagCommand(), RmiCommand(),
         ImagePruneCommand(), ImageInspectCommand(), HistoryCommand(), PullCommand(), PushCommand()]
    }

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 { 0 }
}
