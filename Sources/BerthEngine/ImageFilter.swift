// `images --filter` and `--sort`: podman's image filters (after/since, before,
// reference, dangling, label, id, readonly, intermediate), all of which must hold,
// and its sort keys.
import BerthImage
import BerthSystem
import FoundationEssentials

package struct ImageFilter: Sendable {
    package static let keys = ["after", "since", "before", "reference", "dangling", "label", "id", "readonly", "intermediate"]
    let key: String
    let value: String

    package init(_ text: String) throws {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, Self.keys.contains(parts[0]) else {
            throw ImageError.invalidArgument("invalid image filter \"\(text)\": use \(Self.keys.map { $0 + "=" }.joined(separator: ", "))")
        }
        (key, value) = (parts[0], parts[1])
        if ["dangling", "readonly", "intermediate"].contains(key), value != "true", value != "false" {
            throw ImageError.invalidArgument("invalid image filter \"\(text)\": \(key) takes true or false")
        }
    }

    func matches(_ image: ImageDetails, reference: ImageDetails?) -> Bool {
        switch key {
        case "after", "since": return image.created > reference!.created
        case "before": return image.created < reference!.created
        case "dangling": return image.record.names.isEmpty == (value == "true")
        case "intermediate": return image.record.isHiddenIntermediate == (value == "true")
        // berth stores no read-only images.
        case "readonly": return value == "false"
        case "id": return image.record.id.hasPrefix(value.hasPrefix("sha256:") ? String(value.dropFirst(7)) : value)
        case "label":
            let parts = value.split(separator: "=", maxSplits: 1).map(String.init)
            guard let found = image.config.config?.Labels?[parts[0]] else { return false }
            return parts.count == 1 || found == parts[1]
        default:
            return image.record.names.contains { name in Self.referenceForms(name).contains { ShellPattern.matches(value, $0) } }
        }
    }

    /// What a `reference=` pattern may match: the full name, without its tag, and
    /// both without the registry (`busybox`, `library/busybox:latest` for docker.io).
    static func referenceForms(_ name: String) -> [String] {
        guard let parsed = try? ImageReference.parse(name) else { return [name] }
        var repositories = [parsed.repository]
        if let slash = parsed.repository.firstIndex(of: "/") {
            let path = String(parsed.repository[parsed.repository.index(after: slash)...])
            repositories += [path] + (path.hasPrefix("library/") ? [String(path.dropFirst(8))] : [])
        }
        return repositories.flatMap { repo in [repo] + (parsed.tag.map { [repo + ":" + $0] } ?? []) } + [name]
    }
}

package enum ImageSortKey: String, CaseIterable, Sendable {
    case created, id, repository, size, tag
}

extension Engine {
    /// The images in the store that pass every filter, newest first unless sorted otherwise.
    package func listImages(filters: [ImageFilter]) throws -> [ImageDetails] {
        var references: [String: ImageDetails] = [:]
        for filter in filters where ["after", "since", "before"].contains(filter.key) {
            references[filter.value] = try inspectImage(filter.value)
        }
        return try listImages().filter { image in
            filters.allSatisfy { $0.matches(image, reference: references[$0.value]) }
        }
    }
}
