// `berth __monitor ID [--client SIZE | --exited CODE | --restart]`: the hidden command of a
// detached container's monitor (its Swift half; see ContainerMonitor.swift).
import BerthEngine

struct MonitorCommand: HiddenCommand {
    let name = Engine.monitorCommand
    let usage = "CONTAINER"

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard let id = args.positionals.first else { throw CLIError("monitor needs a container ID") }
        let rest = Array(args.positionals.dropFirst())
        guard let step = MonitorStep(words: rest) else { throw CLIError("monitor: unknown step \(rest.joined(separator: " "))") }
        return context.engine().runMonitor(id, step: step)
    }
}
