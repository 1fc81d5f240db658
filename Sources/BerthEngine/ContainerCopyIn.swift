// `cp HOSTPATH|- CONTAINER:PATH`: files into a container. Every container-side
// name goes through build's RootfsWriter: resolved in the container's merged
// view (its symlinks followed inside its root), created one component at a
// time beneath the directory written into. A running container is written
// through its own mount (/proc/PID/root, so overlay copies up and the process
// sees the files at once); a stopped one straight into its upper dir, under
// the container's lock so that no start mounts it meanwhile.
package import BerthSystem
import BerthImage
import Glibc

package struct CopyInOptions: Sendable {
    /// A host path, or "-" for a tar on the input fd.
    package var source: String
    package var container: String
    package var path: String
    /// `-a`: owners become the container's user, as podman's --archive.
    package var archive = true
    /// `--overwrite`: a directory may replace a non-directory and back; podman
    /// refuses both without it.
    package var overwrite = false

    package init(source: String, container: String, path: String) {
        self.source = source
        self.container = container
        self.path = path
    }
}

extension Engine {
    package func copyIntoContainer(_ options: CopyInOptions, input: FileDescriptor) throws {
        let record = try resolveContainer(options.container)
        // Held through a stopped container's copy (a start would mount its upper
        // dir meanwhile); a running one is written through its mount, unlocked.
        var lock: FileLock? = try lockContainer(record.id)
        defer { lock?.unlock() }
        let state = readState(record.id)
        let location = "container \(record.name)"
        let tree: MergedRootfs
        let layer: String
        if state.status == .running {
            // The trailing slash follows /proc's magic link once, here, to the
            // container's root; nothing below it is a magic link. Checked alive
            // after opening, so a reused pid cannot hand us another root.
            layer = "/proc/\(state.pid)/root/"
            tree = try MergedRootfs(directory: layer, location: location)
        } else {
            tree = try containerTree(record)
            layer = containerDir(record.id) + "/upper"
        }
        let writer = try RootfsWriter(layerDirectory: layer, image: tree, location: location, options: .current())
        if state.status == .running {
            guard readState(record.id).status == .running else { throw ContainerError.invalid("container \(record.name) stopped during cp") }
            lock?.unlock()
            lock = nil
        }
        let owner: (uid: UInt32, gid: UInt32)?
        if options.archive {
            let user = try UserSpec.resolve(record.user, in: tree)
            owner = (user.uid, user.gid)
        } else {
            owner = nil
        }
        var copy = ContainerCopyIn(writer: writer, tree: tree, owner: owner, container: record.name, overwrite: options.overwrite)
        if options.source == "-" {
            // podman takes a plain or compressed tar there.
            let stream = try DecompressingStream(DescriptorStream(input), location: "standard input")
            try copy.extract(TarReader(stream, location: "standard input"), into: options.path)
        } else {
            try copy.copy(host: options.source, to: options.path)
        }
        try writer.finish()
    }
}

/// One copy into a container: where things land by cp's rules, and the host
/// tree or tar entries written through the RootfsWriter.
struct ContainerCopyIn {
    let writer: RootfsWriter
    let tree: MergedRootfs
    let owner: (uid: UInt32, gid: UInt32)?
    let container: String
    let overwrite: Bool
    /// Host files already written, by device and inode: later names become hard links.
    private var written: [String: String] = [:]

    init(writer: RootfsWriter, tree: MergedRootfs, owner: (uid: UInt32, gid: UInt32)?, container: String, overwrite: Bool) {
        self.writer = writer
        self.tree = tree
        self.owner = owner
        self.container = container
        self.overwrite = overwrite
    }

    /// Writes one entry, refusing (as podman without --overwrite) to replace a
    /// directory by a non-directory or a non-directory by a directory.
    private func write(_ content: RootfsWriter.Content, at path: String, metadata: RootfsWriter.Metadata) throws {
        if !overwrite, let existing = try tree.linkStatus(path) {
            var isDirectory = false
            if case .directory = content { isDirectory = true }
            if existing.kind == .directory, !isDirectory {
                throw ContainerError.invalid("\"\(path)\" in container \(container) is a directory: cp replaces it with a non-directory only with --overwrite")
            }
            if existing.kind != .directory, isDirectory {
                throw ContainerError.invalid("\"\(path)\" in container \(container) is not a directory: cp replaces it with a directory only with --overwrite")
            }
        }
        try writer.write(content, at: path, metadata: metadata)
    }

    private func missing(_ path: String) -> ContainerError {
        ContainerError.invalid("\"\(path)\" could not be found on container \(container): no such file or directory")
    }

    /// The canonical container path of an existing directory `path`.
    private func existingDirectory(_ path: String) throws -> String {
        let resolved = try writer.resolve(path, followFinal: true)
        guard let entry = try tree.linkStatus(resolved) else { throw missing(path) }
        guard entry.kind == .directory else { throw ContainerError.invalid("\"\(path)\" in container \(container) is not a directory") }
        return resolved
    }

