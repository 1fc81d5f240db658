// Finds the image a user means: a full or short ID, `sha256:<id>`, a name with or
// without registry and tag (short names match any registry, localhost first), or
// `name@sha256:<manifest digest>`.
package import BerthImage

/// How a user's text names images: the parsed reference and the names it may mean,
/// best first.
struct NameQuery {
    let reference: ImageReference
    let hasRegistry: Bool

    init(_ text: String) throws {
        reference = try ImageReference.parse(text)
        let parts = text.split(separator: "/")
        hasRegistry = parts.count > 1 && ImageReference.isDomain(String(parts[0]))
    }

    /// 0 for the exact normalized name, 1 for localhost/NAME, 2 for the same
    /// path in another registry; nil when `stored` is not meant.
    func rank(_ stored: String) -> Int? {
        guard let candidate = try? ImageReference.parse(stored) else { return nil }
        if let digest = reference.digest {
            guard candidate.digest == nil || candidate.digest == digest else { return nil }
            return (hasRegistry ? candidate.repository == reference.repository : pathMatches(candidate)) ? 0 : nil
        }
        if candidate == reference { return 0 }
        guard !hasRegistry, candidate.tag == reference.tag, pathMatches(candidate) else { return nil }
        return candidate.domain == "localhost" ? 1 : 2
    }

    /// A short name "foo" or "library/foo" matches ".../foo" in any registry.
    private func pathMatches(_ candidate: ImageReference) -> Bool {
        let path = reference.path.hasPrefix("library/") ? String(reference.path.dropFirst(8)) : reference.path
        return candidate.path == path || candidate.path == "library/" + path || candidate.path.hasSuffix("/" + path)
    }
}

extension Engine {
    package func resolveImage(_ text: String) throws -> ImageRecord {
        let images = try store.images()
        if let match = try match(text, in: images) { return match }
        throw ImageError.imageNotKnown(text)
    }

    func match(_ text: String, in images: [ImageRecord]) throws -> ImageRecord? {
        var idText = text
        if idText.hasPrefix("sha256:") { idText.removeFirst(7) }
        if idText.count >= 3, idText.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) {
            let hits = images.filter { $0.id.hasPrefix(idText) }
            if hits.count == 1 { return hits[0] }
            if hits.count > 1 { throw ImageError.conflict("\(text): ambiguous image ID prefix, \(hits.count) images match") }
        }
        if text.hasPrefix("sha256:") { return nil }
        let query = try NameQuery(text)
        var best: (rank: Int, image: ImageRecord)?
        for image in images {
            if let digest = query.reference.digest, image.manifestDigest != digest { continue }
            guard let rank = image.names.compactMap(query.rank).min() else { continue }
            if best == nil || rank < best!.rank { best = (rank, image) }
        }
        return best?.image
    }

    /// The name of `image` that `text` means, if `text` names it rather than its ID.
    func matchingName(_ text: String, in image: ImageRecord) -> String? {
        guard let query = try? NameQuery(text) else { return nil }
        return image.names.compactMap { name in query.rank(name).map { (name, $0) } }.min { $0.1 < $1.1 }?.0
    }
}
