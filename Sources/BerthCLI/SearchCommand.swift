// `berth search`: repositories of a registry that offers its catalog, or the tags
// of one repository (--list-tags).
import BerthEngine
import BerthTemplate

struct SearchCommand: CLICommand {
    let name = "search"
    let summary = "Search registry for image"
    let usage = "[options] TERM"
    let flags: [FlagSpec] = [
        .value("format", nil, "string", "Change the output format to JSON or a Go template"),
        .value("limit", nil, "int", "Limit the number of results"),
        .bool("list-tags", nil, "List the tags of the input registry"),
        .bool("no-trunc", nil, "Do not truncate the output"),
        .bool("compatible", nil, "List stars, official and automated columns (Docker compatibility)"),
        .value("filter", "f", "filter", "Filter output based on conditions provided (stars=N, is-official=BOOL, is-automated=BOOL)"),
    ] + RegistryFlags.all

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count == 1 else { throw CLIError("search requires exactly one term") }
        var limit: Int?
        if let text = args.value("limit") {
            guard let value = Int(text), value >= 0 else { throw CLIError("invalid argument \"\(text)\" for \"--limit\" flag") }
            limit = value
        }
        let filter = try SearchFilter(args.all("filter"))
        let listTags = args.has("list-tags")
        let results = try context.engine().search(args.positionals[0], limit: limit, listTags: listTags,
                                                 options: try RegistryFlags.options(args))
        if listTags {
            let rows: [TemplateValue] = results.flatMap { result in
                result.tags.map { TemplateValue.structure("images.listEntryTag", [("Name", .string(result.name)), ("Tag", .string($0))]) }
            }
            Output.out(try render(rows, args, columns: [.init(header: "NAME", field: "Name"), .init(header: "TAG", field: "Tag")]) {
                .array(results.map { .structure("entities.ImageSearchReport", [("Name", .string($0.name)), ("Tags", .array($0.tags.map(TemplateValue.string)))]) })
            })
            return 0
        }
        // Catalogs carry no stars, official or automated marks: every entry has 0, false, false.
        let rows: [TemplateValue] = results.filter { _ in filter.admits(stars: 0, official: false, automated: false) }.map {
            .structure("entities.ImageSearchReport", [
                ("Index", .string(String($0.name.split(separator: "/")[0]))), ("Name", .string($0.name)),
                ("Description", .string("")), ("Stars", .int(0)), ("Official", .string("")), ("Automated", .string("")),
                ("Tag", .string("")),
            ])
        }
        var columns: [Report.Column] = [.init(header: "NAME", field: "Name"), .init(header: "DESCRIPTION", field: "Description")]
        if args.has("compatible") {
            columns += [.init(header: "STARS", field: "Stars"), .init(header: "OFFICIAL", field: "Official"),
                        .init(header: "AUTOMATED", field: "Automated")]
        }
        Output.out(try render(rows, args, columns: columns) { .array(rows) })
        return 0
    }

    /// As podman: no results, no output at all (not even the table's header).
    private func render(_ rows: [TemplateValue], _ args: ParsedArguments, columns: [Report.Column],
                        json: () -> TemplateValue) throws -> String {
        if rows.isEmpty && (args.value("format") ?? "").lowercased() != "json" { return "" }
        return try Report.render(rows: rows, format: args.value("format"), name: "search", columns: columns, json: json)
    }
}

/// podman's search filters: stars=N (at least N), is-official and is-automated.
struct SearchFilter {
    var minimumStars = 0
    var official: Bool?
    var automated: Bool?

    init(_ texts: [String]) throws {
        for text in texts {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw CLIError("invalid filter \"\(text)\": use stars=N, is-official=BOOL or is-automated=BOOL") }
            switch parts[0] {
            case "stars":
                guard let stars = Int(parts[1]), stars >= 0 else { throw CLIError("invalid filter \"\(text)\": stars needs a number") }
                minimumStars = stars
            case "is-official", "is-automated":
                guard let value = Bool(parts[1]) else { throw CLIError("invalid filter \"\(text)\": \(parts[0]) needs true or false") }
                if parts[0] == "is-official" { official = value } else { automated = value }
            default:
                throw CLIError("invalid filter \"\(text)\": use stars=N, is-official=BOOL or is-automated=BOOL")
            }
        }
    }

    func admits(stars: Int, official: Bool, automated: Bool) -> Bool {
        stars >= minimumStars && (self.official.map { $0 == official } ?? true) && (self.automated.map { $0 == automated } ?? true)
    }
}
