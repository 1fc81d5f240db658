// Finds the image a user means: a full or short ID, `sha256:<id>`, a name with or
// without registry and tag (short names match any registry, localhost first), or
// `name@sha256:<manifest digest>`.
package import BerthImage

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
        guard let reference = try? ImageReference.parse(text) else {
            if text.hasPrefix("sha256:") { return nil }
            _ = try ImageReference.parse(text) // rethrows the format error
            return nil
        }
        let explicitRegistry = text.split(separator: "/").count > 1 && text.split(separator: "/").first.map { ImageReference.isDomain(String($0)) } == true
        if let digest = reference.digest {
            return images.first { image in
                image.manifestDigest == digest && image.names.contains { name in
                    guard let stored = try? ImageReference.parse(name) else { return false }
                    return explicitRegistry ? stored.repository == reference.repository : shortMatch(stored, reference)
                }
            }
        }
        let wanted = reference.description
        if let exact = images.first(where: { $0.names.contains(wanted) }) { return exact }
        if explicitRegistry { return nil }
        // Short name: localhost first (podman's local images), then any registry.
        let shortPath = reference.path.hasPrefix("library/") ? String(reference.path.dropFirst(8)) : reference.path
        let local = "localhost/" + shortPath + ":" + (reference.tag ?? "latest")
        if let hit = images.first(where: { $0.names.contains(local) }) { return hit }
        return images.first { image in
            image.names.contains { name in
                guard let stored = try? ImageReference.parse(name) else { return false }
                return shortMatch(stored, reference) && stored.tag == reference.tag
            }
        }
    }

    /// A short name "foo" or "library/foo" matches ".../foo" in any registry.
    private func shortMatch(_ stored: ImageReference, _ wanted: ImageReference) -> Bool {
        var path = wanted.path
        if path.hasPrefix("library/") { path.removeFirst(8) }
        return stored.path == path || stored.path == "library/" + path || stored.path.hasSuffix("/" + path)
    }
}
