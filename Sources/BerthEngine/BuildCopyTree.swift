// Carries out one COPY/ADD's selections: where each lands (docker's rules: a
// directory's contents are copied, a destination ending in `/` or naming an
// existing directory receives a file by name, `--parents` keeps the source's
// path), with which owner, mode and mtime, and hardlinks kept within the copy.
import BerthBuild
import BerthImage
import Glibc

struct TreeCopier {
    let request: CopyRequest
    let reader: CopySourceReader
    let writer: RootfsWriter
    let owner: CopyOwner?
    let mode: UInt32?
    let destination: (path: String, isDirectory: Bool)
    /// Regular files with several links already written: (device, inode) → path.
    private var written: [LinkKey: String] = [:]

    struct LinkKey: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    init(request: CopyRequest, reader: CopySourceReader, writer: RootfsWriter, owner: CopyOwner?, mode: UInt32?,
         destination: (path: String, isDirectory: Bool)) {
        self.request = request
        self.reader = reader
        self.writer = writer
        self.owner = owner
        self.mode = mode
        self.destination = destination
    }

    static func join(_ base: String, _ relative: String) -> String {
        if relative.isEmpty { return base }
        return base == "/" ? "/" + relative : base + "/" + relative
    }

    /// Whether the canonical `path` is a directory in the image or already in this layer.
    private func isDirectory(_ path: String) throws -> Bool {
        if writer.holdsDirectory(path) { return true }
        return try writer.imageEntry(path)?.kind == .directory
    }

    /// Where a single file called `name` lands.
    private func fileTarget(name: String, parentsPath: String) throws -> String {
        if request.parents { return Self.join(destination.path, parentsPath) }
        if destination.isDirectory { return Self.join(destination.path, name) }
        let canonical = try writer.resolve(destination.path, followFinal: true)
        return try isDirectory(canonical) ? Self.join(canonical, name) : destination.path
    }

    mutating func copy(_ selection: CopySelection) throws {
        guard let item = try reader.rootfs.item(selection.path, followFinal: true) else {
            throw ContainerError.invalid("checking on sources under \"\(reader.rootName)\": copier: stat: \"\(selection.path)\": no such file or directory")
        }
        if item.entry.kind == .directory {
            let target = request.parents ? Self.join(destination.path, selection.parentsPath) : destination.path
            let canonical = try writer.resolve(target, followFinal: true)
            // A new destination is made as a new parent is (0755, --chown's owner):
            // podman does not give it the source directory's mode.
            if try !isDirectory(canonical) { _ = try writer.directoryDescriptor(canonical) }
            try copyContents(of: item, into: canonical)
            return
        }
        if request.isAdd, item.entry.kind == .regular, try CopyArchive.isArchive(item, name: selection.name) {
            let target = request.parents
                ? Self.join(destination.path, String(selection.parentsPath.split(separator: "/").dropLast().joined(separator: "/")))
                : destination.path
            try CopyArchive.extract(item, into: try writer.resolve(target, followFinal: true), writer: writer,
                                    location: "\(request.instruction) \(selection.argument)")
            return
        }
        let target = try fileTarget(name: selection.name, parentsPath: selection.parentsPath)
        try write(item, at: try writer.resolve(target, followFinal: true))
    }

    /// Everything below the directory `item`, each entry's place resolved in the
    /// image (an image's `/lib -> usr/lib` is followed, not replaced). Below a
    /// directory the image does not have, nothing can be in the way: those
    /// places are joined without a lookup (COPY . /app of many files).
    private mutating func copyContents(of item: MergedRootfs.Item, into base: String) throws {
        var copier = self
        let baseIsNew = try writer.imageEntry(base) == nil
        var directories: [String: (path: String, isNew: Bool)] = ["": (base, baseIsNew)]
        try reader.walkContents(of: item) { child, relative, isPassThrough in
            let isDirectory = child.entry.kind == .directory
            let parentRelative = relative.split(separator: "/").dropLast().joined(separator: "/")
            let parent = directories[parentRelative] ?? (Self.join(base, parentRelative), false)
            let joined = Self.join(parent.path, child.entry.name)
            let target = parent.isNew ? joined : try writer.resolve(joined, followFinal: isDirectory)
            if isDirectory {
                let isNew = try parent.isNew || writer.imageEntry(target) == nil
                directories[relative] = (target, isNew)
            }
            if isPassThrough { return }
            try copier.write(child, at: target)
        }
        written = copier.written
    }

