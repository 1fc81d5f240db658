// `berth search`: repositories of a registry that offers its catalog, or the tags
// of one repository (--list-tags).
import BerthEngine

struct SearchCommand: CLICommand {
    let name = "search"
    let summary = "Search registry for image"
    let usage = "[options] TERM"
    let flags: [FlagSpec] = [
        .value("format", nil, "string", "Change the output format to JSON or a Go template"),
        .value("limit", nil, "int", "Limit the number of results"),
        .bool("list-tags", nil, "List the tags of the input registry"),
        .bool("no-trunc", nil, "Do not truncate the output"),
        .value("filter", "f", "filter", "Filter output based on conditions provided (accepted, not supported by catalog searches)"),
    ] + RegistryFlags.all

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        guard args.positionals.count == 1 else { throw CLIError("search requires exactly one term") }
        var limit: Int?
        if let text = args.value("limit") {
            guard let value = Int(text), value >= 0 else { throw CLIError("invalid argument \"\(text)\" for \"--limit\" flag") }
            limit = value
        }
        if !args.all("filter").isEmpty { throw CLIError("--filter is not supported: registries' catalogs carry no stars or official marks") }
        let listTags = args.has("list-tags")
        let results = try context.engine().search(args.positionals[0], limit: limit, listTags: listTags,
                                                 options: try RegistryFlags.options(args))
        if listTags {
            let rows: [TemplateValue] = results.flatMap { result in
                result.tags.map { TemplateValue.object([("Name", .string(result.name)), ("Tag", .string($0))]) }
            }
            Output.out(try Report.render(rows: rows, format: args.value("format"),
                                         columns: [.init(header: "NAME", field: "Name"), .init(header: "TAG", field: "Tag")]) {
                .array(results.map { .object([("Name", .string($0.name)), ("Tags", .array($0.tags.map(TemplateValue.string)))]) })
            })
            return 0
        }
        let rows: [TemplateValue] = results.map {
            .object([("Index", .string(String($0.name.split(separator: "/")[0]))), ("Name", .string($0.name)),
                     ("Description", .string("")), ("Stars", .int(0)), ("Official", .string("")), ("Automated", .string(""))])
        }
        Output.out(try Report.render(rows: rows, format: args.value("format"),
                                     columns: [.init(header: "NAME", field: "Name"), .init(header: "DESCRIPTION", field: "Description")]) {
            .array(rows)
        })
        return 0
    }
}
