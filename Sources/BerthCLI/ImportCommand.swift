// `berth import`: a root filesystem tarball becomes an image.
import BerthEngine

struct ImportCommand: CLICommand {
    let name = "import"
    let summary = "Import a tarball to create a filesystem image"
    let usage = "[options] PATH [REFERENCE]"
    let needsUserNamespace = true
    let flags: [FlagSpec] = [
        .value("arch", nil, "string", "Set the architecture of the imported image"),
        .value("change", "c", "instruction", "Apply the following possible instructions to the created image: CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | WORKDIR"),
        .value("message", "m", "string", "Set commit message for imported image"),
        .value("os", nil, "string", "Set the OS of the imported image"),
        .bool("quiet", "q", "Suppress output"),
        .value("variant", nil, "string", "Set the variant of the imported image"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard let source = args.positionals.first else { throw CLIError("you must provide a tarball to import (or - for stdin)") }
        guard args.positionals.count <= 2 else { throw CLIError("too many arguments: import takes PATH and at most one REFERENCE") }
        var options = ImportOptions(source: source, reference: args.positionals.count > 1 ? args.positionals[1] : nil,
                                    changes: args.all("change"), message: args.value("message"))
        options.architecture = args.value("arch")
        options.os = args.value("os")
        options.variant = args.value("variant")
        let record = try context.engine().importTarball(options)
        Output.out("sha256:\(record.id)\n")
        return 0
    }
}
