// `berth images` / `berth image ls`: the images in the store, one row per name.
import BerthEngine
import BerthTemplate

struct ImagesCommand: CLICommand {
    let name = "images"
    var aliases: [String] { ["ls", "list"] }
    let summary = "List images in local storage"
    let usage = "[options] [IMAGE]"
    let flags: [FlagSpec] = [
        .bool("all", "a", "Show all images (default hides intermediate images)"),
        .bool("digests", nil, "Show digests"),
        .value("format", nil, "string", "Change the output format to JSON or a Go template"),
        .bool("noheading", "n", "Do not print column headings"),
        .bool("no-trunc", nil, "Do not truncate output"),
        .bool("quiet", "q", "Display only image IDs"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let engine = context.engine()
        var images = try engine.listImages()
        if let filter = args.positionals.first {
            let wanted = try engine.resolveImage(filter).id
            images = images.filter { $0.record.id == wanted }
        }
        let noTrunc = args.has("no-trunc")
        if args.has("quiet") {
            var seen = Set<String>()
            for image in images where seen.insert(image.record.id).inserted {
                Output.out((noTrunc ? "sha256:" + image.record.id : String(image.record.id.prefix(12))) + "\n")
            }
            return 0
        }
        var rows: [TemplateValue] = []
        for image in images {
            let names: [String?] = image.record.names.isEmpty ? [nil] : image.record.names
            rows += names.map { ImageViews.row(image, name: $0, noTrunc: noTrunc) }
        }
        var columns: [Report.Column] = [.init(header: "REPOSITORY", field: "Repository"), .init(header: "TAG", field: "Tag")]
        if args.has("digests") { columns.append(.init(header: "DIGEST", field: "Digest")) }
        columns += [.init(header: "IMAGE ID", field: "ID"), .init(header: "CREATED", field: "CreatedSince"),
                    .init(header: "SIZE", field: "Size")]
        Output.out(try Report.render(rows: rows, format: args.value("format"), name: "images", columns: columns, noHeading: args.has("noheading")) {
            .array(images.map(ImageViews.json))
        })
        return 0
    }
}