    /// Writes one source entry at the canonical `path`.
    private mutating func write(_ item: MergedRootfs.Item, at path: String) throws {
        let metadata = metadata(of: item)
        let entry = item.entry
        switch entry.kind {
        case .regular:
            let key = LinkKey(device: UInt64(item.status.st_dev), inode: entry.inode)
            if entry.linkCount > 1, let first = written[key] {
                try writer.write(.hardlink(to: first), at: path, metadata: metadata)
                return
            }
            try writer.write(.file(try item.openForReading()), at: path, metadata: metadata)
            if entry.linkCount > 1 { written[key] = path }
        case .directory:
            try writer.write(.directory, at: path, metadata: metadata)
        case .symlink:
            try writer.write(.symlink(target: try item.linkTarget()), at: path, metadata: metadata)
        case .fifo:
            try writer.write(.fifo, at: path, metadata: metadata)
        case .characterDevice, .blockDevice:
            try writer.write(.device(isCharacter: entry.kind == .characterDevice, rdev: entry.device), at: path, metadata: metadata)
        case .socket:
            return // a socket cannot be copied; docker leaves them out too
        }
    }

    /// Owner: `--chown`, else 0:0 for the context (docker's rule) or the source's
    /// own for another stage or image. Mode: `--chmod`, else the source's.
    private func metadata(of item: MergedRootfs.Item) -> RootfsWriter.Metadata {
        let entry = item.entry
        let uid = owner?.uid ?? (reader.isContext ? 0 : entry.uid)
        let gid = owner?.gid ?? (reader.isContext ? 0 : entry.gid)
        return RootfsWriter.Metadata(
            permissions: entry.kind == .symlink ? entry.permissions : (mode ?? entry.permissions),
            uid: uid, gid: gid,
            modifiedSeconds: entry.modifiedSeconds, modifiedNanoseconds: entry.modifiedNanoseconds,
            xattrs: item.extendedAttributes())
    }

    /// A heredoc source: a file with its (already expanded) content.
    mutating func copy(_ heredoc: Heredoc) throws {
        let target = try fileTarget(name: heredoc.name, parentsPath: heredoc.name)
        let now = RootfsWriter.now()
        let metadata = RootfsWriter.Metadata(permissions: mode ?? 0o644, uid: owner?.uid ?? 0, gid: owner?.gid ?? 0,
                                             modifiedSeconds: now.seconds, modifiedNanoseconds: now.nanoseconds)
        try writer.write(.stream(MemoryStream(Array(heredoc.content.utf8))),
                         at: try writer.resolve(target, followFinal: true), metadata: metadata)
    }

    /// ADD of a URL: the body saved as a file named by the URL's last path
    /// component, 0600 as docker makes it, mtime from Last-Modified.
    mutating func fetch(_ url: String, with fetcher: RemoteFetcher) throws {
        let download = try fetcher.open(url)
        let target = try fileTarget(name: download.name, parentsPath: download.name)
        let path = try writer.resolve(target, followFinal: true)
        let now = RootfsWriter.now()
        let metadata = RootfsWriter.Metadata(permissions: mode ?? 0o600, uid: owner?.uid ?? 0, gid: owner?.gid ?? 0,
                                             modifiedSeconds: download.lastModified ?? now.seconds,
                                             modifiedNanoseconds: download.lastModified == nil ? now.nanoseconds : 0)
        let hashed = TeeHashStream(download.body)
        try writer.write(.stream(hashed), at: path, metadata: metadata)
        let digest = hashed.finish()
        if let expected = request.checksum, digest.description != expected {
            try? writer.remove(path)
            throw ContainerError.invalid("ADD \(url): checksum mismatch: expected \(expected), got \(digest)")
        }
    }
}
