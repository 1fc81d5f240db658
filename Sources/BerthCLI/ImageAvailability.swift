// run and create pull an image they do not find, as podman's --pull=missing does:
// the flags that say how, turned into the engine's ImageFetch.
import BerthEngine

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

    /// The engine's fetch settings from these flags: the policy, and the flags
    /// the pull child is given.
    static func fetch(_ args: ParsedArguments) throws -> ImageFetch {
        let text = args.value("pull") ?? "missing"
        guard let policy = PullPolicy(flag: text) else {
            throw CLIError("invalid pull policy \"\(text)\": use always, missing, never or newer")
        }
        var fetch = ImageFetch()
        fetch.policy = policy
        if args.has("quiet") { fetch.pullFlags.append("--quiet") }
        if let verify = args.value("tls-verify") { fetch.pullFlags.append("--tls-verify=\(verify)") }
        for name in ["authfile", "platform", "arch", "os", "variant"] {
            if let value = args.value(name) { fetch.pullFlags += ["--\(name)", value] }
        }
        return fetch
    }
}
