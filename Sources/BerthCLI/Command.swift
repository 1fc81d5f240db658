// What every sub-command declares: its names, usage, flags and a run function that
// parses into options, calls the engine once and renders the result.
import BerthEngine

struct CommandContext {
    var globals: GlobalOptions
    var invocation: [String]

    func engine() -> Engine {
        Engine(options: EngineOptions(root: globals.root, runroot: globals.runroot))
    }
}

struct GlobalOptions: Sendable {
    var root: String?
    var runroot: String?
    var logLevel = "warn"

    static let flags: [FlagSpec] = [
        .value("root", nil, "path", "Path to the root directory in which data, including images, is stored"),
        .value("runroot", nil, "path", "Path to the 'run directory' where all state information is stored"),
        .value("log-level", nil, "level", "Log messages above specified level (trace, debug, info, warn, error, fatal, panic)", default: "warn"),
        .bool("help", "h", "Help for this command"),
    ]
}

protocol CLICommand: Sendable {
    var name: String { get }
    var aliases: [String] { get }
    var summary: String { get }
    var usage: String { get }
    var flags: [FlagSpec] { get }
    /// Rootless commands that write layer files run inside the user namespace.
    var needsUserNamespace: Bool { get }
    var subcommands: [any CLICommand] { get }
    /// Flags after the first positional belong to it (`unshare CMD -x`, later `run IMAGE CMD -x`).
    var stopsAtFirstPositional: Bool { get }
    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32
}

extension CLICommand {
    var aliases: [String] { [] }
    var needsUserNamespace: Bool { false }
    var subcommands: [any CLICommand] { [] }
    var stopsAtFirstPositional: Bool { false }
}
