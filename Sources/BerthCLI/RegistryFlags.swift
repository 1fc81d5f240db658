// The flags every registry command shares (--tls-verify, --cert-dir, --creds,
// --authfile), read into the engine's RegistryOptions.
import BerthEngine
import BerthRegistry
import BerthSystem

enum RegistryFlags {
    static let all: [FlagSpec] = [
        .bool("tls-verify", nil, "Require HTTPS and verify certificates when contacting registries"),
        .value("cert-dir", nil, "Pathname", "Use certificates at the specified path to access the registry"),
        .value("creds", nil, "[username[:password]]", "Use credentials (USERNAME:PASSWORD) to access the registry"),
        .value("authfile", nil, "string", "Path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override"),
    ]

    static func options(_ args: ParsedArguments) throws -> RegistryOptions {
        var options = RegistryOptions()
        if let verify = args.value("tls-verify") { options.tlsVerify = verify != "false" }
        options.certDirectory = args.value("cert-dir")
        options.authFile = args.value("authfile")
        if let creds = args.value("creds") {
            options.credentials = try credentials(creds)
        }
        return options
    }

    /// "user:password"; a bare "user" asks for the password on the terminal, as podman does.
    static func credentials(_ text: String) throws -> Credentials {
        guard !text.isEmpty else { throw CLIError("invalid --creds: credentials can't be empty") }
        if let colon = text.firstIndex(of: ":") {
            let user = String(text[..<colon])
            guard !user.isEmpty else { throw CLIError("invalid --creds: username can't be empty") }
            return Credentials(username: user, password: String(text[text.index(after: colon)...]))
        }
        guard StandardStreams.isTerminal(StandardStreams.input) else {
            throw CLIError("--creds \(text) has no password and standard input is not a terminal to ask for it: use --creds USERNAME:PASSWORD")
        }
        return Credentials(username: text, password: try TerminalPrompt.secret("Password: "))
    }
}
