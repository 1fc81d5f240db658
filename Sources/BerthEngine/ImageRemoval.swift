// `rmi` and `image prune`: removing names and images, then every layer and blob
// no remaining image uses. Done under the store lock so a concurrent load never
// loses a layer it is about to reference (it re-checks under the same lock).
import BerthImage
import BerthSystem

package struct RemovalReport {
    package var untagged: [String] = []
    package var deleted: [String] = []
    package var errors: [any Error] = []

    /// podman's rmi exit code: 1 when every failure is an unknown image, 2 when an
    /// image is in use, else 125.
    package var exitCode: Int32 {
        if errors.isEmpty { return 0 }
        if errors.allSatisfy(RemovalReport.isNotKnown) { return 1 }
        if errors.contains(where: { if case ImageError.imageInUse = $0 { return true }; return false }) { return 2 }
        return ExitCode.engineError
    }

    package static func isNotKnown(_ error: any Error) -> Bool {
        if case ImageError.imageNotKnown = error { return true }
        return false
    }
}

extension Engine {
    /// rmi --force: the containers using the images go first, and not under the
    /// store lock: a --rm container's parent removes it taking the container's lock
    /// and then the store's, so waiting for that with the store lock held would
    /// wait forever. A failure here is reported by the locked pass that follows.
    private func removeContainersUsing(_ targets: [String]) {
        let used = store.imagesUsedByContainers()
        for text in targets {
            guard let image = try? resolveImage(text) else { continue }
            for container in used[image.id] ?? [] { try? removeContainer(container.id, force: true) }
        }
    }

    /// Removes images as podman's rmi: a name given removes that name, and the
    /// image when it was its last name; an ID removes the image (all its names
    /// only with `force`).
    package func removeImages(_ names: [String], force: Bool, all: Bool) throws -> RemovalReport {
        var report = RemovalReport()
        if force { removeContainersUsing(all ? ((try? store.images().map(\.id)) ?? []) : names) }
        try store.withLock { () throws in
            let targets = all ? try store.images().map(\.id) : names
            let used = store.imagesUsedByContainers()
            for text in targets {
                do {
                    var image = try resolveImage(text)
                    let byID = all || image.id.hasPrefix(text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text)
                    if let containers = used[image.id] {
                        guard force else { throw ImageError.imageInUse(image: text, containers: containers.map(\.name)) }
                        // podman's --force: the containers using the image go with it.
                        for container in containers { try removeContainer(container.id, force: true, lockHeld: true) }
                    }
                    if !byID, image.names.count > 1, let name = matchingName(text, in: image) {
                        image.names.removeAll { $0 == name }
                        try store.writeImage(image)
                        report.untagged.append(name)
                        recordEvent(.image("untag", id: image.id, name: name))
                        continue
                    }
                    // --all means every name of every image, as podman's rmi -a.
                    if byID && !all && image.names.count > 1 && !force {
                        throw ImageError.conflict("unable to delete image \"\(image.id)\" by ID with more than one tag (\(image.names)): please force removal")
                    }
                    report.untagged += image.names
                    let names = image.names
                    if BuildCache(store: store).references(image.id) {
                        // A build step's result: the user sees it deleted, the cache keeps it hidden.
                        image.names = []
                        image.isIntermediate = true
                        try store.writeImage(image)
                    } else {
                        try FileSystem.unlinkIfPresent(store.imagePath(image.id))
                    }
                    report.deleted.append(image.id)
                    recordEvents(names.map { .image("untag", id: image.id, name: $0) } + [.image("remove", id: image.id)])
                } catch {
                    report.errors.append(error)
                }
            }
            try collectGarbage()
        }
        return report
    }

    /// Removes dangling images (no names), or with `all` every image no container uses.
    package func pruneImages(all: Bool) throws -> [String] {
        var removed: [String] = []
        try store.withLock { () throws in
            let used = store.imagesUsedByContainers()
            for image in try store.images() where used[image.id] == nil && (all || image.names.isEmpty) {
                try FileSystem.unlinkIfPresent(store.imagePath(image.id))
                removed.append(image.id)
            }
            try collectGarbage()
        }
        return removed
    }

    /// Deletes layers and blobs that no image record refers to. Call under the lock.
    private func collectGarbage() throws {
        var liveLayers = Set<String>()
        var liveBlobs = Set<String>()
        for image in try store.images() {
            liveLayers.formUnion(image.layers)
            liveBlobs.insert(image.manifestDigest.hex)
            liveBlobs.insert(image.configDigest.hex)
            if let manifest = try? store.manifest(of: image) {
                for layer in manifest.layers { liveBlobs.insert(layer.digest.hex) }
            }
            for chainID in image.layers {
                if let layer = try? store.layer(chainID) { liveBlobs.insert(layer.blob.hex) }
                if let digest = store.gzipBlob(ofLayer: chainID) { liveBlobs.insert(digest.hex) }
            }
        }
        for name in try FileSystem.list(store.layersDir) where !name.hasPrefix(".") && !liveLayers.contains(name) {
            // layer.json goes first: a half-removed layer then reads as absent.
            try FileSystem.unlinkIfPresent(store.layerDir(name) + "/layer.json")
            try FileSystem.removeTree(store.layerDir(name))
        }
        for name in try FileSystem.list(store.blobsDir) where !name.hasPrefix(".") && !liveBlobs.contains(name) {
            try FileSystem.unlinkIfPresent(store.blobsDir + "/" + name)
        }
        VerifiedBlobCache(store: store).removeAll()
        // Build-cache records of images removed here are misses now: drop them.
        _ = try BuildCache(store: store).sweep()
    }
}
