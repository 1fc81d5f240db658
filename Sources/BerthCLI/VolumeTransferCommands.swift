// `berth volume export`, `import`, `mount` and `unmount`.
import BerthEngine
import BerthSystem
import Glibc

struct VolumeExportCommand: CLICommand {
    let name = "export"
    let summary = "Export volumes"
    let usage = "[options] VOLUME"
    let needsUserNamespace = true
    let flags: [FlagSpec] = [
        .value("output", "o", "string", "Write to a specified file (default: stdout, which must be redirected)", default: "/dev/stdout"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count == 1 else { throw CLIError("accepts 1 arg(s), received \(args.positionals.count)") }
        let output = args.value("output").flatMap { $0 == "/dev/stdout" ? nil : $0 }
        try ArchiveOutput.write(to: output, terminalRefusal: "cannot write to terminal, use command-line redirection or the --output flag") { fd, path in
            try context.engine().exportVolume(args.positionals[0], to: fd, path: path)
        }
        return 0
    }
}

struct VolumeImportCommand: CLICommand {
    let name = "import"
    let summary = "Import a tarball contents into a volume"
    let usage = "VOLUME [SOURCE]"
    let needsUserNamespace = true
    let flags: [FlagSpec] = []

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count == 2 else { throw CLIError("accepts 2 arg(s), received \(args.positionals.count)") }
        let source = args.positionals[1]
        let fd = source == "-" ? try FileDescriptor.duplicate(StandardStreams.input) : try FileDescriptor.open(source, O_RDONLY)
        try context.engine().importVolume(args.positionals[0], from: fd, location: source == "-" ? "standard input" : source)
        return 0
    }
}

/// Rootless, podman mounts only inside its user namespace (`unshare`); so does berth.
private func refuseOutsideUserNamespace(_ verb: String) throws {
    if StorePaths.isRootless && UserNamespace.isInitial {
        throw CLIError("cannot run command \"berth volume \(verb)\" in rootless mode, must execute `berth unshare` first")
    }
}

struct VolumeMountCommand: CLICommand {
    let name = "mount"
    let summary = "Mount volume"
    let usage = "VOLUME [VOLUME...]"
    let flags: [FlagSpec] = []

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        try refuseOutsideUserNamespace(name)
        guard !args.positionals.isEmpty else { throw CLIError("requires at least 1 arg(s), only received 0") }
        let engine = context.engine()
        for volume in args.positionals { Output.out(try engine.mountVolume(volume) + "\n") }
        return 0
    }
}

struct VolumeUnmountCommand: CLICommand {
    let name = "unmount"
    var aliases: [String] { ["umount"] }
    let summary = "Unmount volume"
    let usage = "VOLUME [VOLUME...]"
    let flags: [FlagSpec] = []

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        try refuseOutsideUserNamespace(name)
        guard !args.positionals.isEmpty else { throw CLIError("requires at least 1 arg(s), only received 0") }
        let engine = context.engine()
        for volume in args.positionals {
            try engine.unmountVolume(volume)
            Output.out(volume + "\n")
        }
        return 0
    }
}
