// `berth network …`: create, ls, inspect, rm, prune and exists, as podman 4.3 has them
// (connect, disconnect and reload in NetworkConnectCommands.swift, views in NetworkViews.swift).
import BerthEngine
import BerthSystem
import BerthTemplate

struct NetworkCommand: CLICommand {
    let name = "network"
    let summary = "Manage networks"
    let usage = "COMMAND"
    let flags: [FlagSpec] = []
    var subcommands: [any CLICommand] {
        [NetworkConnectCommand(), NetworkCreateCommand(), NetworkDisconnectCommand(), NetworkExistsCommand(),
         NetworkInspectCommand(), NetworkListCommand(), NetworkPruneCommand(), NetworkReloadCommand(), NetworkRemoveCommand()]
    }

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 { 0 }
}

struct NetworkCreateCommand: CLICommand {
    let name = "create"
    let summary = "network create"
    let usage = "[options] [NAME]"
    let flags: [FlagSpec] = [
        .bool("disable-dns", nil, "disable dns plugin"),
        .value("driver", "d", "string", "driver to manage the network", default: "bridge"),
        .value("gateway", nil, "ipSlice", "IPv4 or IPv6 gateway for the subnet (default [])"),
        .bool("internal", nil, "restrict external access from this network"),
        .value("ip-range", nil, "stringArray", "allocate container IP from range"),
        .value("ipam-driver", nil, "string", "IP Address Management Driver"),
        .bool("ipv6", nil, "enable IPv6 networking"),
        .value("label", nil, "stringArray", "set metadata on a network"),
        .value("opt", "o", "stringArray", "Set driver specific options (default [])"),
        .value("subnet", nil, "stringArray", "subnets in CIDR format"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count <= 1 else { throw CLIError("accepts at most 1 arg(s), received \(args.positionals.count)") }
        var options = NetworkCreateOptions()
        options.name = args.positionals.first
        options.driver = args.value("driver") ?? "bridge"
        options.subnets = args.all("subnet")
        // ipSlice: commas separate addresses too.
        options.gateways = args.all("gateway").flatMap { $0.split(separator: ",").map(String.init) }
        options.ipRanges = args.all("ip-range")
        options.isInternal = args.has("internal")
        options.disableDNS = args.has("disable-dns")
        options.ipv6 = args.has("ipv6")
        options.labels = try NetworkViews.pairs(args.all("label"), flag: "label")
        options.options = try NetworkViews.pairs(args.all("opt"), flag: "opt")
        options.ipamDriver = args.value("ipam-driver")
        let config = try context.engine().createNetwork(options)
        Output.out(config.name + "\n")
        return 0
    }
}

struct NetworkListCommand: CLICommand {
    let name = "ls"
    var aliases: [String] { ["list"] }
    let summary = "network list"
    let usage = "[options]"
    let flags: [FlagSpec] = [
        .value("filter", "f", "stringArray", "Provide filter values (e.g. 'name=podman')"),
        .value("format", nil, "string", "Pretty-print networks to JSON or using a Go template"),
        .bool("no-trunc", nil, "Do not truncate the network ID"),
        .bool("noheading", nil, "Do not print headers"),
        .bool("quiet", "q", "display only names"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let filters = try NetworkFilters(args.all("filter"), keys: NetworkFilters.listKeys, time: VolumeViews.time)
        let networks = try context.engine().listNetworks(filters)
        if args.has("quiet") {
            Output.out(networks.map { $0.name + "\n" }.joined())
            return 0
        }
        let truncate = !args.has("no-trunc")
        let columns: [Report.Column] = [.init(header: "NETWORK ID", field: "ID"), .init(header: "NAME", field: "Name"),
                                        .init(header: "DRIVER", field: "Driver")]
        if args.value("format")?.lowercased() == "json" {
            // podman's two-space indent for ls.
            Output.out(TemplateValue.array(networks.map(NetworkViews.json)).jsonString(indent: true, indentUnit: "  ") + "\n")
            return 0
        }
        Output.out(try Report.render(rows: networks.map { NetworkViews.row($0, truncate: truncate) }, format: args.value("format"),
                                     name: "list", columns: columns, noHeading: args.has("noheading")) {
            .array(networks.map(NetworkViews.json))
        })
        return 0
    }
}

struct NetworkInspectCommand: CLICommand {
    let name = "inspect"
    let summary = "Inspect network"
    let usage = "[options] NETWORK [NETWORK...]"
    let flags: [FlagSpec] = [
        .value("format", "f", "string", "Pretty-print network to JSON or using a Go template"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard !args.positionals.isEmpty else { throw CLIError("requires at least 1 arg(s), only received 0") }
        let engine = context.engine()
        var networks: [NetworkConfig] = []
        var failures: [String] = []
        for name in args.positionals {
            do {
                networks.append(try engine.network(named: name))
            } catch NetworkError.notFound {
                failures.append(name)
            }
        }
        let format = args.value("format")
        if format == nil || format?.isEmpty == true || format?.lowercased() == "json" {
            Output.out(TemplateValue.array(networks.map(NetworkViews.json)).jsonString(indent: true, indentUnit: "     ") + "\n")
        } else {
            Output.out(try Report.renderInspect(networks.map(NetworkViews.template), format: format))
        }
        guard failures.isEmpty else {
            for name in failures.dropLast() { Output.err("Error: inspecting object: network \(name): \(NetworkError.notFound(name))\n") }
            let last = failures.last ?? ""
            throw CLIError("inspecting object: network \(last): \(NetworkError.notFound(last))")
        }
        return 0
    }
}

struct NetworkRemoveCommand: CLICommand {
    let name = "rm"
    var aliases: [String] { ["remove"] }
    let summary = "network rm"
    let usage = "[options] NETWORK [NETWORK...]"
    let flags: [FlagSpec] = [
        .bool("force", "f", "remove any containers using network"),
        .value("time", "t", "uint", "Seconds to wait for running containers to stop before killing the container", default: "10"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard !args.positionals.isEmpty else { throw CLIError("requires at least 1 arg(s), only received 0") }
        if let time = args.value("time"), UInt(time) == nil {
            throw CLIError("invalid argument \"\(time)\" for \"-t, --time\" flag: strconv.ParseUint: parsing \"\(time)\": invalid syntax")
        }
        let engine = context.engine()
        var status: Int32 = 0
        for name in args.positionals {
            do {
                try engine.removeNetwork(name, force: args.has("force"), stopTimeout: args.value("time").flatMap(Double.init))
                Output.out(name + "\n")
            } catch let error as NetworkError {
                Output.err("Error: \(error)\n")
                // podman: 1 when no such network, 125 otherwise; the worst one wins.
                let code: Int32 = if case .notFound = error { 1 } else { error.exitCode }
                status = status == 0 || status == 1 ? code : status
            }
        }
        return status
    }
}

struct NetworkPruneCommand: CLICommand {
    let name = "prune"
    let summary = "network prune"
    let usage = "[options]"
    let flags: [FlagSpec] = [
        .value("filter", nil, "stringArray", "Provide filter values (e.g. 'label=<key>=<value>')"),
        .bool("force", "f", "do not prompt for confirmation"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let filters = try NetworkFilters(args.all("filter"), keys: NetworkFilters.pruneKeys, time: VolumeViews.time)
        if !args.has("force") {
            let question = "WARNING! This will remove all networks not used by at least one container.\nAre you sure you want to continue? [y/N] "
            guard VolumeViews.confirm(question) else { return 0 }
        }
        for name in try context.engine().pruneNetworks(filters) { Output.out(name + "\n") }
        return 0
    }
}

/// For scripts: exit 0 when the network exists, 1 when it does not.
struct NetworkExistsCommand: CLICommand {
    let name = "exists"
    let summary = "network exists"
    let usage = "NETWORK"
    let flags: [FlagSpec] = []

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count == 1 else { throw CLIError("accepts 1 arg(s), received \(args.positionals.count)") }
        return context.engine().networkExists(args.positionals[0]) ? 0 : 1
    }
}
