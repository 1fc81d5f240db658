// `berth login` and `berth logout`: credentials in the podman/docker auth.json.
import BerthEngine
import BerthRegistry

struct LoginCommand: CLICommand {
    let name = "login"
    let summary = "Log in to a container registry"
    let usage = "[options] [REGISTRY]"
    let flags: [FlagSpec] = [
        .value("username", "u", "string", "Username for registry"),
        .value("password", "p", "string", "Password for registry"),
        .bool("password-stdin", nil, "Take the password from stdin"),
        .bool("get-login", nil, "Return the current login user for the registry"),
        .bool("tls-verify", nil, "Require HTTPS and verify certificates when contacting registries"),
        .value("cert-dir", nil, "Pathname", "Use certificates at the specified path to access the registry"),
        .value("authfile", nil, "string", "Path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override"),
        .bool("verbose", "v", "Write more detailed information to stdout"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count <= 1 else { throw CLIError("login accepts only one registry to log in to") }
        let options = try RegistryFlags.options(args)
        let engine = context.engine()
        let registry = try args.positionals.first ?? engine.defaultRegistry("log in to")
        if args.has("get-login") {
            guard let stored = try engine.storedCredentials(registry, options: options) else {
                throw CLIError("not logged into \(registry)")
            }
            Output.out(stored.username + "\n")
            return 0
        }
        if args.value("password") != nil && args.has("password-stdin") {
            throw CLIError("--password and --password-stdin are mutually exclusive")
        }
        if args.has("password-stdin") && args.value("username") == nil {
            throw CLIError("Must provide --username with --password-stdin")
        }
        // No credentials given but some stored: check those first, as podman does.
        if args.value("username") == nil && args.value("password") == nil && !args.has("password-stdin"),
           let stored = try engine.storedCredentials(registry, options: options) {
            Output.out("Authenticating with existing credentials for \(registry)\n")
            if (try? engine.verify(registry, credentials: stored, options: options)) != nil {
                Output.out("Existing credentials are valid. Already logged in to \(registry)\n")
                return 0
            }
            Output.out("Existing credentials are invalid, please enter valid username and password\n")
        }
        let username = try args.value("username") ?? TerminalPrompt.line("Username: ")
        guard !username.isEmpty else { throw CLIError("username can't be empty") }
        let password: String
        if args.has("password-stdin") {
            password = TerminalPrompt.standardInput()
        } else if let given = args.value("password") {
            password = given
        } else {
            password = try TerminalPrompt.secret("Password: ")
        }
        guard !password.isEmpty else { throw CLIError("password can't be empty") }
        let file = try engine.login(registry, credentials: Credentials(username: username, password: password), options: options)
        if args.has("verbose") { Output.out("Used:  \(file)\n") }
        Output.out("Login Succeeded!\n")
        return 0
    }
}

struct LogoutCommand: CLICommand {
    let name = "logout"
    let summary = "Log out of a container registry"
    let usage = "[options] [REGISTRY]"
    let flags: [FlagSpec] = [
        .bool("all", "a", "Remove the cached credentials for all registries in the auth file"),
        .value("authfile", nil, "string", "Path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let engine = context.engine()
        if args.has("all") {
            guard args.positionals.isEmpty else { throw CLIError("--all takes no arguments") }
            _ = try engine.logout(nil, authFile: args.value("authfile"))
            Output.out("Removed login credentials for all registries\n")
            return 0
        }
        guard args.positionals.count <= 1 else { throw CLIError("logout accepts only one registry to log out from") }
        let registry = try args.positionals.first ?? engine.defaultRegistry("log out from")
        guard try engine.logout(registry, authFile: args.value("authfile")) else {
            if args.value("authfile") == nil, (try? engine.storedCredentials(registry, options: RegistryOptions())) != nil {
                // podman's answer, and its exit code 0: the credentials live in docker's file.
                Output.out("Not logged into \(registry) with current tool. Existing credentials were established via docker login. Please use docker logout instead.\n")
                return 0
            }
            throw CLIError("not logged into \(registry)")
        }
        Output.out("Removed login credentials for \(registry)\n")
        return 0
    }
}
