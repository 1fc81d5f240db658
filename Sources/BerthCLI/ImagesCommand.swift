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
        .value("filter", "f", "stringArray", "Filter output based on conditions provided (after, since, before, reference, dangling, label, id, readonly, intermediate)"),
        .value("format", nil, "string", "Change the output format to JSON or a Go template"),
        .bool("history", nil, "Display the image name history"),
        .bool("noheading", "n", "Do not print column headings"),
        .bool("no-trunc", nil, "Do not truncate output"),
        .bool("quiet", "q", "Display only image IDs"),
        .value("sort", nil, "string", "Sort by \(ImageSortKey.allCases.map(\.rawValue).joined(separator: ", "))", default: "created"),
    ]

    func run(_ args: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let engine = context.engine()
        let sortText = args.value("sort") ?? "created"
        guard let sortKey = ImageSortKey(rawValue: sortText) else {
            throw CLIError("invalid option for --sort, options are: \(ImageSortKey.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var images = try engine.listImages(filters: args.all("filter").map(ImageFilter.init))
        // podman hides a build's intermediate images unless asked for all.
        if !args.has("all") { images.removeAll { $0.record.isHiddenIntermediate } }
        if let filter = args.positionals.first {
            let wanted = try engine.resolveImage(filter).id
            images = images.filter { $0.record.id == wanted }
        }
        var rows: [(image: ImageDetails, name: String?)] = []
        for image in images {
            let names: [String?] = image.record.names.isEmpty ? [nil] : image.record.names
            rows += names.map { (image, $0) }
        }
        rows = ImageViews.sorted(rows, by: sortKey)
        images = ImageViews.unique(rows.map(\.image))
        let noTrunc = args.has("no-trunc")
        if args.has("quiet") {
            for image in images { Output.out((noTrunc ? "sha256:" + image.record.id : String(image.record.id.prefix(12))) + "\n") }
            return 0
        }
        var columns: [Report.Column] = [.init(header: "REPOSITORY", field: "Repository"), .init(header: "TAG", field: "Tag")]
        if args.has("digests") { columns.append(.init(header: "DIGEST", field: "Digest")) }
        columns += [.init(header: "IMAGE ID", field: "ID"), .init(header: "CREATED", field: "CreatedSince"),
                    .init(header: "SIZE", field: "Size")]
        if args.has("history") { columns.append(.init(header: "HISTORY", field: "History")) }
        let values = rows.map { ImageViews.row($0.image, name: $0.name, noTrunc: noTrunc) }
        Output.out(try Report.render(rows: values, format: args.value("format"), name: "images", columns: columns, noHeading: args.has("noheading")) {
            .array(images.map(ImageViews.json))
        })
        return 0
    }
}
