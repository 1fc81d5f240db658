// `berth system df` and `berth system prune`, as podman 4.3 prints them, under the `system` group.
import BerthEngine
import BerthSystem
import BerthTemplate
import FoundationEssentials

struct SystemCommand: CLICommand {
    let name = "system"
    let summary = "Manage berth"
    let usage = "COMMAND"
    let flags: [FlagSpec] = []
    var subcommands: [any CLICommand] { [SystemDiskUsageCommand(), SystemPruneCommand(), SystemResetCommand(), EventsCommand(), InfoCommand()] }

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 { 0 }
}

enum DiskUsageViews {
    /// go-units HumanSize: four significant digits, no space ("3B", "1.024kB").
    static func size(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]
        var value = Double(bytes), unit = 0
        while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
        return GoFloat.format(value, verb: "g", precision: 4) + units[unit]
    }

    static func summary(_ type: String, total: Int, active: Int, size: Int64, reclaimable: Int64) -> TemplateValue {
        let percent = size > 0 ? Int((Double(reclaimable) * 100 / Double(size)).rounded()) : 0
        return .structure("*system.dfSummary", [
            ("Type", .string(type)), ("Total", .int(Int64(total))), ("Active", .int(Int64(active))),
            ("RawSize", .int(size)), ("RawReclaimable", .int(reclaimable)),
            ("Size", .string(Self.size(size))), ("Reclaimable", .string("\(Self.size(reclaimable)) (\(percent)%)")),
        ])
    }

    static func summaries(_ usage: DiskUsage) -> [TemplateValue] {
        let images = usage.images, containers = usage.containers, volumes = usage.volumes
        return [
            summary("Images", total: images.count, active: images.filter { $0.containers > 0 }.count,
                    size: images.reduce(0) { $0 + $1.details.record.size },
                    reclaimable: images.filter { $0.containers == 0 }.reduce(0) { $0 + $1.details.record.size }),
            summary("Containers", total: containers.count, active: containers.filter { $0.details.state.status == .running }.count,
                    size: containers.reduce(0) { $0 + $1.size },
                    reclaimable: containers.filter { $0.details.state.status != .running }.reduce(0) { $0 + $1.size }),
            summary("Local Volumes", total: volumes.count, active: volumes.filter { $0.links > 0 }.count,
                    size: volumes.reduce(0) { $0 + $1.size }, reclaimable: volumes.filter { $0.links == 0 }.reduce(0) { $0 + $1.size }),
        ]
    }

    /// `-v`: the three sections podman prints, each a table.
    static func verbose(_ usage: DiskUsage) -> String {
        var text = "Images space usage:\n\n"
        var rows: [[String]] = []
        for image in usage.images {
            let names: [String?] = image.details.record.names.isEmpty ? [nil] : image.details.record.names
            for name in names {
                let row = ImageViews.row(image.details, name: name, noTrunc: false)
                rows.append([row["Repository"]?.text ?? "<none>", row["Tag"]?.text ?? "<none>", String(image.details.record.id.prefix(12)),
                             row["CreatedSince"]?.text ?? "", size(image.details.record.size), size(0),
                             size(image.details.record.size), String(image.containers)])
            }
        }
        text += TableWriter.render(header: ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS"], rows: rows)
        text += "\nContainers space usage:\n\n"
        rows = usage.containers.map { c in
            [String(c.details.record.id.prefix(12)), c.details.record.imageName, ContainerViews.command(c.details, noTrunc: false),
             String(c.volumes), size(c.size), ImageViews.since(Date(timeIntervalSince1970: c.details.record.created)),
             c.details.state.status.rawValue, c.details.record.name]
        }
        text += TableWriter.render(header: ["CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES"], rows: rows)
        text += "\nLocal Volumes space usage:\n\n"
        rows = usage.volumes.map { [$0.name, String($0.links), size($0.size)] }
        text += TableWriter.render(header: ["VOLUME NAME", "LINKS", "SIZE"], rows: rows)
        return text
    }
}

