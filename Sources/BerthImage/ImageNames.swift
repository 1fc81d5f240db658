// Names are unique across the store: giving a name to one image takes it from
// whichever image had it (which may become dangling), as podman does.
package enum ImageNames {
    /// Removes `names` from every image other than `id`. Call under the store lock.
    package static func take(_ names: [String], for id: String, in store: ImageStore) throws {
        guard !names.isEmpty else { return }
        for var other in try store.images() where other.id != id {
            let kept = other.names.filter { !names.contains($0) }
            if kept.count != other.names.count {
                other.names = kept
                try store.writeImage(other)
            }
        }
    }
}
