// `berth logs`: what containers wrote, from their k8s-file logs (ContainerLogs.swift),
// printed as podman prints it: stdout lines on stdout, stderr lines on stderr,
// with several containers each line led by the container's ID (or name with -n).
import BerthEngine
import BerthSystem

struct LogsCommand: CLICommand {
    let name = "logs"
    let summary = "Fetch the logs of one or more containers"
    let usage = "[options] CONTAINER [CONTAINER...]"
    let flags: [FlagSpec] = [
        .bool("color", nil, "Output the containers with different colors in the log."),
        .bool("follow", "f", "Follow log output.  The default is false"),
        SelectionFlags.latest,
        .bool("names", "n", "Output the container name in the log"),
        .value("since", nil, "string", "Show logs since TIMESTAMP"),
        .value("tail", nil, "int", "Output the specified number of LINES at the end of the logs.  Defaults to -1, which prints all lines", default: "-1"),
        .bool("timestamps", "t", "Output the timestamps in the log"),
        .value("until", nil, "string", "Show logs until TIMESTAMP"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        var options = LogsOptions(containers: args.positionals)
        options.follow = args.has("follow")
        options.tail = try args.value("tail").flatMap { text in
            guard let count = Int(text) else {
                throw CLIError("invalid argument \"\(text)\" for \"--tail\" flag: strconv.ParseInt: parsing \"\(text)\": invalid syntax")
            }
            return count < 0 ? nil : count
        }
        options.since = try args.value("since").map { try LogsCommand.time($0, flag: "since") }
        options.until = try args.value("until").map { try LogsCommand.time($0, flag: "until") }
        let engine = context.engine()
        if args.has("latest") {
            guard args.positionals.isEmpty else { throw CLIError("--latest and containers cannot be used together") }
            options.containers = [try engine.latestContainer().id]
        } else if args.positionals.isEmpty {
            throw CLIError("specify at least one container name or ID to log")
        }
        let several = options.containers.count > 1, names = args.has("names"), timestamps = args.has("timestamps")
        var out: [UInt8] = [], err: [UInt8] = []
        let colors = args.has("color") ? LogsCommand.colors(for: options.containers, engine) : [:]
        try engine.streamLogs(options, emit: { line in
            var text: [UInt8] = []
            let color = colors[line.container.id]
            if let color { text += Array(color.utf8) }
            if several { text += Array((names ? line.container.name : String(line.container.id.prefix(12))).utf8) + [0x20] }
            if timestamps { text += Array(LogsCommand.displayTime(line.timeText).utf8) + [0x20] }
            text += line.content
            if color != nil { text += Array(LogsCommand.resetColor.utf8) }
            if line.isComplete { text.append(0x0A) }
            if line.isStderr { err += text } else { out += text }
        }, flush: {
            if !out.isEmpty { StandardStreams.write(StandardStreams.output, bytes: out); out = [] }
            if !err.isEmpty { StandardStreams.write(StandardStreams.error, bytes: err); err = [] }
        })
        return 0
    }

    /// --color: each container's lines in one of six ANSI colors, by the order the
    /// containers were named (red, green, yellow, blue, magenta, cyan, then again).
    static func colors(for names: [String], _ engine: Engine) -> [String: String] {
        var colors: [String: String] = [:]
        for (index, name) in names.enumerated() {
            guard let id = try? engine.resolveContainer(name).id, colors[id] == nil else { continue }
            colors[id] = "\u{1B}[\(31 + index % 6)m"
        }
        return colors
    }

    static let resetColor = "\u{1B}[0m"

    /// podman's --since/--until: an RFC 3339 time, a duration before now ("10m"),
    /// or seconds since the epoch.
    static func time(_ text: String, flag: String) throws -> Double {
        if let seconds = RFC3339.seconds(text) { return seconds }
        if let epoch = Double(text) { return epoch }
        if let ago = GoDuration.seconds(text, bareUnit: 1), ago >= 0 { return Stopwatch.wallClock() - ago }
        throw CLIError("invalid --\(flag) \"\(text)\": use an RFC 3339 time (2006-01-02T15:04:05Z), a duration (10m) or seconds since the epoch")
    }

    /// Go's RFC3339Nano: the fraction without trailing zeros.
    static func displayTime(_ text: Substring) -> String {
        guard let dot = text.firstIndex(of: "."),
              let zone = text[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" }) else { return String(text) }
        var fraction = text[text.index(after: dot)..<zone]
        while fraction.last == "0" { fraction = fraction.dropLast() }
        return text[..<dot] + (fraction.isEmpty ? "" : "." + fraction) + text[zone...]
    }
}