struct SystemDiskUsageCommand: CLICommand {
    let name = "df"
    let summary = "Show berth disk usage"
    let usage = "[options]"
    // Rootless, containers' and volumes' files belong to subordinate ids: walk them as root of the namespace.
    let needsUserNamespace = true
    let flags: [FlagSpec] = [
        .value("format", nil, "string", "Pretty-print images using a Go template"),
        .bool("verbose", "v", "Show detailed information on disk usage"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let usage = try context.engine().diskUsage()
        if args.has("verbose") {
            if args.value("format") != nil { throw CLIError("cannot combine --format and --verbose flags") }
            Output.out(DiskUsageViews.verbose(usage))
            return 0
        }
        let columns: [Report.Column] = [.init(header: "TYPE", field: "Type"), .init(header: "TOTAL", field: "Total"),
                                         .init(header: "ACTIVE", field: "Active"), .init(header: "SIZE", field: "Size"),
                                         .init(header: "RECLAIMABLE", field: "Reclaimable")]
        let rows = DiskUsageViews.summaries(usage)
        Output.out(try Report.render(rows: rows, format: args.value("format"), name: "df", columns: columns) { .array(rows) })
        return 0
    }
}

struct SystemPruneCommand: CLICommand {
    let name = "prune"
    let summary = "Remove unused data"
    let usage = "[options]"
    let needsUserNamespace = true
    let flags: [FlagSpec] = [
        .bool("all", "a", "Remove all unused data"),
        .value("filter", nil, "stringArray", "Provide filter values (e.g. 'label=<key>=<value>')"),
        .bool("force", "f", "Do not prompt for confirmation.  The default is false"),
        .bool("volumes", nil, "Prune volumes"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        // The filters apply to every kind podman prunes; berth's containers and images take
        // none yet, so only what volumes take (label, until) is accepted, and only with --volumes.
        let filterTexts = args.all("filter")
        if !filterTexts.isEmpty && !args.has("volumes") {
            throw CLIError("--filter is not supported yet without --volumes: \(PendingFeature.pruneFilters.reason)")
        }
        let filters = try VolumeFilters(filterTexts, keys: VolumeFilters.pruneKeys, time: VolumeViews.time)
        if !args.has("force") {
            var question = "WARNING! This command removes:\n\t- all stopped containers\n"
            if args.has("volumes") { question += "\t- all volumes not used by at least one container\n" }
            question += args.has("all") ? "\t- all images without at least one container associated to them\n" : "\t- all dangling images\n"
            question += "\nAre you sure you want to continue? [y/N] "
            guard VolumeViews.confirm(question) else { return 0 }
        }
        let report = try context.engine().pruneSystem(all: args.has("all"), volumes: args.has("volumes"), volumeFilters: filters)
        var text = ""
        if !report.containers.isEmpty { text += "Deleted Containers\n" + report.containers.map { $0 + "\n" }.joined() }
        if !report.volumes.isEmpty { text += "Deleted Volumes\n" + report.volumes.map { $0 + "\n" }.joined() }
        if !report.images.isEmpty { text += "Deleted Images\n" + report.images.map { $0 + "\n" }.joined() }
        Output.out(text + "Total reclaimed space: \(DiskUsageViews.size(report.reclaimed))\n")
        return 0
    }
}

/// `system reset`, as podman 4.3's: its question (with the store's directories) unless -f.
struct SystemResetCommand: CLICommand {
    let name = "reset"
    let summary = "Reset berth storage"
    let usage = "[options]"
    let needsUserNamespace = true
    let flags: [FlagSpec] = [.bool("force", "f", "Do not prompt for confirmation")]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let engine = try context.engine()
        if !args.has("force") {
            let question = "WARNING! This will remove:\n\t- all containers\n\t- all pods\n\t- all images\n\t- all networks\n"
                + "\t- all build cache\n\t- all machines\n\t- all volumes\n"
                + "\t- the graphRoot directory: \"\(engine.paths.root)\"\n\t- the runRoot directory: \"\(engine.paths.runroot)\"\n"
                + "Are you sure you want to continue? [y/N] "
            guard VolumeViews.confirm(question) else { return 0 }
        }
        let problems = try engine.resetSystem()
        for problem in problems { Output.err("Error: \(problem)\n") }
        return problems.isEmpty ? 0 : ExitCode.engineError
    }
}

