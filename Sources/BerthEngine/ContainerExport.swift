// `export` and `cp CONTAINER:PATH -`: a container's files as a tar stream, read
// through MergedRootfs (its upper dir over its image's layers, every path
// resolved beneath its root), so it works alike on running and stopped
// containers and nothing the container plants can make berth read a host file.
package import BerthSystem
import BerthImage

extension Engine {
    /// The whole merged tree of `container` as a tar on `fd` (`path` names it in errors).
    package func exportContainer(_ container: String, to fd: FileDescriptor, path: String) throws {
        let record = try resolveContainer(container)
        let tree = try containerTree(record)
        let writer = TarWriter(fd: fd, path: path)
        try ContainerArchive(tree: tree, writer: writer).add("/", as: "")
        try writer.finish()
    }

    /// The merged view of a container's files: its upper dir over its image's layers.
    func containerTree(_ record: ContainerRecord) throws -> MergedRootfs {
        let lower = record.layers.reversed().map { store.layerDiffDir($0) }
        for dir in lower where !FileSystem.isDirectory(dir) {
            throw ContainerError.invalid("container \(record.name): image layer \(dir) is missing (was the image removed?)")
        }
        return try MergedRootfs(layers: [containerDir(record.id) + "/upper"] + lower, location: "container \(record.name)")
    }
}

/// Writes entries of a MergedRootfs into a tar with their owners, modes and
/// times as the container sees them; files linked more than once become tar
/// hard links to the first name written.
struct ContainerArchive {
    let tree: MergedRootfs
    let writer: TarWriter

    /// Adds the entry at the resolved container path `start` and everything
    /// beneath it, renamed so that `start` reads `name` ("" for the root itself,
    /// which is left out, as podman's export does).
    func add(_ start: String, as name: String, followFinal: Bool = false) throws {
        var firstNames: [String: String] = [:]
        var base: String?
        try tree.walk(start, followFinal: followFinal) { entry in
            // A followed final symlink reports its target's path: names below
            // are taken relative to whatever the walk actually started at.
            let top = base ?? entry.path
            base = top
            let rest = entry.path == top ? "" : String(entry.path.dropFirst(top == "/" ? 1 : top.count + 1))
            let entryName = name.isEmpty ? rest : (rest.isEmpty ? name : name + "/" + rest)
            if !entryName.isEmpty { try write(entry, as: entryName, firstNames: &firstNames) }
            return true
        }
    }

    private func write(_ entry: RootfsEntry, as name: String, firstNames: inout [String: String]) throws {
        let owner = (uid: entry.uid, gid: entry.gid)
        let mtime = entry.modifiedSeconds
        switch entry.kind {
        case .directory:
            try writer.entry(name + "/", typeflag: UInt8(ascii: "5"), mode: entry.permissions, owner: owner, mtime: mtime)
        case .symlink:
            let target = try tree.readLink(entry.path) ?? ""
            try writer.entry(name, typeflag: UInt8(ascii: "2"), mode: entry.permissions, owner: owner, mtime: mtime, linkName: target)
        case .regular:
            let key = "\(entry.layer):\(entry.inode)"
            if entry.linkCount > 1, let first = firstNames[key] {
                try writer.entry(name, typeflag: UInt8(ascii: "1"), mode: entry.permissions, owner: owner, mtime: mtime, linkName: first)
                return
            }
            if entry.linkCount > 1 { firstNames[key] = name }
            // Opened by its resolved path: a swap meanwhile still resolves inside the root.
            guard let file = try tree.openFile(entry.path) else { return }
            try writer.entry(name, typeflag: UInt8(ascii: "0"), mode: entry.permissions, owner: owner, mtime: mtime, size: file.entry.size)
            try writer.data(size: file.entry.size, from: file.fd, path: entry.path)
        case .characterDevice, .blockDevice:
            let device = (major: UInt32((entry.device >> 8) & 0xfff), minor: UInt32((entry.device & 0xff) | ((entry.device >> 12) & 0xfff00)))
            try writer.entry(name, typeflag: UInt8(ascii: entry.kind == .characterDevice ? "3" : "4"), mode: entry.permissions,
                             owner: owner, mtime: mtime, device: device)
        case .fifo:
            try writer.entry(name, typeflag: UInt8(ascii: "6"), mode: entry.permissions, owner: owner, mtime: mtime)
        case .socket:
            return   // tar has no sockets; podman's export leaves them out too
        }
    }
}
