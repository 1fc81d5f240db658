// `berth healthcheck run CONTAINER`: runs the container's health check once, as
// the monitor does every --health-interval; podman's output and exit codes
// (nothing and 0 when it passed, "unhealthy" and 1 when it failed, 125 when
// there is no check to run).
import BerthEngine

struct HealthcheckCommand: CLICommand {
    let name = "healthcheck"
    let summary = "Manage health checks on containers"
    let usage = "COMMAND"
    let flags: [FlagSpec] = []
    var subcommands: [any CLICommand] { [HealthcheckRunCommand()] }

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 { 0 }
}

struct HealthcheckRunCommand: CLICommand {
    let name = "run"
    let summary = "run the health check of a container"
    let usage = "CONTAINER"
    let flags: [FlagSpec] = []

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count == 1 else {
            throw CLIError("accepts 1 arg(s), received \(args.positionals.count)")
        }
        switch try context.engine().runHealthCheck(args.positionals[0]) {
        case .healthy: return 0
        case .unhealthy:
            Output.out("unhealthy\n")
            return 1
        }
    }
}
