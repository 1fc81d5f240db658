// `load` and `save`: images in and out of archives (docker-archive, oci-archive,
// OCI layout directories).
package import BerthImage
import BerthSystem

package struct LoadReport: Sendable {
    /// Names of the loaded image, or `sha256:<id>` for an unnamed one.
    package var loaded: [String]
}

extension Engine {
    /// `path` "-" reads the archive from standard input (copied aside first: the
    /// archive index needs random access).
    /// `selecting`: only the image the archive names so (podman's `oci:DIR:REF`).
    package func load(from path: String, selecting reference: String? = nil) throws -> LoadReport {
        let area = try IngestArea(store: store)
        defer { area.discard() }
        var path = path
        if path == "-" {
            path = area.newPath("stdin")
            try copyStandardInput(to: path)
        } else if !FileSystem.exists(path) {
            throw ImageError.invalidArgument("stat \(path): no such file or directory")
        }
        let contents = try ArchiveLoader.open(path) { area.newPath("archive") }
        var images = try ArchiveLoader.images(in: contents)
        if let reference {
            let normalized = try? ImageReference.parse(reference)
            images = images.filter { image in
                image.archiveRefs.contains(reference) || normalized.map { image.names.contains($0) } ?? false
            }
            guard !images.isEmpty else {
                throw ImageError.imageNotKnown("\(reference) in \(path)")
            }
        }
        let writer = ImageWriter(store: store)
        var loaded: [String] = []
        for image in images {
            let record = try writer.write(image)
            let names = image.names.map(\.description)
            loaded += names.isEmpty ? ["sha256:" + record.id] : names
        }
        recordEvent(.image("loadfromarchive", name: path))
        return LoadReport(loaded: loaded)
    }

    /// `pull docker-archive:PATH` and friends: a load, reported as the images' IDs.
    package func loadImageIDs(from path: String, selecting reference: String?) throws -> [String] {
        var ids: [String] = []
        for name in try load(from: path, selecting: reference).loaded {
            let id = try resolveImage(name).id
            if !ids.contains(id) { ids.append(id) }
        }
        return ids
    }

    /// `push IMAGE docker-archive:PATH:REF` and friends: a save that names the image REF.
    package func save(_ source: String, as reference: String?, format: ArchiveFormat, to output: String) throws {
        let image = try resolveImage(source)
        let names = try reference.map { [try ImageReference.parse($0).description] } ?? matchingName(source, in: image).map { [$0] } ?? image.names
        try ArchiveSaver(store: store).save([SaveItem(image: image, names: names)], format: format, to: output)
        recordEvent(.image("save", id: image.id, name: output))
    }

    /// `output` nil: the archive streams to standard output (podman's `save` into a pipe).
    package func save(_ names: [String], format: ArchiveFormat, to output: String?) throws {
        guard !names.isEmpty else { throw ImageError.invalidArgument("save requires at least one image") }
        var items: [SaveItem] = []
        for name in names {
            let image = try resolveImage(name)
            // Saved by name: record that name; by ID: every name the image has.
            let recorded = matchingName(name, in: image).map { [$0] } ?? image.names
            if let index = items.firstIndex(where: { $0.image.id == image.id }) {
                for name in recorded where !items[index].names.contains(name) { items[index].names.append(name) }
            } else {
                items.append(SaveItem(image: image, names: recorded))
            }
        }
        if let output {
            try ArchiveSaver(store: store).save(items, format: format, to: output)
        } else {
            try ArchiveSaver(store: store).save(items, format: format, streamingTo: FileDescriptor.duplicate(1), name: "standard output")
        }
        recordEvents(items.map { .image("save", id: $0.image.id, name: output ?? "") })
    }
}
