// `berth commit` (and `container commit`): a container's changes become an image.
import BerthEngine
import BerthImage

struct CommitCommand: CLICommand {
    let name = "commit"
    let summary = "Create new image based on the changed container"
    let usage = "[options] CONTAINER [IMAGE]"
    /// Rootless, the upper dir holds files of the subordinate ids: it is read, and
    /// the new layer written, as root of the user namespace.
    let needsUserNamespace = true
    let flags: [FlagSpec] = [
        .value("author", "a", "string", "Set the author for the image committed"),
        .value("change", "c", "stringArray", "Apply the following possible instructions to the created image (default []): CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | WORKDIR"),
        .value("format", "f", "Format", "Format of the image manifest and metadata", default: "oci"),
        .value("iidfile", nil, "file", "file to write the image ID to"),
        .bool("include-volumes", nil, "Include container volumes as image volumes"),
        .value("message", "m", "string", "Set commit message for imported image"),
        .bool("pause", "p", "Pause container during commit"),
        .bool("quiet", "q", "Suppress output"),
        .bool("squash", "s", "squash newly built layers into a single new layer"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard let container = args.positionals.first else { throw CLIError("requires at least 1 arg(s), only received 0") }
        guard args.positionals.count <= 2 else {
            throw CLIError("accepts at most 2 arg(s), received \(args.positionals.count)")
        }
        var options = CommitOptions(container: container, reference: args.positionals.count > 1 ? args.positionals[1] : nil)
        options.author = args.value("author")
        options.changes = args.all("change")
        options.message = args.value("message")
        options.pause = args.has("pause")
        options.iidFile = args.value("iidfile")
        options.includeVolumes = args.has("include-volumes")
        options.squash = args.has("squash")
        if let format = args.value("format") {
            guard let chosen = ImageFormat(rawValue: format) else {
                throw CLIError("unrecognized image type \"\(format)\"")
            }
            options.format = chosen
        }
        let engine = context.engine()
        let image = try engine.commit(options)
        if !args.has("quiet") {
            // podman's copy report, on standard error: the blobs, the config, the manifest.
            var report = "Getting image source signatures\n"
            for layer in (try? engine.store.manifest(of: image).layers) ?? [] { report += "Copying blob \(layer.digest)\n" }
            report += "Copying config \(image.configDigest)\nWriting manifest to image destination\nStoring signatures\n"
            Output.err(report)
        }
        Output.out(image.id + "\n")
        return 0
    }
}
