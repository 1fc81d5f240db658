// `diff`, `container diff`, `image diff`: what a container's upper dir or an
// image's top layer changed relative to what lies below it, or what separates
// two images or containers (podman's rules, RootfsChanges). Reads only: every
// tree is reached through MergedRootfs or directory fds, never a joined path.
package import BerthImage
import BerthSystem

package struct DiffOptions: Sendable {
    package enum Subject: Sendable { case any, container, image }

    package var first: String
    /// Compared against instead of the parent layer.
    package var second: String?
    package var subject: Subject

    package init(first: String, second: String? = nil, subject: Subject = .any) {
        self.first = first
        self.second = second
        self.subject = subject
    }
}

extension Engine {
    /// Paths podman leaves out of every diff: the files and mount points the engine
    /// itself puts into a container (its `initInodes`).
    static let diffExcludedPaths: Set<String> = [
        "/dev", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/proc", "/run", "/run/notify",
        "/run/.containerenv", "/run/secrets", "/sys", "/etc/mtab",
    ]

    package func diff(_ options: DiffOptions) throws -> [RootfsChanges.Item] {
        let first = try diffObject(options.first, options.subject)
        var changes: [RootfsChanges.Item]
        if let secondName = options.second {
            let second = try diffObject(secondName, options.subject)
            if first.upper == nil, first.layers.count == second.layers.count + 1, Array(first.layers.dropLast()) == second.layers {
                changes = try layerChanges(top: store.layerDiffDir(first.layers.last!), below: second.layers, name: options.first)
            } else if let upper = first.upper, first.layers == second.layers, second.upper == nil {
                changes = try layerChanges(top: upper, below: first.layers, name: options.first)
            } else {
                changes = try withRootfs(directories(first), name: options.first) { new in
                    try withRootfs(directories(second), name: secondName) { old in try RootfsChanges.compare(new, to: old) }
                }
            }
        } else if let upper = first.upper {
            changes = try layerChanges(top: upper, below: first.layers, name: options.first)
        } else if let top = first.layers.last {
            changes = try layerChanges(top: store.layerDiffDir(top), below: Array(first.layers.dropLast()), name: options.first)
        } else {
            changes = []
        }
        changes.removeAll { Self.diffExcludedPaths.contains($0.path) }
        return changes
    }

    /// A container (its upper dir over its image's layers) or an image (its layers).
    private func diffObject(_ name: String, _ subject: DiffOptions.Subject) throws -> (upper: String?, layers: [String]) {
        if subject != .image {
            do {
                let record = try resolveContainer(name)
                return (containerDir(record.id) + "/upper", record.layers)
            } catch ContainerError.notFound where subject == .any {
                // then an image of that name
            } catch ContainerError.notFound {
                throw ImageError.invalidArgument("\(name) not found: container not known")
            }
        }
        do {
            return (nil, try resolveImage(name).layers)
        } catch ImageError.imageNotKnown where subject == .image {
            throw ImageError.invalidArgument("\(name) not found: \(name): image not known")
        } catch ImageError.imageNotKnown {
            throw ImageError.invalidArgument("\(name) not found: layer not known")
        }
    }

    /// The changes the overlay-upper directory `top` makes over the layers `below`.
    private func layerChanges(top: String, below: [String], name: String) throws -> [RootfsChanges.Item] {
        try withRootfs(below.reversed().map { store.layerDiffDir($0) }, name: name) { lower in
            try RootfsChanges.list(upper: top, lower: lower)
        }
    }

    /// The directories of an object's tree, top first.
    private func directories(_ object: (upper: String?, layers: [String])) -> [String] {
        (object.upper.map { [$0] } ?? []) + object.layers.reversed().map { store.layerDiffDir($0) }
    }

    /// The merged view of `directories` (top first); an empty tree when there are
    /// none (the first layer of an image is all additions).
    private func withRootfs<T>(_ directories: [String], name: String, _ body: (MergedRootfs) throws -> T) throws -> T {
        if directories.isEmpty {
            let empty = try store.scratchDirectory(purpose: "diff")
            defer { store.releaseScratchDirectory(empty) }
            return try body(try MergedRootfs(directory: empty, location: name))
        }
        return try body(try MergedRootfs(layers: directories, location: name))
    }
}
