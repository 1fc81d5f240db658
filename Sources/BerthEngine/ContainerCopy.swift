// `cp CONTAINER:PATH HOSTPATH|-`: files out of a container, running or stopped.
// The container side is read through MergedRootfs only (every name resolved
// beneath the container's root, CVE-2018-15664 / CVE-2019-14271); the host side
// is written one name at a time below directory fds berth opened itself, so a
// symlink copied out is never followed by a later write.
package import BerthSystem
import BerthImage
import Glibc

package struct CopyOutOptions: Sendable {
    package var container: String
    /// The path inside the container; a trailing "/." copies a directory's contents.
    package var path: String
    /// A host path, or "-" for a tar on `archiveFD`.
    package var destination: String
    /// `--overwrite`: a directory may replace a host non-directory and back.
    package var overwrite = false

    package init(container: String, path: String, destination: String) {
        self.container = container
        self.path = path
        self.destination = destination
    }
}

extension Engine {
    /// Copies `options.path` out of the container to the host path, or as a tar
    /// to `archive` when the destination is "-".
    package func copyFromContainer(_ options: CopyOutOptions, archive: FileDescriptor) throws {
        let record = try resolveContainer(options.container)
        let tree = try containerTree(record)
        let contentsOnly = options.path.hasSuffix("/.") || options.path == "."
        // A trailing slash or "/." names the directory a final symlink points at.
        let follow = contentsOnly || options.path.hasSuffix("/")
        let missing = ContainerError.invalid("\"\(options.path)\" could not be found on container \(record.name): no such file or directory")
        guard let source = try follow ? tree.status(options.path) : tree.linkStatus(options.path) else { throw missing }
        if options.destination == "-" {
            let writer = TarWriter(fd: archive, path: "standard output")
            try ContainerArchive(tree: tree, writer: writer).add(source.path, as: contentsOnly ? "" : archiveName(source.path), followFinal: follow)
            try writer.finish()
            return
        }
        if contentsOnly, source.kind != .directory {
            throw ContainerError.invalid("\"\(options.path)\" in container \(record.name) is not a directory")
        }
        let target = try HostCopyTarget(destination: options.destination, sourceName: archiveName(source.path),
                                        sourceIsDirectory: source.kind == .directory, contentsOnly: contentsOnly)
        try HostTreeWriter(tree: tree, parent: target.parent, parentPath: target.parentPath, overwrite: options.overwrite)
            .copy(source.path, as: target.name, followFinal: follow)
    }

    /// The name a copied entry gets: its last component ("/" copies as ".").
    private func archiveName(_ path: String) -> String {
        path == "/" ? "." : FileSystem.basename(of: path)
    }
}

/// Where on the host a copy lands, by cp's rules: into an existing directory
/// under the source's name, else as the destination's own name in its
/// (existing) parent; a directory's contents ("/.") merge into the destination.
struct HostCopyTarget {
    let parent: FileDescriptor
    let parentPath: String
    let name: String

    init(destination: String, sourceName: String, sourceIsDirectory: Bool, contentsOnly: Bool) throws {
        let isDirectory = FileSystem.isDirectory(destination)
        if FileSystem.exists(destination), !isDirectory, sourceIsDirectory {
            throw ContainerError.invalid("destination \"\(destination)\" is not a directory: cannot copy a directory onto a file")
        }
        if isDirectory, !contentsOnly, sourceName != "." {
            parentPath = destination
            name = sourceName
        } else if isDirectory {
            // Contents merge into the directory itself: its parent is the directory.
            parentPath = destination
            name = "."
        } else {
            let trimmed = destination.count > 1 && destination.hasSuffix("/") ? String(destination.dropLast()) : destination
            if destination.hasSuffix("/"), !sourceIsDirectory {
                throw ContainerError.invalid("\"\(destination)\" could not be found on the host: no such file or directory")
            }
            parentPath = FileSystem.dirname(of: trimmed)
            name = FileSystem.basename(of: trimmed)
            guard FileSystem.isDirectory(parentPath) else {
                throw ContainerError.invalid("\"\(parentPath)\" could not be found on the host: no such file or directory")
            }
        }
        parent = try FileDescriptor.open(parentPath, O_RDONLY | O_DIRECTORY)
    }
}

/// Writes a container subtree below a host directory fd: directories, regular
/// files and symlinks with their modes and times, owned by the caller (as
/// podman's cp does); devices, fifos and sockets are left out.
struct HostTreeWriter {
    let tree: MergedRootfs
    let parent: FileDescriptor
    let parentPath: String
    /// Without it a directory never replaces a host non-directory, nor back (podman).
    let overwrite: Bool

