// `berth load`: images from a docker-archive, oci-archive or OCI layout directory.
import BerthEngine
import BerthSystem

struct LoadCommand: CLICommand {
    let name = "load"
    let summary = "Load image(s) from a tar archive"
    let usage = "[options]"
    let needsUserNamespace = true
    let flags: [FlagSpec] = [
        .value("input", "i", "string", "Read from specified archive file (default: stdin)"),
        .bool("quiet", "q", "Suppress the output"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let input = args.value("input") ?? args.positionals.first ?? "-"
        if input == "-" && StandardStreams.isTerminal(StandardStreams.input) {
            throw CLIError("cannot read an archive from a terminal: use --input FILE or redirect standard input")
        }
        let report = try context.engine().load(from: input)
        for name in report.loaded { Output.out("Loaded image: \(name)\n") }
        return 0
    }
}
