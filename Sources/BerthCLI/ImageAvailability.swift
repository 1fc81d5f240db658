// run and create pull an image they do not find, as podman's --pull=missing does.
// The pull is `berth pull` run as a child, so that rootless it unpacks inside its
// own user namespace like any pull, and its progress reaches our standard error.
import BerthEngine
import BerthImage
import BerthSystem

enum PullPolicy: String {
    case always, missing, never, newer

    /// podman's spellings (pkg/config ParsePullPolicy).
    init?(flag: String) {
        switch flag.lowercased() {
        case "always", "true": self = .always
        case "missing", "ifmissing", "ifnotpresent", "": self = .missing
        case "never", "false": self = .never
        case "newer", "ifnewer": self = .newer
        default: return nil
        }
    }
}

/// A failure a child process already reported on our standard error.
struct ReportedFailure: ExitCoded {
    var exitCode: Int32
}

enum ImageAvailability {
    static let flags: [FlagSpec] = [
        .value("pull", nil, "string", "Pull image policy (always, missing, never, newer)", default: "missing"),
        .bool("quiet", "q", "Suppress output information when pulling images"),
        .bool("tls-verify", nil, "Require HTTPS and verify certificates when contacting registries for pulling images"),
        .value("authfile", nil, "string", "Path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override"),
        .value("platform", nil, "string", "Specify the platform for selecting the image.  (Conflicts with --arch and --os)"),
        .value("arch", nil, "ARCH", "use ARCH instead of the architecture of the machine for choosing images"),
        .value("os", nil, "OS", "use OS instead of the running OS for choosing images"),
        .value("variant", nil, "VARIANT", "Use VARIANT instead of the running architecture variant for choosing images"),
    ]

    /// Creates the container, pulling its image first when the policy says so:
    /// `missing` pulls only when create finds no image, so the run path pays
    /// nothing when the image is there.
    static func createContainer(_ options: CreateOptions, _ args: ParsedArguments, _ context: CommandContext,
                                engine: Engine) throws -> ContainerRecord {
        let text = args.value("pull") ?? "missing"
        guard let policy = PullPolicy(flag: text) else {
            throw CLIError("invalid pull policy \"\(text)\": use always, missing, never or newer")
        }
        // berth keeps no record of the remote digest: newer pulls as always does,
        // and pulling what the store has fetches only the manifest and config.
        if policy == .always || policy == .newer, !isIDPrefix(options.image) {
            try pull(options.image, args, context)
        }
        do {
            return try engine.createContainer(options)
        } catch ImageError.imageNotKnown(let name) where policy == .missing {
            // An ID cannot be pulled: it stays "image not known".
            guard !isIDPrefix(name), (try? ImageReference.parse(name)) != nil else { throw ImageError.imageNotKnown(name) }
            try pull(options.image, args, context)
            return try engine.createContainer(options)
        }
    }

    private static func pull(_ image: String, _ args: ParsedArguments, _ context: CommandContext) throws {
        var arguments: [String] = []
        if let root = context.globals.root { arguments += ["--root", root] }
        if let runroot = context.globals.runroot { arguments += ["--runroot", runroot] }
        arguments.append("pull")
        if args.has("quiet") { arguments.append("--quiet") }
        if let verify = args.value("tls-verify") { arguments.append("--tls-verify=\(verify)") }
        for name in ["authfile", "platform", "arch", "os", "variant"] {
            if let value = args.value(name) { arguments += ["--\(name)", value] }
        }
        arguments.append(image)
        let status = try SelfExec.runSharingStderr(arguments)
        if status != 0 { throw ReportedFailure(exitCode: ExitCode.engineError) }
    }

    private static func isIDPrefix(_ text: String) -> Bool {
        let hex = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
        return hex.count == 64 && hex.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}
