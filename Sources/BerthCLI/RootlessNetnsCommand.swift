// `berth __rootless-netns STEP …`: the hidden command of a berth run inside the
// rootless network namespace (RootlessNetnsSteps.swift).
import BerthEngine

struct RootlessNetnsCommand: CLICommand {
    let name = Engine.rootlessNetnsCommand
    let summary = ""
    let usage = "STEP ARGUMENTS"
    let flags: [FlagSpec] = []
    let stopsAtFirstPositional = true

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        try context.engine().runRootlessNetnsStep(args.positionals)
        return 0
    }
}
