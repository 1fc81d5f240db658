// Listing and naming images: `images`, `tag`, `untag`, `inspect`, `history`.
package import BerthImage
import BerthSystem
package import FoundationEssentials

/// What `images` and `image inspect` show about one image.
package struct ImageDetails: Sendable {
    package var record: ImageRecord
    package var config: ImageConfig
    package var configBytes: [UInt8]
    package var layers: [LayerRecord]
    package var created: Date

    /// The names that carry a tag: a name pulled by digest is a RepoDigest, not a tag.
    package var repoTags: [String] {
        record.names.filter { !$0.contains("@") }
    }

    package var repoDigests: [String] {
        var seen: [String] = []
        for name in record.names {
            guard let reference = try? ImageReference.parse(name) else { continue }
            for manifest in [record.manifestDigest] + (record.otherDigests ?? []) {
                let digest = reference.repository + "@" + manifest.description
                if !seen.contains(digest) { seen.append(digest) }
            }
        }
        return seen
    }
}

package struct HistoryRow: Sendable {
    package var id: String
    package var created: Date?
    package var createdBy: String
    package var size: Int64
    package var comment: String
}

extension Engine {
    package func details(_ record: ImageRecord) throws -> ImageDetails {
        let bytes = try store.configBytes(of: record)
        let config = try JSONCoding.decode(ImageConfig.self, from: bytes, location: "config of image \(record.id.prefix(12))")
        var layers: [LayerRecord] = []
        for chainID in record.layers { layers.append(try store.layer(chainID)) }
        let created = record.created.flatMap(RFC3339.parse) ?? Date(timeIntervalSince1970: record.stored)
        return ImageDetails(record: record, config: config, configBytes: bytes, layers: layers, created: created)
    }

    package func listImages() throws -> [ImageDetails] {
        try store.images().map { try details($0) }.sorted { $0.created > $1.created }
    }

    package func inspectImage(_ name: String) throws -> ImageDetails {
        try details(resolveImage(name))
    }

    package func tag(_ source: String, as targets: [String]) throws {
        let names = try targets.map { try ImageReference.parse($0, defaultDomain: .localhost).description }
        try store.withLock { () throws in
            var image = try resolveImage(source)
            try ImageNames.take(names, for: image.id, in: store)
            for name in names where !image.names.contains(name) { image.names.append(name) }
            try store.writeImage(image)
            recordEvents(names.map { .image("tag", id: image.id, name: $0) })
        }
    }

    /// Removes `names` from the image, or every name when none is given.
    package func untag(_ source: String, names: [String]) throws {
        try store.withLock { () throws in
            var image = try resolveImage(source)
            let before = image.names
            if names.isEmpty {
                image.names = []
            } else {
                for text in names {
                    let name = try ImageReference.parse(text, defaultDomain: .localhost).description
                    let hub = try ImageReference.parse(text).description
                    guard let index = image.names.firstIndex(where: { $0 == name || $0 == hub }) else {
                        throw ImageError.invalidArgument("\(text): tag not known")
                    }
                    image.names.remove(at: index)
                }
            }
            try store.writeImage(image)
            recordEvents(before.filter { !image.names.contains($0) }.map { .image("untag", id: image.id, name: $0) })
        }
    }

    package func history(_ name: String) throws -> [HistoryRow] {
        let image = try details(resolveImage(name))
        let entries = image.config.history ?? []
        var layerIndex = image.layers.count - 1
        var rows: [HistoryRow] = []
        // Newest first; layer-making entries map to layers from the top down.
        for (position, entry) in entries.enumerated().reversed() {
            var size: Int64 = 0
            if entry.empty_layer != true, layerIndex >= 0 {
                size = image.layers[layerIndex].size
                layerIndex -= 1
            }
            let isTop = position == entries.count - 1
            rows.append(HistoryRow(id: isTop ? image.record.id : "<missing>", created: entry.created.flatMap(RFC3339.parse),
                                   createdBy: entry.created_by ?? "", size: size, comment: entry.comment ?? ""))
        }
        if rows.isEmpty {
            rows.append(HistoryRow(id: image.record.id, created: image.created, createdBy: "", size: image.record.size, comment: ""))
        }
        return rows
    }
}
