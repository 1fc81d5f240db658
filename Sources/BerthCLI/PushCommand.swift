// `berth push`: an image from the store to a registry.
import BerthEngine
import BerthImage

struct PushCommand: CLICommand {
    let name = "push"
    let summary = "Push an image to a specified destination"
    let usage = "[options] IMAGE [DESTINATION]"
    let flags: [FlagSpec] = RegistryFlags.all + [
        .value("format", "f", "format", "Manifest type (oci, v2s2) to use in the destination (default is manifest type of source)"),
        .value("digestfile", nil, "string", "Write the digest of the pushed image to the specified file"),
        .bool("quiet", "q", "Suppress output information when pushing images"),
        .bool("remove-signatures", nil, "Discard any pre-existing signatures in the image"),
        .value("compression-format", nil, "string", "compression format to use (gzip)"),
        .bool("compress", nil, "Compress tarball image layers when pushing to a directory using the 'dir' transport (accepted; berth has no dir transport)"),
        .bool("disable-content-trust", nil, "This is a Docker specific option and is a NOOP"),
        .unsupported("sign-by", nil, "FINGERPRINT", "Add a signature at the destination using the specified key", .signing),
        .unsupported("sign-by-sigstore-private-key", nil, "string", "Sign the image using a sigstore private key at PATH", .signing),
        .unsupported("sign-passphrase-file", nil, "string", "Read a passphrase for signing an image from PATH", .signing),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard (1...2).contains(args.positionals.count) else {
            throw CLIError("accepts between 1 and 2 arg(s), received \(args.positionals.count)")
        }
        var options = PushOptions(registry: try RegistryFlags.options(args), digestFile: args.value("digestfile"))
        if let format = args.value("format") {
            guard let parsed = ManifestFormat(rawValue: format) else {
                throw CLIError("unknown format \"\(format)\": use oci or v2s2")
            }
            options.format = parsed
        }
        if let compression = args.value("compression-format"), compression != "gzip" {
            throw CLIError("unsupported --compression-format \"\(compression)\": berth pushes gzip layers")
        }
        let destination = args.positionals.count > 1 ? args.positionals[1] : nil
        if let destination, let archive = try ImageTransport.archive(destination) {
            // podman pushes to archives too: that is a save.
            for flag in ["digestfile", "format"] where args.value(flag) != nil {
                throw CLIError("--\(flag) is not supported when pushing to an archive (\(destination)); use a registry destination")
            }
            try context.engine().save(args.positionals[0], as: archive.reference, format: archive.format, to: archive.path)
            return 0
        }
        let progress = TransferProgress(quiet: args.has("quiet"))
        _ = try context.engine().push(args.positionals[0], destination: destination, options: options, observer: progress.observer)
        return 0
    }
}
