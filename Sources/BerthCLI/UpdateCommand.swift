// `berth update`: podman's resource flags for one existing container.
import BerthEngine

struct UpdateCommand: CLICommand {
    let name = "update"
    let summary = "Update an existing container"
    let usage = "[options] CONTAINER"
    let flags = ResourceFlags.limits

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count == 1 else { throw CLIError("accepts 1 arg(s), received \(args.positionals.count)") }
        let resources = try ResourceFlags.resources(args)
        Output.out(try context.engine().updateContainer(args.positionals[0], resources: resources) + "\n")
        return 0
    }
}
