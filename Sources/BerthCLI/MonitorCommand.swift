// `berth __monitor ID`: the hidden command of a detached container's monitor.
import BerthEngine

struct MonitorCommand: CLICommand {
    let name = Engine.monitorCommand
    let summary = ""
    let usage = "CONTAINER"
    let flags: [FlagSpec] = []

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard let id = args.positionals.first else { throw CLIError("monitor needs a container ID") }
        return context.engine().runMonitor(id, statusFD: 3)
    }
}
