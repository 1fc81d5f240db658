// `berth manifest inspect`: the manifest or index a registry holds for an image.
import BerthEngine
import BerthTemplate

struct ManifestCommand: CLICommand {
    let name = "manifest"
    let summary = "Manipulate manifest lists"
    let usage = "COMMAND"
    let flags: [FlagSpec] = []
    var subcommands: [any CLICommand] { [ManifestInspectCommand()] }

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 { 0 }
}

struct ManifestInspectCommand: CLICommand {
    let name = "inspect"
    let summary = "Display the contents of a manifest list or image index"
    let usage = "[options] IMAGE"
    let flags: [FlagSpec] = RegistryFlags.all + [
        .bool("verbose", "v", "Print the manifest of each entry as well (accepted; berth prints what the registry holds)"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count == 1 else { throw CLIError("manifest inspect requires exactly one image") }
        let manifest = try context.engine().remoteManifest(args.positionals[0], options: try RegistryFlags.options(args))
        // Indented as podman prints it; every value byte-for-byte as the registry sent it.
        Output.out(JSONIndenter.indent(manifest.bytes) + "\n")
        return 0
    }
}
