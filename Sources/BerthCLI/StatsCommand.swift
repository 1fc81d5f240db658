// `stats`: podman 4.3's columns, `--format` (json, table, Go templates) and streaming,
// over the engine's readings of each container's cgroup.
import BerthEngine
import BerthSystem
import BerthTemplate

struct StatsCommand: CLICommand {
    let name = "stats"
    let summary = "Display a live stream of container resource usage statistics"
    let usage = "[options] [CONTAINER...]"
    let flags: [FlagSpec] = [
        .bool("all", "a", "Show all containers. Only running containers are shown by default"),
        .value("format", nil, "string", "Pretty-print container statistics to JSON or using a Go template"),
        .value("interval", "i", "int", "Time in seconds between stats reports", default: "5"),
        SelectionFlags.latest,
        .bool("no-reset", nil, "Disable resetting the screen between intervals"),
        .bool("no-trunc", nil, "Do not truncate output"),
        .bool("no-stream", nil, "Disable streaming stats and only pull the first result, default setting is false"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let intervalText = args.value("interval") ?? "5"
        guard let interval = Int(intervalText) else { throw CLIError("invalid argument \"\(intervalText)\" for \"-i, --interval\" flag: strconv.ParseInt: parsing \"\(intervalText)\": invalid syntax") }
        guard interval > 0 else { throw CLIError("stats requires an interval greater than 0") }
        let latest = args.has("latest")
        if latest && !args.positionals.isEmpty { throw CLIError("--latest and containers cannot be used together") }
        if latest && args.has("all") { throw CLIError("--all and --latest cannot be used together") }
        let format = args.value("format")
        // Parsed once up front: a bad template fails before anything is read.
        if let format { _ = try StatsViews.render([], format: format) }
        let engine = context.engine()
        let stream = !args.has("no-stream")
        // podman clears the screen before each streamed report unless told not to or given a format.
        let reset = stream && !args.has("no-reset") && (format ?? "").isEmpty
        var previous: [String: ContainerStatsSample] = [:]
        // Streaming ends at SIGINT or SIGTERM, also when started with them ignored (a
        // background job's SIGINT is): recorded by the handler, checked between reports.
        if stream { SignalForwarder.start(forwardingTo: 0) }
        let watch = ContainerStatsWatch(engine, names: args.positionals, all: args.has("all"), latest: latest)
        while true {
            let samples = try watch.sample()
            let rows = samples.map { StatsViews.Row(sample: $0, cpuPercent: $0.cpuPercent(since: previous[$0.id]), fullID: args.has("no-trunc")) }
            let text = try StatsViews.render(rows, format: format)
            Output.out((reset ? "\u{1B}[2J\u{1B}[1;1H" : "") + text)
            guard stream else { return 0 }
            previous = Dictionary(samples.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            let next = Stopwatch.seconds() + Double(interval)
            while Stopwatch.seconds() < next {
                if SignalForwarder.received != 0 { return 128 + SignalForwarder.received }
                Stopwatch.sleep(max(0, min(0.1, next - Stopwatch.seconds())))
            }
            if SignalForwarder.received != 0 { return 128 + SignalForwarder.received }
        }
    }
}

/// How one container's reading looks: podman's containerStats methods and JSON.
enum StatsViews {
    struct Row {
        var sample: ContainerStatsSample
        var cpuPercent: Double
        /// --no-trunc: the whole ID, not its first 12 characters.
        var fullID = false

        var id: String { fullID ? sample.id : String(sample.id.prefix(12)) }
    }

    static let columns: [Report.Column] = [
        .init(header: "ID", field: "ID"), .init(header: "NAME", field: "Name"), .init(header: "CPU %", field: "CPUPerc"),
        .init(header: "MEM USAGE / LIMIT", field: "MemUsage"), .init(header: "MEM %", field: "MemPerc"),
        .init(header: "NET IO", field: "NetIO"), .init(header: "BLOCK IO", field: "BlockIO"), .init(header: "PIDS", field: "PIDS"),
        .init(header: "CPU TIME", field: "UpTime"), .init(header: "AVG CPU %", field: "AVGCPU"),
    ]

    /// Header titles of podman's stats template fields (others: their words in capitals).
    static let headers: [String: String] = Dictionary(
        (columns + [.init(header: "MEM USAGE / LIMIT", field: "MemUsageBytes")]).map { ($0.field, $0.header) },
        uniquingKeysWith: { a, _ in a })

    static func render(_ rows: [Row], format: String?) throws -> String {
        let values = rows.map(template)
        if let format, !format.isEmpty {
            let option: FormatOption
            do { option = try FormatOption.parse(format, name: "stats") } catch { throw CLIError("\(error)") }
            if case .json = option {
                // podman indents its stats JSON by one space.
                return TemplateValue.array(rows.map(json)).jsonString(indent: true, indentUnit: " ") + "\n"
            }
            if case .table(let template?) = option {
                do {
                    return try TableWriter.renderTemplateTable(template: template, headers: headers, rows: values)
                } catch {
                    throw CLIError("\(error)")
                }
            }
        }
        return try Report.render(rows: values, format: format, name: "stats", columns: columns) { .array(rows.map(json)) }
    }

    /// podman's floatToPercentString.
    static func percent(_ value: Double) -> String { GoFloat.format(value, verb: "f", precision: 2) + "%" }

    /// go-units HumanSize (decimal units, 4 significant digits, no space), a pair as podman joins it.
    static func humanPair(_ a: UInt64, _ b: UInt64) -> String {
        if a == 0 && b == 0 { return "0B / 0B" }
        return scaled(a, base: 1000, units: ["B", "kB", "MB", "GB", "TB", "PB", "EB"]) + " / "
            + scaled(b, base: 1000, units: ["B", "kB", "MB", "GB", "TB", "PB", "EB"])
    }

    /// go-units BytesSize (binary units) for MemUsageBytes.
    static func bytesPair(_ a: UInt64, _ b: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        return scaled(a, base: 1024, units: units) + " / " + scaled(b, base: 1024, units: units)
    }

    static func scaled(_ bytes: UInt64, base: Double, units: [String]) -> String {
        var value = Double(bytes), unit = 0
        while value >= base, unit < units.count - 1 {
            value /= base
            unit += 1
        }
        return GoFloat.format(value, verb: "g", precision: 4) + units[unit]
    }

    static func cpuTime(_ s: ContainerStatsSample) -> String { GoDurationText.string(Double(s.cpuNanos) / 1e9) }

    static func template(_ row: Row) -> TemplateValue {
        let s = row.sample
        return .structure("containers.containerStats", [
            ("ID", .string(row.id)), ("ContainerID", .string(s.id)), ("Name", .string(s.name)),
            ("CPUPerc", .string(percent(row.cpuPercent))), ("AVGCPU", .string(percent(s.averageCPUPercent))),
            ("MemUsage", .string(humanPair(s.memoryUsage, s.memoryLimit))),
            ("MemUsageBytes", .string(bytesPair(s.memoryUsage, s.memoryLimit))),
            ("MemPerc", .string(percent(s.memoryPercent))), ("NetIO", .string(humanPair(s.netInput, s.netOutput))),
            ("BlockIO", .string(humanPair(s.blockInput, s.blockOutput))), ("PIDS", .string(String(s.pids))),
            ("UpTime", .string(cpuTime(s))), ("Up", .string(cpuTime(s))),
            // define.ContainerStats' own fields, for templates that name them.
            ("AvgCPU", .double(s.averageCPUPercent)), ("CPU", .double(row.cpuPercent)),
            ("CPUNano", .int(Int64(clamping: s.cpuNanos))), ("CPUSystemNano", .int(0)), ("SystemNano", .int(Int64(clamping: s.systemNanos))),
            ("MemLimit", .int(Int64(clamping: s.memoryLimit))), ("NetInput", .int(Int64(clamping: s.netInput))),
            ("NetOutput", .int(Int64(clamping: s.netOutput))), ("BlockInput", .int(Int64(clamping: s.blockInput))),
            ("BlockOutput", .int(Int64(clamping: s.blockOutput))), ("PIDs", .int(Int64(clamping: s.pids))),
            ("Duration", .int(Int64(clamping: s.cpuNanos))), ("PerCPU", .null),
        ])
    }

    /// podman's `stats --format json`: strings as the table shows them.
    static func json(_ row: Row) -> TemplateValue {
        let s = row.sample
        return .structure("containers.jsonOut", [
            ("id", .string(row.id)), ("name", .string(s.name)), ("cpu_time", .string(cpuTime(s))),
            ("cpu_percent", .string(percent(row.cpuPercent))), ("avg_cpu", .string(percent(s.averageCPUPercent))),
            ("mem_usage", .string(humanPair(s.memoryUsage, s.memoryLimit))), ("mem_percent", .string(percent(s.memoryPercent))),
            ("net_io", .string(humanPair(s.netInput, s.netOutput))), ("block_io", .string(humanPair(s.blockInput, s.blockOutput))),
            ("pids", .string(String(s.pids))),
        ])
    }
}
