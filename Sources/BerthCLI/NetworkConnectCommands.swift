// `berth network connect`, `disconnect` and `reload`: a container joins or leaves a
// network (running or not), or has its networks' firewall rules made again.
import BerthEngine
import BerthSystem

struct NetworkConnectCommand: CLICommand {
    let name = "connect"
    let summary = "network connect"
    let usage = "[options] NETWORK CONTAINER"
    let flags: [FlagSpec] = [
        .value("alias", nil, "strings", "network scoped alias for container"),
        .value("ip", nil, "ip", "set a static ipv4 address for this container network"),
        .value("ip6", nil, "ip", "set a static ipv6 address for this container network"),
        .value("mac-address", nil, "string", "set a static mac address for this container network"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count == 2 else { throw CLIError("accepts 2 arg(s), received \(args.positionals.count)") }
        var request = NetworkConnectRequest()
        request.aliases = args.all("alias").flatMap { $0.split(separator: ",").map(String.init) }
        if let ip = args.value("ip") {
            guard let address = IPAddress(ip), address.isIPv4 else {
                throw CLIError("invalid argument \"\(ip)\" for \"--ip\" flag: invalid string being converted to IP address: \(ip)")
            }
            request.ipv4 = address.description
        }
        if let ip = args.value("ip6") {
            guard let address = IPAddress(ip), !address.isIPv4 else {
                throw CLIError("invalid argument \"\(ip)\" for \"--ip6\" flag: invalid string being converted to IP address: \(ip)")
            }
            request.ipv6 = address.description
        }
        request.mac = args.value("mac-address")
        try context.engine().connectNetwork(args.positionals[0], container: args.positionals[1], request: request)
        return 0
    }
}

struct NetworkDisconnectCommand: CLICommand {
    let name = "disconnect"
    let summary = "network rm"
    let usage = "[options] NETWORK CONTAINER"
    let flags: [FlagSpec] = [
        .bool("force", "f", "force removal of container from network"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count == 2 else { throw CLIError("accepts 2 arg(s), received \(args.positionals.count)") }
        try context.engine().disconnectNetwork(args.positionals[0], container: args.positionals[1], force: args.has("force"))
        return 0
    }
}

struct NetworkReloadCommand: CLICommand {
    let name = "reload"
    let summary = "Reload firewall rules for one or more containers"
    let usage = "[options] [CONTAINER...]"
    let flags: [FlagSpec] = [
        .bool("all", "a", "Reload network configuration of all containers"),
        .bool("latest", "l", "Act on the latest container berth is aware of"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        var selection = ContainerSelection(names: args.positionals, latest: args.has("latest"))
        selection.all = args.has("all")
        var status: Int32 = 0
        for (id, error) in try context.engine().reloadNetworks(selection) {
            if let error {
                Output.err("Error: \(error)\n")
                status = ExitCode.engineError
            } else {
                Output.out(id + "\n")
            }
        }
        return status
    }
}
