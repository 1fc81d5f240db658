// What every sub-command declares: its names, usage, flags and a run function that
// parses into options, calls the engine once and renders the result.
import BerthEngine

struct CommandContext {
    var globals: GlobalOptions
    var invocation: [String]

    func engine() -> Engine {
        var options = EngineOptions(root: globals.root, runroot: globals.runroot)
        options.recordsEvents = globals.eventsBackend != "none"
        options.networkConfigDir = globals.networkConfigDir
        options.networkCommandPath = globals.networkCommandPath
        return Engine(options: options)
    }
}

struct GlobalOptions: Sendable {
    var root: String?
    var runroot: String?
    var logLevel = "warn"
    /// `--noout`: standard output goes to /dev/null.
    var silencesStdout = false
    /// `--events-backend`: "file" (the events log) or "none" (no events recorded).
    var eventsBackend = "file"
    /// `--cgroup-manager`: checked by the engine where a container gets its cgroup.
    var cgroupManager: String?
    /// `--network-config-dir`: where the network config files are (podman's).
    var networkConfigDir: String?
    /// `--network-cmd-path`: the pasta or slirp4netns binary (podman's).
    var networkCommandPath: String?

    static let logLevels = ["trace", "debug", "info", "warn", "warning", "error", "fatal", "panic"]

    /// podman's global flags; those that choose a part berth does not swap (runtime,
    /// storage driver) accept berth's own and refuse the rest.
    static let flags: [FlagSpec] = [
        .value("cgroup-manager", nil, "string", "Cgroup manager to use (\"cgroupfs\"|\"systemd\")", default: "cgroupfs"),
        .value("events-backend", nil, "string", "Events backend to use (\"file\"|\"none\")", default: "file"),
        .unsupported("hooks-dir", nil, "strings", "Set the OCI hooks directory path (may be set multiple times)", .hooks),
        .value("log-level", nil, "string", "Log messages above specified level (\(logLevels.joined(separator: ", ")))", default: "warn"),
        .unsupported("namespace", nil, "string", "Set the libpod namespace, used to create separate views of the containers and pods on the system", .libpodNamespaces),
        .value("network-cmd-path", nil, "string", "Path to the command for configuring the network"),
        .value("network-config-dir", nil, "string", "Path of the configuration directory for networks"),
        .bool("noout", nil, "do not output to stdout"),
        .value("root", nil, "string", "Path to the root directory in which data, including images, is stored"),
        .value("runroot", nil, "string", "Path to the 'run directory' where all state information is stored"),
        .value("runtime", nil, "string", "The container runtime: berth runs containers itself", default: "berth"),
        .value("storage-driver", nil, "string", "Select which storage driver is used to manage storage of images and containers (overlay)", default: "overlay"),
        .unsupported("storage-opt", nil, "stringArray", "Used to pass an option to the storage driver", .storage),
        .unsupported("syslog", nil, "", "Output logging information to syslog as well as the console", .syslog),
        .unsupported("tmpdir", nil, "string", "Path to the tmp directory for libpod state content", .tmpdir),
        .unsupported("volumepath", nil, "string", "Path to the volume directory in which volume data is stored", .volumePath),
        .bool("help", "h", "Help for this command"),
    ]

    /// Takes the global flags of one parse, refusing values berth cannot honour.
    mutating func apply(_ parsed: ParsedArguments) throws {
        if let root = parsed.value("root") { self.root = root }
        if let runroot = parsed.value("runroot") { self.runroot = runroot }
        if let level = parsed.value("log-level") {
            guard Self.logLevels.contains(level) else {
                throw CLIError("log level \"\(level)\" is not supported, choose from: \(Self.logLevels.joined(separator: ", "))")
            }
            logLevel = level
        }
        if parsed.has("noout") { silencesStdout = true }
        if let manager = parsed.value("cgroup-manager") { cgroupManager = manager }
        // podman: an empty value means the default (PATH's helper, the store's directory).
        if let dir = parsed.value("network-config-dir") { networkConfigDir = dir.isEmpty ? nil : dir }
        if let path = parsed.value("network-cmd-path") { networkCommandPath = path.isEmpty ? nil : path }
        if let driver = parsed.value("storage-driver"), driver != "overlay" {
            throw CLIError("--storage-driver \(driver) is not supported: berth stores layers with overlay only")
        }
        if let runtime = parsed.value("runtime"), runtime != "berth" {
            throw CLIError("--runtime \(runtime) is not supported: berth starts containers itself, its only runtime is \"berth\"")
        }
        if let backend = parsed.value("events-backend") {
            guard ["file", "journald", "none"].contains(backend) else {
                throw CLIError("invalid events backend \"\(backend)\": use file, journald or none")
            }
            if backend == "journald" {
                throw CLIError("--events-backend journald is not supported: berth runs without a journal daemon; use file")
            }
            eventsBackend = backend
        }
    }
}

protocol CLICommand: Sendable {
    var name: String { get }
    var aliases: [String] { get }
    var summary: String { get }
    var usage: String { get }
    var flags: [FlagSpec] { get }
    /// Rootless commands that write layer files run inside the user namespace.
    var needsUserNamespace: Bool { get }
    var subcommands: [any CLICommand] { get }
    /// Flags after the first positional belong to it (`unshare CMD -x`, later `run IMAGE CMD -x`).
    var stopsAtFirstPositional: Bool { get }
    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32
}

extension CLICommand {
    var aliases: [String] { [] }
    var needsUserNamespace: Bool { false }
    var subcommands: [any CLICommand] { [] }
    var stopsAtFirstPositional: Bool { false }
}

extension GlobalOptions {
    /// How many arguments a global flag before the command takes: 2 for `--root PATH`, 1 for
    /// `--root=PATH`, a bool flag or an unknown one (which the parser then names).
    static func argumentCount(_ arg: String) -> Int {
        guard !arg.contains("="), arg.hasPrefix("--") else { return 1 }
        return flags.first { $0.long == arg.dropFirst(2) }?.takesValue == true ? 2 : 1
    }
}
