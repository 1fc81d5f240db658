// `berth __volume-copyup ID VOLUME DESTINATION DATA`: the hidden command a rootless
// start re-executes into the user namespace, so that a volume's first fill from
// the image carries the owners the container sees (VolumeCopyUp.swift).
import BerthEngine

struct VolumeCopyUpCommand: CLICommand {
    let name = Engine.copyUpCommand
    let summary = ""
    let usage = "CONTAINER VOLUME DESTINATION DATA"
    let flags: [FlagSpec] = []

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count == 4 else { throw CLIError("\(name) needs CONTAINER VOLUME DESTINATION DATA") }
        let words = args.positionals
        let engine = context.engine()
        try engine.copyUp(try engine.resolveContainer(words[0]), volume: words[1], destination: words[2], data: words[3])
        return 0
    }
}
