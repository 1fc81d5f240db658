// `cp` and `export`: a container's files out to the host, as files or a tar.
import BerthEngine
import BerthSystem
import Glibc

struct CpCommand: CLICommand {
    let name = "cp"
    let summary = "Copy files/folders between a container and the local filesystem"
    let usage = "[options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH"
    let needsUserNamespace = true
    let flags: [FlagSpec] = [
        .bool("archive", "a", "Chown copied files to the primary uid/gid of the destination container.", default: "true"),
        .bool("overwrite", nil, "Allow to overwrite directories with non-directories and vice versa", default: "false"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count == 2 else {
            throw CLIError("accepts 2 arg(s), received \(args.positionals.count)")
        }
        let source = Self.split(args.positionals[0])
        let destination = Self.split(args.positionals[1])
        switch (source.container, destination.container) {
        case (let container?, nil):
            guard !source.path.isEmpty, !destination.path.isEmpty else { throw CLIError("source and destination paths must not be empty") }
            var options = CopyOutOptions(container: container, path: source.path, destination: destination.path)
            options.overwrite = args.has("overwrite")
            try context.engine().copyFromContainer(options, archive: try FileDescriptor.duplicate(StandardStreams.output))
            return 0
        case (nil, let container?):
            guard !source.path.isEmpty, !destination.path.isEmpty else { throw CLIError("source and destination paths must not be empty") }
            var options = CopyInOptions(source: source.path, container: container, path: destination.path)
            options.archive = args.value("archive") != "false"
            options.overwrite = args.has("overwrite")
            try context.engine().copyIntoContainer(options, input: try FileDescriptor.duplicate(StandardStreams.input))
            return 0
        case (_?, _?):
            throw CLIError("copying between containers is not supported: copy to the host first")
        case (nil, nil):
            throw CLIError("invalid arguments \(args.positionals[0]), \(args.positionals[1]) you must use just one container")
        }
    }

    /// `CONTAINER:PATH` or a host path: as podman, text before the first colon
    /// names a container unless the argument is "-" or starts like a path.
    static func split(_ argument: String) -> (container: String?, path: String) {
        guard argument != "-", !argument.hasPrefix("/"), !argument.hasPrefix("."),
              let colon = argument.firstIndex(of: ":") else { return (nil, argument) }
        let container = String(argument[..<colon])
        guard !container.isEmpty, !container.contains("/") else { return (nil, argument) }
        return (container, String(argument[argument.index(after: colon)...]))
    }
}

struct ExportCommand: CLICommand {
    let name = "export"
    let summary = "Export container's filesystem contents as a tar archive"
    let usage = "[options] CONTAINER"
    let needsUserNamespace = true
    let flags: [FlagSpec] = [
        .value("output", "o", "string", "Write to a specified file (default: stdout, which must be redirected)"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count == 1 else { throw CLIError("accepts 1 arg(s), received \(args.positionals.count)") }
        try ArchiveOutput.write(to: args.value("output"), terminalRefusal: "refusing to export to terminal. Use -o flag or redirect") { fd, path in
            try context.engine().exportContainer(args.positionals[0], to: fd, path: path)
        }
        return 0
    }
}
