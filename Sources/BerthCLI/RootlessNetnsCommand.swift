// `berth __rootless-netns STEP …`: the hidden command of a berth run inside the
// rootless network namespace (RootlessNetnsSteps.swift).
import BerthEngine

struct RootlessNetnsCommand: HiddenCommand {
    let name = Engine.rootlessNetnsCommand
    let usage = "STEP ARGUMENTS"

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        try context.engine().runRootlessNetnsStep(args.positionals)
        return 0
    }
}