    private struct OpenDirectory {
        let containerPath: String
        let hostPath: String
        let fd: FileDescriptor
        let entry: RootfsEntry
    }

    func copy(_ start: String, as name: String, followFinal: Bool) throws {
        var stack: [OpenDirectory] = []
        var base: String?
        try tree.walk(start, followFinal: followFinal) { entry in
            let top = base ?? entry.path
            base = top
            let dir: FileDescriptor
            let dirPath: String
            let entryName: String
            if entry.path == top {
                (dir, dirPath, entryName) = (parent, parentPath, name)
            } else {
                let parentPath = FileSystem.dirname(of: entry.path)
                while let last = stack.last, last.containerPath != parentPath { try finish(stack.removeLast()) }
                guard let last = stack.last else { return false }
                (dir, dirPath, entryName) = (last.fd, last.hostPath, entry.name)
            }
            let hostPath = entryName == "." ? dirPath : dirPath + "/" + entryName
            switch entry.kind {
            case .directory:
                try clear(entryName, in: dir, hostPath: hostPath, forDirectory: true)
                // Owner-writable until its contents are in; its own mode comes last.
                let fd = try dir.makeDirectory(entryName, mode: 0o700, path: hostPath)
                if entryName != "." { try fd.setPermissions(0o700 | entry.permissions, path: hostPath) }
                stack.append(OpenDirectory(containerPath: entry.path, hostPath: hostPath, fd: fd, entry: entry))
                return true
            case .regular:
                guard let source = try tree.openFile(entry.path) else { return false }
                try clear(entryName, in: dir, hostPath: hostPath, forDirectory: false)
                let fd = try dir.createFile(entryName, mode: 0o600, path: hostPath)
                try copyData(from: source.fd, to: fd, containerPath: entry.path, hostPath: hostPath)
                try fd.setPermissions(entry.permissions, path: hostPath)
                try fd.setModificationTime(seconds: entry.modifiedSeconds, nanoseconds: entry.modifiedNanoseconds, path: hostPath)
            case .symlink:
                try clear(entryName, in: dir, hostPath: hostPath, forDirectory: false)
                try dir.makeSymlink(entryName, to: try tree.readLink(entry.path) ?? "", path: hostPath)
                try dir.setModificationTime(of: entryName, seconds: entry.modifiedSeconds, nanoseconds: entry.modifiedNanoseconds, path: hostPath)
            case .characterDevice, .blockDevice, .fifo, .socket:
                break
            }
            return false
        }
        while let last = stack.popLast() { try finish(last) }
    }

    /// Makes room for a directory (or a non-directory) at `name`: what is there of
    /// the other kind is removed with --overwrite and refused without, as podman.
    private func clear(_ name: String, in dir: FileDescriptor, hostPath: String, forDirectory: Bool) throws {
        guard name != ".", let existing = try dir.entryKind(name, path: hostPath) else { return }
        let isDirectory = existing == S_IFDIR
        guard isDirectory != forDirectory else { return }
        guard overwrite else {
            let what = isDirectory ? "is a directory: cp replaces it with a non-directory" : "is not a directory: cp replaces it with a directory"
            throw ContainerError.invalid("\"\(hostPath)\" \(what) only with --overwrite")
        }
        if isDirectory {
            try FileSystem.removeTree("/proc/self/fd/\(dir.raw)/\(name)")
        } else {
            try dir.removeNonDirectory(name, path: hostPath)
        }
    }

    /// A directory's own mode and time, once everything inside it is written.
    private func finish(_ dir: OpenDirectory) throws {
        // Contents merged into an existing directory leave that directory as it was.
        if dir.hostPath == parentPath { return }
        try dir.fd.setPermissions(dir.entry.permissions, path: dir.hostPath)
        try dir.fd.setModificationTime(seconds: dir.entry.modifiedSeconds, nanoseconds: dir.entry.modifiedNanoseconds, path: dir.hostPath)
    }

    private func copyData(from source: FileDescriptor, to target: FileDescriptor, containerPath: String, hostPath: String) throws {
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = try chunk.withUnsafeMutableBytes { (buf) throws in try source.read(into: buf, path: containerPath) }
            if n == 0 { return }
            try chunk.withUnsafeBytes { (buf) throws in try target.write(UnsafeRawBufferPointer(rebasing: buf[0..<n]), path: hostPath) }
        }
    }
}
