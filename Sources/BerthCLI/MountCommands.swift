// `mount` and `unmount` (`umount`, `container mount|umount|unmount`): the merged
// rootfs path of each container, or the list of mounted ones, as podman prints them.
import BerthEngine
import BerthTemplate

struct MountCommand: CLICommand {
    let name = "mount"
    let summary = "Mount a working container's root filesystem"
    let usage = "[options] [CONTAINER...]"
    let needsUserNamespace = false
    let flags: [FlagSpec] = [
        .bool("all", "a", "Mount all containers"),
        .value("format", nil, "string", "Print the mounted containers in specified format (json)"),
        SelectionFlags.latest,
        .bool("no-trunc", nil, "Do not truncate output"),
        // podman's older spelling, still accepted by it.
        .bool("notruncate", nil, "Do not truncate output"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let engine = context.engine()
        if let format = args.value("format"), format != "json" {
            throw CLIError("unknown --format argument: \"\(format)\"")
        }
        var names = args.positionals
        if args.has("all") { names = try engine.listContainers().map(\.record.id) }
        if args.has("latest") { names = [try engine.latestContainer().id] }
        guard !names.isEmpty else { return try list(engine, args) }
        var failed = false
        for name in names {
            do {
                Output.out(try engine.mountContainer(name).path + "\n")
            } catch {
                Output.err("Error: \(error)\n")
                failed = true
            }
        }
        return failed ? 125 : 0
    }

    /// No container named: what is mounted, `ID  PATH` a line (or podman's JSON).
    private func list(_ engine: Engine, _ args: ParsedArguments) throws -> Int32 {
        let mounted = try engine.mountedContainers()
        if args.value("format") == "json" {
            let items = mounted.map { m in
                TemplateValue.structure("mount.jsonMountPoint", [("id", .string(m.record.id)), ("Names", .array([.string(m.record.name)])), ("mountpoint", .string(m.path))])
            }
            Output.out(TemplateValue.array(items).jsonString(indent: true, indentUnit: " ") + "\n")
            return 0
        }
        for m in mounted {
            Output.out((args.has("no-trunc") || args.has("notruncate") ? m.record.id : String(m.record.id.prefix(12))) + "  " + m.path + "\n")
        }
        return 0
    }
}

struct UnmountCommand: CLICommand {
    let name: String
    var aliases: [String] { name == "unmount" ? ["umount"] : [] }
    let summary = "Unmount working container's root filesystem"
    let usage = "[options] CONTAINER [CONTAINER...]"
    let flags: [FlagSpec] = [
        .bool("all", "a", "Unmount all of the currently mounted containers"),
        .bool("force", "f", "Force the complete unmount of the specified mounted containers"),
        SelectionFlags.latest,
    ]

    init(name: String = "unmount") { self.name = name }

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let engine = context.engine()
        var names = args.positionals
        if args.has("all") { names = try engine.mountedContainers().map(\.record.id) }
        if args.has("latest") { names = [try engine.latestContainer().id] }
        if names.isEmpty && !args.has("all") { throw CLIError("when not using the --all, --latest flag you must specify at least one container") }
        var failed = false
        for name in names {
            do {
                // --all unmounts each completely, as podman's does.
                try engine.unmountContainer(name, force: args.has("force") || args.has("all"))
                Output.out(name + "\n")
            } catch {
                Output.err("Error: \(error)\n")
                failed = true
            }
        }
        return failed ? 125 : 0
    }
}
