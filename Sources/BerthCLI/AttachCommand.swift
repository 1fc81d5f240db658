// `berth attach` (and `container attach`): podman's flags into an AttachRequest;
// the container's exit code out, or 0 after a detach (the container runs on).
import BerthEngine

struct AttachCommand: CLICommand {
    let name = "attach"
    let summary = "Attach to a running container"
    let usage = "[options] CONTAINER"
    let flags: [FlagSpec] = [
        .value("detach-keys", nil, "[a-Z]", DetachKeys.flagHelp, default: "ctrl-p,ctrl-q"),
        SelectionFlags.latest,
        .bool("no-stdin", nil, "Do not attach STDIN. The default is false"),
        .bool("sig-proxy", nil, "Proxy received signals to the process (default true)"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        var request = AttachRequest()
        request.latest = args.has("latest")
        if request.latest {
            guard args.positionals.isEmpty else { throw CLIError("--latest and containers cannot be used together") }
        } else {
            guard args.positionals.count == 1 else { throw CLIError("attach requires the name or ID of one container or the --latest flag") }
            request.container = args.positionals[0]
        }
        request.noStdin = args.has("no-stdin")
        request.sigProxy = args.values["sig-proxy"]?.last != "false"
        request.detachKeys = try DetachKeys.parse(args.value("detach-keys"))
        switch try context.engine().attach(request) {
        case .exited(let code): return code
        case .detached: return 0
        }
    }
}
