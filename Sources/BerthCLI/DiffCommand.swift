// `berth diff`, `container diff`, `image diff`: the paths a container or image
// added (A), changed (C) or deleted (D), as podman lists them.
import BerthEngine
import BerthImage
import BerthTemplate

struct DiffCommand: CLICommand {
    var name = "diff"
    var summary = "Display the changes to the object's file system"
    var usage = "[options] {CONTAINER|IMAGE} [{CONTAINER|IMAGE}]"
    var subject = DiffOptions.Subject.any
    /// Rootless, an upper dir holds the container's own (subordinate-owned) directories.
    let needsUserNamespace = true

    var flags: [FlagSpec] {
        var flags: [FlagSpec] = [.value("format", nil, "string", "Change the output format (json)")]
        if subject != .image { flags.append(SelectionFlags.latest) }
        return flags
    }

    static let container = DiffCommand(summary: "Inspect changes to the container's file systems",
                                       usage: "[options] CONTAINER [CONTAINER]", subject: .container)
    static let image = DiffCommand(summary: "Inspect changes to the image's file systems",
                                   usage: "[options] IMAGE [IMAGE]", subject: .image)

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        if let format = args.value("format"), format != "json" {
            throw CLIError("only supported value for '--format' is 'json'")
        }
        let engine = context.engine()
        var names = args.positionals
        if args.has("latest") {
            guard names.count <= 1 else { throw CLIError("--latest and containers cannot be used together") }
            names.insert(try engine.latestContainer().id, at: 0)
        }
        guard let first = names.first else {
            throw CLIError("\"berth \(subject == .any ? "" : subject == .image ? "image " : "container ")diff\" requires a name, id, or the \"--latest\" flag")
        }
        guard names.count <= 2 else { throw CLIError("accepts at most 2 arg(s), received \(names.count)") }
        let changes = try engine.diff(DiffOptions(first: first, second: names.count > 1 ? names[1] : nil, subject: subject))
        if args.value("format") == "json" {
            // podman's struct, in its field order; an empty list is left out.
            var fields: [(String, TemplateValue)] = []
            for (key, kind) in [("changed", RootfsChanges.Change.changed), ("added", .added), ("deleted", .deleted)] {
                let paths = changes.filter { $0.kind == kind }.map { TemplateValue.string($0.path) }
                if !paths.isEmpty { fields.append((key, .array(paths))) }
            }
            Output.out(TemplateValue.structure("ChangesReportJSON", fields).jsonString(indent: true, indentUnit: "     ") + "\n")
        } else {
            Output.out(changes.map { "\($0.kind.rawValue) \($0.path)\n" }.joined())
        }
        return 0
    }
}
