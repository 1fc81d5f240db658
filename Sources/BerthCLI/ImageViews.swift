// How images look to users and templates: podman's field names for `images`,
// `image inspect` and `history`, built as TemplateValues.
import BerthEngine
import BerthImage
import BerthTemplate
import FoundationEssentials

enum ImageViews {
    static func now() -> Double { Date().timeIntervalSince1970 }

    static func since(_ date: Date) -> String {
        HumanUnits.durationSince(max(0, now() - date.timeIntervalSince1970))
    }

    /// Go's time.Time String form, as podman prints CreatedAt.
    static func goTime(_ date: Date) -> String {
        let text = RFC3339.format(date) // 2026-11-22T21:50:07.62Z
        let parts = text.dropLast().split(separator: "T")
        return "\(parts[0]) \(parts.count > 1 ? parts[1] : "") +0000 UTC"
    }

    static func strings(_ list: [String]) -> TemplateValue { .array(list.map { .string($0) }) }

    static func labels(_ labels: [String: String]?) -> TemplateValue {
        guard let labels else { return .null }
        return .map(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }

    /// One row of `images`: an image under one of its names (or <none>).
    static func row(_ image: ImageDetails, name: String?, noTrunc: Bool) -> TemplateValue {
        let reference = name.flatMap { try? ImageReference.parse($0) }
        let id = noTrunc ? "sha256:" + image.record.id : String(image.record.id.prefix(12))
        let size = HumanUnits.size(image.record.size)
        return .structure("images.imageReporter", [
            ("ID", .string(id)), ("Id", .string(image.record.id)), ("ParentId", .string("")),
            ("RepoTags", strings(image.repoTags)), ("RepoDigests", strings(image.repoDigests)),
            ("Created", .string(since(image.created))), ("CreatedAt", .string(goTime(image.created))),
            ("CreatedSince", .string(since(image.created))), ("CreatedTime", .string(goTime(image.created))),
            ("Size", .string(size)), ("VirtualSize", .string(size)), ("SharedSize", .string("0 B")),
            ("Labels", labels(image.config.config?.Labels)), ("Containers", .int(0)),
            ("ReadOnly", .bool(false)), ("IsReadOnly", .bool(false)), ("Dangling", .bool(image.record.names.isEmpty)),
            ("Names", strings(image.record.names)), ("Digest", .string(image.record.manifestDigest.description)),
            // podman's row joins the names, newest first (its JSON keeps the list).
            ("History", .string(image.record.names.reversed().joined(separator: ", "))),
            ("Repository", .string(reference?.repository ?? "<none>")), ("Tag", .string(reference?.tag ?? "<none>")),
        ])
    }

    /// One element of `images --format json` (podman's shape: one per image).
    static func json(_ image: ImageDetails) -> TemplateValue {
        .structure("entities.ImageSummary", [
            ("Id", .string(image.record.id)), ("ParentId", .string("")), ("RepoTags", .null),
            ("RepoDigests", strings(image.repoDigests)), ("Size", .int(image.record.size)), ("SharedSize", .int(0)),
            ("VirtualSize", .int(image.record.size)), ("Labels", labels(image.config.config?.Labels)),
            ("Containers", .int(0)), ("Names", strings(image.record.names)),
            ("Digest", .string(image.record.manifestDigest.description)), ("History", strings(image.record.names)),
            ("Created", .int(Int64(image.created.timeIntervalSince1970))), ("CreatedAt", .string(RFC3339.format(image.created))),
        ])
    }

    /// The fields of opencontainers' v1.ImageConfig, all tagged omitempty.
    private static let imageConfigType = GoStructType("*v1.ImageConfig", omitEmpty: [
        "User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir", "Labels", "StopSignal", "ArgsEscaped",
    ])

    /// Every field of the Go struct, so that templates read `{{.Config.Env}}` as `[]` on an
    /// image without one, as podman's do; JSON leaves out the empty ones, as podman's does.
    static func containerConfig(_ config: ContainerConfig?) -> TemplateValue {
        let emptySet = { (keys: [String: EmptyObject]?) -> TemplateValue in
            .map((keys ?? [:]).keys.sorted().map { ($0, .structure("struct {}", [])) })
        }
        return .structure(imageConfigType, [
            ("User", .string(config?.User ?? "")), ("ExposedPorts", emptySet(config?.ExposedPorts)),
            ("Env", strings(config?.Env ?? [])), ("Entrypoint", strings(config?.Entrypoint ?? [])),
            ("Cmd", strings(config?.Cmd ?? [])), ("Volumes", emptySet(config?.Volumes)),
            ("WorkingDir", .string(config?.WorkingDir ?? "")), ("Labels", labels(config?.Labels ?? [:])),
            ("StopSignal", .string(config?.StopSignal ?? "")), ("ArgsEscaped", .bool(false)),
        ])
    }

    /// `image inspect`, podman's key order.
    static func inspect(_ image: ImageDetails, graphRoot: String) -> TemplateValue {
        let history: [TemplateValue] = (image.config.history ?? []).map { entry in
            var fields: [(String, TemplateValue)] = []
            if let created = entry.created { fields.append(("created", .string(created))) }
            if let by = entry.created_by { fields.append(("created_by", .string(by))) }
            if let author = entry.author { fields.append(("author", .string(author))) }
            if let comment = entry.comment { fields.append(("comment", .string(comment))) }
            if entry.empty_layer == true { fields.append(("empty_layer", .bool(true))) }
            return .structure("v1.History", fields)
        }
        let top = image.record.layers.last
        // "interface {}": podman runs inspect templates over a []interface{}.
        return .structure("interface {}", [
            ("Id", .string(image.record.id)), ("Digest", .string(image.record.manifestDigest.description)),
            ("RepoTags", strings(image.repoTags)), ("RepoDigests", strings(image.repoDigests)),
            ("Parent", .string("")), ("Comment", .string(image.config.history?.first?.comment ?? "")),
            ("Created", .string(RFC3339.format(image.created))), ("Config", containerConfig(image.config.config)),
            ("Version", .string("")), ("Author", .string(image.config.author ?? "")),
            ("Architecture", .string(image.config.architecture)), ("Os", .string(image.config.os)),
            ("Size", .int(image.record.size)), ("VirtualSize", .int(image.record.size)),
            ("GraphDriver", .structure("*define.DriverData", [
                ("Name", .string("overlay")),
                ("Data", .map([
                    ("LowerDir", .string(image.record.layers.dropLast().reversed().map { graphRoot + "/layers/" + $0 + "/diff" }.joined(separator: ":"))),
                    ("UpperDir", .string(top.map { graphRoot + "/layers/" + $0 + "/diff" } ?? "")),
                ])),
            ])),
            ("RootFS", .structure("*inspect.RootFS", [("Type", .string("layers")), ("Layers", strings(image.layers.map(\.diffID.description)))])),
            ("Labels", labels(image.config.config?.Labels)), ("Annotations", .map([])),
            ("ManifestType", .string(image.record.manifestMediaType)), ("User", .string(image.config.config?.User ?? "")),
            ("History", .array(history)), ("NamesHistory", strings(image.record.names)),
        ] + healthcheck(image.config.config?.Healthcheck))
    }

    /// podman's `Healthcheck` (omitted when the image has none): a built image's HEALTHCHECK.
    private static func healthcheck(_ health: HealthConfig?) -> [(String, TemplateValue)] {
        guard let health else { return [] }
        var fields: [(String, TemplateValue)] = []
        if let test = health.Test { fields.append(("Test", strings(test))) }
        for (name, value) in [("Interval", health.Interval), ("Timeout", health.Timeout), ("StartPeriod", health.StartPeriod),
                              ("StartInterval", health.StartInterval)] {
            if let value, value != 0 { fields.append((name, .int(value))) }
        }
        if let retries = health.Retries, retries != 0 { fields.append(("Retries", .int(Int64(retries)))) }
        return [("Healthcheck", .structure("*manifest.Schema2HealthConfig", fields))]
    }

    static func history(_ row: HistoryRow, noTrunc: Bool, human: Bool) -> TemplateValue {
        let id = noTrunc || row.id == "<missing>" ? row.id : String(row.id.prefix(12))
        var createdBy = row.createdBy
        if !noTrunc && createdBy.count > 45 { createdBy = String(createdBy.prefix(42)) + "..." }
        let created = row.created.map { human ? since($0) : RFC3339.format($0) } ?? ""
        return .structure("images.historyReporter", [
            ("ID", .string(id)), ("Created", .string(created)), ("CreatedSince", .string(created)),
            ("CreatedAt", .string(row.created.map(RFC3339.format) ?? "")), ("CreatedBy", .string(createdBy)),
            ("Size", .string(human ? HumanUnits.size(row.size) : String(row.size))), ("Comment", .string(row.comment)),
            ("Tags", .array([])),
        ])
    }
}

extension ImageViews {
    /// `images --sort`: created newest first, the rest ascending, ties by name.
    static func sorted(_ rows: [(image: ImageDetails, name: String?)], by key: ImageSortKey) -> [(image: ImageDetails, name: String?)] {
        func parts(_ name: String?) -> (String, String) {
            guard let reference = name.flatMap({ try? ImageReference.parse($0) }) else { return ("<none>", "<none>") }
            return (reference.repository, reference.tag ?? "<none>")
        }
        return rows.enumerated().sorted { a, b in
            let (x, y) = (a.element, b.element)
            let (xr, xt) = parts(x.name), (yr, yt) = parts(y.name)
            switch key {
            case .created where x.image.created != y.image.created: return x.image.created > y.image.created
            case .id where x.image.record.id != y.image.record.id: return x.image.record.id < y.image.record.id
            case .size where x.image.record.size != y.image.record.size: return x.image.record.size < y.image.record.size
            case .repository where xr != yr: return xr < yr
            case .tag where xt != yt: return xt < yt
            default: return a.offset < b.offset
            }
        }.map(\.element)
    }

    /// Each image once, in the order of its first row.
    static func unique(_ images: [ImageDetails]) -> [ImageDetails] {
        var seen = Set<String>()
        return images.filter { seen.insert($0.record.id).inserted }
    }
}
