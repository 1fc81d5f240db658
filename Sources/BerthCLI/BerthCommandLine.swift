// The berth executable's front door: global flags, sub-command lookup with
// suggestions, rootless re-execution into the user namespace, and the one place
// errors and warnings are printed (`Error: …` with the error's `ExitCoded` code, else 125).
import BerthEngine
import BerthRuntime
import BerthSystem

package enum BerthCommandLine {
    static let commands: [any CLICommand] = [
        ImagesCommand(), ImageCommand(), LoadCommand(), SaveCommand(), ImportCommand(), TagCommand(), UntagCommand(),
        RmiCommand(), HistoryCommand(), InspectCommand(), InfoCommand(), VersionCommand(), UserNamespaceCommand(),
        RunCommand(), CreateCommand(), StartCommand(), PsCommand(), RmCommand(), StopCommand(), WaitCommand(), ExecCommand(),
        KillCommand(), RestartCommand(), PauseCommand(name: "pause"), PauseCommand(name: "unpause"), RenameCommand(),
        PortCommand(), TopCommand(), InitCommand(), StatsCommand(), UpdateCommand(),
        ContainerCommand(), LogsCommand(), MonitorCommand(), RootlessNetnsCommand(), PullCommand(), PushCommand(), LoginCommand(), LogoutCommand(),
        SearchCommand(), ManifestCommand(), CompletionCommand(), CommitCommand(), DiffCommand(), BuildCommand(), BuildxCommand(),
        CpCommand(), ExportCommand(), AttachCommand(), EventsCommand(), SystemCommand(),
        MountCommand(), UnmountCommand(), HealthcheckCommand(), VolumeCommand(), NetworkCommand(), VolumeCopyUpCommand(),
    ]

    package static func main() -> Never {
        let status = run(Array(CommandLine.arguments.dropFirst()))
        for line in Stopwatch.profile() { Output.err(line) }
        ExitCode.exitProcess(status)
    }

    static func run(_ arguments: [String]) -> Int32 {
        Stopwatch.mark("main")
        do {
            return try dispatch(arguments)
        } catch ContainerError.reported(let exitCode) {
            return exitCode
        } catch let error as any ExitCoded {
            Output.err("Error: \(error)\n")
            return error.exitCode
        } catch {
            Output.err("Error: \(error)\n")
            return ExitCode.engineError
        }
    }

    private static func dispatch(_ arguments: [String]) throws -> Int32 {
        // `__pause RUNROOT` (the runroot only names it in ps).
        if arguments.first == PauseProcess.command, arguments.count <= 2 { PauseProcess.run() }
        // Lower targets never print: their warnings come here, shown as podman's are.
        Warnings.deliver { Output.err("WARN: \($0)\n") }
        exportRuntimeDirectory()
        var globals = GlobalOptions()
        var index = 0
        // Global flags before the command name.
        while index < arguments.count, arguments[index].hasPrefix("-") {
            let arg = arguments[index]
            if arg == "--version" || arg == "-v" { return try VersionCommand().run(ParsedArguments(), CommandContext(globals: globals, invocation: arguments)) }
            if arg == "--help" || arg == "-h" { Output.out(Help.root(commands)); return 0 }
            let width = GlobalOptions.argumentCount(arg)
            let parsed = try ArgumentParser.parse(Array(arguments[index...].prefix(width)), flags: GlobalOptions.flags, command: "berth")
            try globals.apply(parsed)
            if globals.silencesStdout { try Output.silenceStdout() }   // before --version can print
            index += width
        }
        guard index < arguments.count else {
            Output.err(Help.root(commands))
            throw CLIError("missing command 'berth COMMAND'")
        }
        var command = try lookup(arguments[index], in: commands, path: "berth")
        var path = "berth " + command.name
        index += 1
        while !command.subcommands.isEmpty {
            guard index < arguments.count, !arguments[index].hasPrefix("-") else {
                if index < arguments.count, arguments[index] == "--help" || arguments[index] == "-h" {
                    Output.out(Help.command(command, path: path)); return 0
                }
                Output.err(Help.command(command, path: path))
                throw CLIError("missing command '\(path) COMMAND'")
            }
            command = try lookup(arguments[index], in: command.subcommands, path: path)
            path += " " + command.name
            index += 1
        }
        let parsed = try ArgumentParser.parse(Array(arguments[index...]), flags: command.flags + GlobalOptions.flags, command: path,
                                                  stopAtFirstPositional: command.stopsAtFirstPositional)
        if parsed.has("help") { Output.out(Help.command(command, path: path)); return 0 }
        try globals.apply(parsed)
        if globals.silencesStdout { try Output.silenceStdout() }
        if command.needsUserNamespace && Engine.needsUserNamespaceForWrites {
            let runroot = CommandContext(globals: globals, invocation: arguments).engine().paths.runroot
            return try PauseProcess.reexecuteInUserNamespace(runroot: runroot, arguments: arguments,
                                                             place: Engine.pauseProcessPlacement(cgroupManager: globals.cgroupManager))
        }
        return try command.run(parsed, CommandContext(globals: globals, invocation: arguments))
    }

    /// Rootless without XDG_RUNTIME_DIR (no logind): choose it once and export it, as
    /// podman does, so that commands re-executed in the user namespace (where the uid
    /// reads 0) and helpers agree on the runroot and on where auth.json lives.
    private static func exportRuntimeDirectory() {
        guard Environment.get("XDG_RUNTIME_DIR")?.isEmpty ?? true, ProcessIdentity.effectiveUID != 0, UserNamespace.isInitial else { return }
        let (directory, source) = StorePaths.runtimeDirectory(uid: ProcessIdentity.uid)
        StorePaths.exportedRuntimeSource = source
        Environment.set("XDG_RUNTIME_DIR", directory)
    }

    /// The aliases podman takes at the top level (`podman builder`, `podman umount`); the others
    /// are a group's (`image ls`, `container list`): `berth ls` is no command, as `podman ls` is none.
    static let topLevelAliases: Set = ["builder", "umount"]

    private static func lookup(_ name: String, in commands: [any CLICommand], path: String) throws -> any CLICommand {
        let aliases = { (command: any CLICommand) in path == "berth" ? command.aliases.filter(topLevelAliases.contains) : command.aliases }
        // Names win over aliases: `berth rm` is the container verb, `berth image rm` finds rmi by alias.
        if let command = commands.first(where: { $0.name == name }) ?? commands.first(where: { aliases($0).contains(name) }) {
            return command
        }
        let names = commands.filter { !$0.summary.isEmpty }.flatMap { [$0.name] + aliases($0) }
        let hint = Suggestion.closest(to: name, among: names).map { ": did you mean `\($0)`?" } ?? ""
        throw CLIError("unrecognized command `\(path) \(name)`\(hint)")
    }
}

