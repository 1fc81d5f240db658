// `berth volume …`: create, ls, inspect, rm, prune and exists, as podman 4.3 has them
// (transfer and mount verbs in VolumeTransferCommands.swift, views in VolumeViews.swift).
import BerthEngine
import BerthSystem
import BerthTemplate

struct VolumeCommand: CLICommand {
    let name = "volume"
    let summary = "Manage volumes"
    let usage = "COMMAND"
    let flags: [FlagSpec] = []
    var subcommands: [any CLICommand] {
        [VolumeCreateCommand(), VolumeListCommand(), VolumeInspectCommand(), VolumeRemoveCommand(), VolumePruneCommand(),
         VolumeExistsCommand(), VolumeExportCommand(), VolumeImportCommand(), VolumeMountCommand(), VolumeUnmountCommand()]
    }

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 { 0 }
}

struct VolumeCreateCommand: CLICommand {
    let name = "create"
    let summary = "Create a new volume"
    let usage = "[options] [NAME]"
    // uid=/gid= owners are subordinate ids outside: the chown happens in the user namespace.
    let needsUserNamespace = true
    let flags: [FlagSpec] = [
        .value("driver", nil, "string", "Specify volume driver name", default: "local"),
        .bool("ignore", nil, "Don't fail if volume already exists"),
        .value("label", "l", "strings", "Set metadata for a volume (default [])"),
        .value("opt", "o", "stringArray", "Set driver specific options (default [])"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count <= 1 else { throw CLIError("accepts at most 1 arg(s), received \(args.positionals.count)") }
        let record = try context.engine().createVolume(
            name: args.positionals.first, driver: args.value("driver") ?? "local", labels: try VolumeViews.pairs(args.all("label"), flag: "label"),
            options: try VolumeViews.pairs(args.all("opt"), flag: "opt"), anonymous: false, ignoreIfExists: args.has("ignore"))
        Output.out(record.name + "\n")
        return 0
    }
}

struct VolumeListCommand: CLICommand {
    let name = "ls"
    var aliases: [String] { ["list"] }
    let summary = "List volumes"
    let usage = "[options]"
    let flags: [FlagSpec] = [
        .value("filter", "f", "strings", "Filter volume output"),
        .value("format", nil, "string", "Format volume output using Go template", default: "{{range .}}{{.Driver}}\\t{{.Name}}\\n{{end -}}"),
        .bool("noheading", nil, "Do not print headers"),
        .bool("quiet", "q", "Print volume output in quiet mode"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let filterTexts = args.all("filter").flatMap(VolumeViews.splitFilter)
        let filters = try VolumeFilters(filterTexts, keys: VolumeFilters.listKeys, time: VolumeViews.time)
        // The plain listing needs names only (the driver is always local): no record is read.
        if filterTexts.isEmpty && (args.has("quiet") || (args.value("format") ?? "").isEmpty) {
            let names = try context.engine().volumeNames()
            if args.has("quiet") {
                Output.out(names.map { $0 + "\n" }.joined())
            } else if !names.isEmpty {
                Output.out(TableWriter.render(header: args.has("noheading") ? [] : ["DRIVER", "VOLUME NAME"], rows: names.map { ["local", $0] }))
            }
            return 0
        }
        let volumes = try context.engine().volumeDetails().filter(filters.matches)
        if args.has("quiet") {
            Output.out(volumes.map { $0.record.name + "\n" }.joined())
            return 0
        }
        // podman prints no header over an empty table.
        if volumes.isEmpty && (args.value("format") ?? "").isEmpty { return 0 }
        if args.value("format")?.lowercased() == "json" {
            // podman's key order and two-space indent.
            Output.out(TemplateValue.array(volumes.map(VolumeViews.json)).jsonString(indent: true, indentUnit: "  ") + "\n")
            return 0
        }
        let columns: [Report.Column] = [.init(header: "DRIVER", field: "Driver"), .init(header: "VOLUME NAME", field: "Name")]
        Output.out(try Report.render(rows: volumes.map(VolumeViews.row), format: args.value("format"), name: "list", columns: columns,
                                     noHeading: args.has("noheading")) {
            .array(volumes.map(VolumeViews.json))
        })
        return 0
    }
}

struct VolumeInspectCommand: CLICommand {
    let name = "inspect"
    let summary = "Display detailed information on one or more volumes"
    let usage = "[options] VOLUME [VOLUME...]"
    let flags: [FlagSpec] = [
        .bool("all", "a", "Inspect all volumes"),
        .value("format", "f", "string", "Format volume output using Go template", default: "json"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let engine = context.engine()
        if args.has("all") && !args.positionals.isEmpty { throw CLIError("provide one or more volume names or use --all") }
        guard args.has("all") || !args.positionals.isEmpty else { throw CLIError("provide one or more volume names or use --all") }
        var volumes: [VolumeDetails] = []
        var failures: [String] = []
        if args.has("all") {
            volumes = try engine.volumeDetails()
        } else {
            for name in args.positionals {
                do {
                    volumes.append(try engine.volumeDetails(named: name))
                } catch VolumeError.notFound {
                    failures.append(name)
                }
            }
        }
        let format = args.value("format")
        if format == nil || format?.isEmpty == true || format?.lowercased() == "json" {
            Output.out(TemplateValue.array(volumes.map(VolumeViews.json)).jsonString(indent: true, indentUnit: "     ") + "\n")
        } else {
            Output.out(try Report.renderInspect(volumes.map(VolumeViews.inspect), format: format))
        }
        guard failures.isEmpty else {
            for name in failures.dropLast() { Output.err("Error: inspecting object: no such volume \(name)\n") }
            throw CLIError("inspecting object: no such volume \(failures.last ?? "")")
        }
        return 0
    }
}

struct VolumeRemoveCommand: CLICommand {
    let name = "rm"
    var aliases: [String] { ["remove"] }
    let summary = "Remove one or more volumes"
    let usage = "[options] VOLUME [VOLUME...]"
    let needsUserNamespace = true
    let flags: [FlagSpec] = [
        .bool("all", "a", "Remove all volumes"),
        .bool("force", "f", "Remove a volume by force, even if it is being used by a container"),
        .value("time", "t", "uint", "Seconds to wait for running containers to stop before killing the container", default: "10"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.has("all") != !args.positionals.isEmpty else { throw CLIError("choose either one or more volumes or all") }
        if let time = args.value("time"), UInt(time) == nil {
            throw CLIError("invalid argument \"\(time)\" for \"-t, --time\" flag: strconv.ParseUint: parsing \"\(time)\": invalid syntax")
        }
        let engine = context.engine()
        let names = args.has("all") ? try engine.volumes().map(\.name) : args.positionals
        var status: Int32 = 0
        for name in names {
            do {
                try engine.removeVolume(name, force: args.has("force"), stopTimeout: args.value("time").flatMap(Double.init))
                Output.out(name + "\n")
            } catch let error as VolumeError {
                Output.err("Error: \(error)\n")
                // podman: 1 for no such volume, 2 for one in use, 125 otherwise; the worst one wins.
                let code: Int32 = if case .notFound = error { 1 } else { error.exitCode }
                status = status == 0 || status == 1 ? code : status
            }
        }
        return status
    }
}

struct VolumePruneCommand: CLICommand {
    let name = "prune"
    let summary = "Remove all unused volumes"
    let usage = "[options]"
    let needsUserNamespace = true
    let flags: [FlagSpec] = [
        .value("filter", nil, "stringArray", "Provide filter values (e.g. 'label=<key>=<value>')"),
        .bool("force", "f", "Do not prompt for confirmation"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let filters = try VolumeFilters(args.all("filter"), keys: VolumeFilters.pruneKeys, time: VolumeViews.time)
        if !args.has("force") {
            let question = "WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:\n"
            let engine = context.engine()
            let doomed = try engine.volumeDetails().filter { $0.users.isEmpty && filters.matches($0) }.map(\.record.name)
            guard VolumeViews.confirm(question + doomed.map { $0 + "\n" }.joined() + "Are you sure you want to continue? [y/N] ") else { return 0 }
        }
        for name in try context.engine().pruneVolumes(filters) { Output.out(name + "\n") }
        return 0
    }
}

/// For scripts: exit 0 when the volume exists, 1 when it does not.
struct VolumeExistsCommand: CLICommand {
    let name = "exists"
    let summary = "Volume exists"
    let usage = "VOLUME"
    let flags: [FlagSpec] = []

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count == 1 else { throw CLIError("accepts 1 arg(s), received \(args.positionals.count)") }
        return context.engine().volumeExists(args.positionals[0]) ? 0 : 1
    }
}
