// `berth exec`: podman's flags into ExecOptions; the command's exit code out
// (126/127 when it cannot be run, 125 for berth's own failures).
import BerthEngine

struct ExecCommand: CLICommand {
    let name = "exec"
    let summary = "Run a process in a running container"
    let usage = "[options] CONTAINER [COMMAND [ARG...]]"
    let stopsAtFirstPositional = true
    let flags: [FlagSpec] = [
        .bool("detach", "d", "Run the exec session in detached mode (backgrounded)"),
        .value("detach-keys", nil, "string", "Select the key sequence for detaching a container. Format is a single character [a-Z] or ctrl-<value> where <value> is one of: a-z, @, ^, [, , or _", default: "ctrl-p,ctrl-q"),
        .value("env", "e", "stringArray", "Set environment variables"),
        .value("env-file", nil, "strings", "Read in a file of environment variables"),
        .bool("interactive", "i", "Keep STDIN open even if not attached"),
        SelectionFlags.latest,
        .value("preserve-fds", nil, "uint", "Pass N additional file descriptors to the container"),
        .bool("privileged", nil, "Give the process extended Linux capabilities inside the container.  The default is false"),
        .bool("tty", "t", "Allocate a pseudo-TTY. The default is false"),
        .value("user", "u", "string", "Sets the username or UID used and optionally the groupname or GID for the specified command"),
        .value("workdir", "w", "string", "Working directory inside the container"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        var options = ExecOptions()
        var rest = args.positionals
        options.latest = args.has("latest")
        if !options.latest {
            guard !rest.isEmpty else { throw CLIError("exec requires the name or ID of a container or the --latest flag") }
            options.container = rest.removeFirst()
        }
        options.command = rest
        options.interactive = args.has("interactive")
        options.tty = args.has("tty")
        options.detach = args.has("detach")
        options.user = args.value("user")
        options.env = args.all("env")
        options.envFiles = args.all("env-file").flatMap { $0.split(separator: ",").map(String.init) }
        options.workingDir = args.value("workdir")
        options.privileged = args.has("privileged")
        options.preserveFDs = try ContainerFlags.preservedFDs(args)
        options.detachKeys = try DetachKeys.parse(args.value("detach-keys"))
        switch try context.engine().exec(options) {
        case .exited(let code): return code
        case .detached(let session):
            Output.out(session + "\n")
            return 0
        }
    }
}
