// `berth save`: images to a docker-archive, oci-archive or OCI layout directory.
import BerthEngine
import BerthImage

struct SaveCommand: CLICommand {
    let name = "save"
    let summary = "Save image(s) to an archive"
    let usage = "[options] IMAGE [IMAGE...]"
    let flags: [FlagSpec] = [
        .value("output", "o", "string", "Write to a specified file (default: stdout, which must be redirected)"),
        .value("format", nil, "format", "Save image to docker-archive, oci-archive or oci-dir", default: "docker-archive"),
        .bool("multi-image-archive", "m", "Interpret additional arguments as images not tags and create a multi-image-archive"),
        .bool("quiet", "q", "Suppress the output"),
        .bool("compress", nil, "Compress tarball image layers when saving to a directory (accepted; layers keep their stored form)"),
        .bool("uncompressed", nil, "Accept uncompressed layers when copying OCI images (accepted; layers keep their stored form)"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        // podman: no --output means standard output, unless that is a terminal.
        let output = args.value("output")
        if output == nil && Output.stdoutIsTerminal { throw CLIError("refusing to save to terminal. Use -o flag or redirect") }
        guard !args.positionals.isEmpty else { throw CLIError("save requires at least one image") }
        let formatName = args.value("format") ?? "docker-archive"
        guard let format = ArchiveFormat(rawValue: formatName) else {
            throw CLIError("unsupported format \"\(formatName)\": use one of \(ArchiveFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        try context.engine().save(args.positionals, format: format, to: output)
        return 0
    }
}