    /// A tar stream unpacked below the existing directory `path`.
    mutating func extract(_ reader: TarReader, into path: String) throws {
        let base = try existingDirectory(path)
        func inside(_ name: String) -> String {
            let cleaned = RootfsWriter.clean(name)
            return cleaned == "/" ? base : (base == "/" ? cleaned : base + cleaned)
        }
        while let entry = try reader.next() {
            let target = inside(entry.path)
            let content: RootfsWriter.Content
            switch entry.kind {
            case .directory: content = .directory
            case .regular: content = .stream(TarDataStream(reader))
            case .symlink: content = .symlink(target: entry.linkTarget)
            case .hardlink: content = .hardlink(to: inside(entry.linkTarget))
            case .fifo: content = .fifo
            case .characterDevice, .blockDevice: continue   // podman's cp leaves devices out
            }
            let metadata = RootfsWriter.Metadata(permissions: entry.mode & 0o7777, uid: owner?.uid ?? entry.uid, gid: owner?.gid ?? entry.gid,
                                                 modifiedSeconds: entry.mtime, modifiedNanoseconds: entry.mtimeNanoseconds)
            try write(content, at: target, metadata: metadata)
        }
    }

    /// The host file or tree `source` copied to `path` by cp's rules: into an
    /// existing directory under its own name, else as `path` itself (whose parent
    /// must exist); "/." at the end copies a directory's contents.
    mutating func copy(host source: String, to path: String) throws {
        guard FileSystem.exists(source) else {
            throw ContainerError.invalid("\"\(source)\" could not be found on the host: no such file or directory")
        }
        let sourceIsDirectory = FileSystem.isDirectory(source)
        let contentsOnly = source.hasSuffix("/.")
        let resolved = try writer.resolve(path, followFinal: true)
        let existing = try tree.linkStatus(resolved)
        let target: String
        if let existing, existing.kind == .directory, !contentsOnly {
            let name = FileSystem.basename(of: source.hasSuffix("/") ? String(source.dropLast()) : source)
            target = (resolved == "/" ? "" : resolved) + "/" + name
        } else if existing != nil, existing?.kind != .directory, sourceIsDirectory {
            throw ContainerError.invalid("destination \"\(path)\" in container \(container) is not a directory: cannot copy a directory onto a file")
        } else {
            if existing == nil, path.hasSuffix("/"), !sourceIsDirectory { throw missing(path) }
            let parent = FileSystem.dirname(of: resolved)
            guard try tree.status(parent)?.kind == .directory else { throw missing(parent) }
            target = resolved
        }
        let top = try FileDescriptor.open(source, O_RDONLY | (sourceIsDirectory ? O_DIRECTORY : O_NONBLOCK | O_NOCTTY))
        let st = try top.status(path: source)
        if sourceIsDirectory {
            try write(.directory, at: target, metadata: metadata(st))
            try copyChildren(of: top, hostPath: source, to: target)
        } else {
            guard st.st_mode & S_IFMT == S_IFREG else {
                throw ContainerError.invalid("\"\(source)\" is not a regular file or a directory: cp copies only those as a source")
            }
            try write(.file(top), at: target, metadata: metadata(st))
        }
    }

    private mutating func copyChildren(of dir: FileDescriptor, hostPath: String, to target: String) throws {
        for name in try FileSystem.list("/proc/self/fd/\(dir.raw)").sorted() {
            let childHost = hostPath + "/" + name
            let child = (target == "/" ? "" : target) + "/" + name
            let st = try dir.entryStatus(name, path: childHost)
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                let fd = try dir.openAt(name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
                try write(.directory, at: child, metadata: metadata(st))
                try copyChildren(of: fd, hostPath: childHost, to: child)
            case S_IFREG:
                let key = "\(st.st_dev):\(st.st_ino)"
                if st.st_nlink > 1, let first = written[key] {
                    try write(.hardlink(to: first), at: child, metadata: metadata(st))
                    continue
                }
                if st.st_nlink > 1 { written[key] = child }
                let fd = try dir.openAt(name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)
                try write(.file(fd), at: child, metadata: metadata(st))
            case S_IFLNK:
                try write(.symlink(target: try dir.linkTarget(name, path: childHost)), at: child, metadata: metadata(st))
            case S_IFIFO:
                try write(.fifo, at: child, metadata: metadata(st))
            default:
                continue   // devices and sockets are left out, as podman's cp does
            }
        }
    }

    private func metadata(_ st: stat) -> RootfsWriter.Metadata {
        RootfsWriter.Metadata(permissions: st.st_mode & 0o7777, uid: owner?.uid ?? st.st_uid, gid: owner?.gid ?? st.st_gid,
                              modifiedSeconds: Int64(st.st_mtim.tv_sec), modifiedNanoseconds: Int64(st.st_mtim.tv_nsec))
    }
}

/// The data of the tar entry the reader stands at.
final class TarDataStream: ByteStream {
    private let reader: TarReader

    init(_ reader: TarReader) { self.reader = reader }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try reader.readData(into: buffer)
    }
}
