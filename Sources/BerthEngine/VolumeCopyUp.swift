// docker's copy-up: an empty volume mounted for the first time is filled with
// what the container's image has at the mount point (files, owners, modes,
// mtimes, xattrs, symlinks as symlinks, hardlinks as hardlinks), unless
// `nocopy`; a volume with anything in it is never overwritten.
//
// The image side is read only through MergedRootfs (nothing the image or the
// upper dir links to is followed on the host); the volume side is written
// through RootfsWriter beneath the volume's directory. Rootless, the copy runs
// as root of the user namespace (berth re-executed into it), so the files carry
// the mapped owners the container sees.
//
// Crash safety: a `copyup.partial` marker beside `_data` exists while a copy
// runs, under the flock `copyup.lock`. A copier killed mid-way leaves the marker;
// the next mount, holding the lock, empties the data it left and copies again.
import BerthImage
import BerthRuntime
import BerthSystem
import Glibc

extension Engine {
    /// The hidden command a rootless copy-up runs as, in the user namespace.
    package static let copyUpCommand = "__volume-copyup"

    private func copyUpFiles(_ name: String) -> (lock: String, marker: String) {
        let dir = FileSystem.dirname(of: volumeDataPath(name))
        return (dir + "/copyup.lock", dir + "/copyup.partial")
    }

    /// Whether the volume still waits for its first fill (or a killed copier's redo).
    func needsCopyUp(_ name: String) throws -> Bool {
        try volume(named: name).needsCopyUp || FileSystem.exists(copyUpFiles(name).marker)
    }

    /// Called at start for each volume mount, with the path activateVolume gave.
    func copyUpIfNeeded(_ mount: VolumeMount, into data: String, record: ContainerRecord) throws {
        guard try needsCopyUp(mount.source) else { return }
        if mount.options.contains("nocopy") {
            try updateVolume(mount.source) { $0.needsCopyUp = false }
            return
        }
        if Engine.needsUserNamespaceForWrites {
            let status = try PauseProcess.runInUserNamespace(runroot: paths.runroot, arguments: [
                "--root", paths.root, "--runroot", paths.runroot, Engine.copyUpCommand, record.id, mount.source, mount.destination, data,
            ])
            guard status == 0 else {
                throw ContainerError.invalid("copying the image's \(mount.destination) into volume \(mount.source) failed (exit \(status))")
            }
            return
        }
        try copyUp(record, volume: mount.source, destination: mount.destination, data: data)
    }

    /// The copy itself (also the body of `__volume-copyup` in the user namespace).
    package func copyUp(_ record: ContainerRecord, volume name: String, destination: String, data: String) throws {
        let files = copyUpFiles(name)
        let lock = try FileLock.exclusive(files.lock)
        defer { lock.unlock() }
        let interrupted = FileSystem.exists(files.marker)
        guard try volume(named: name).needsCopyUp || interrupted else { return }
        if interrupted {
            // A copier died mid-way: what is there is its partial copy, not the user's data.
            for entry in try FileSystem.list(data) { try FileSystem.removeTree(data + "/" + entry) }
        } else if !(try FileSystem.list(data)).isEmpty {
            try updateVolume(name) { $0.needsCopyUp = false }
            return
        }
        try AtomicFile.write("", to: files.marker, durable: false)
        let lower = record.layers.reversed().map { store.layerDiffDir($0) }
        let rootfs = try MergedRootfs(layers: [containerDir(record.id) + "/upper"] + lower, location: "container \(record.name)")
        do {
            try VolumeCopier(source: rootfs, volume: name, data: data).copy(destination)
        } catch {
            throw ContainerError.invalid("copying the image's \(destination) into volume \(name): \(error)")
        }
        try updateVolume(name) { $0.needsCopyUp = false }
        try FileSystem.unlinkIfPresent(files.marker)
    }
}

/// Copies one directory of a MergedRootfs into a volume's data directory.
private struct VolumeCopier {
    let source: MergedRootfs
    let volume: String
    let data: String

    func copy(_ path: String) throws {
        guard let canonical = try source.canonicalPath(path, followFinal: true),
              let top = try source.item(canonical, followFinal: false), top.entry.kind == .directory else {
            return  // the image has nothing (or no directory) there: the volume stays empty
        }
        let options = RootfsWriteOptions.current()
        let writer = try RootfsWriter(layerDirectory: data, image: try MergedRootfs(directory: data, location: "volume \(volume)"),
                                      location: "volume \(volume)", options: options)
        var linked: [String: String] = [:]
        try copy(top, to: "/", writer: writer, linked: &linked)
        try writer.finish()
    }

    private func copy(_ item: MergedRootfs.Item, to target: String, writer: RootfsWriter, linked: inout [String: String]) throws {
        let entry = item.entry
        let metadata = RootfsWriter.Metadata(
            permissions: entry.permissions, uid: entry.uid, gid: entry.gid, modifiedSeconds: entry.modifiedSeconds,
            modifiedNanoseconds: entry.modifiedNanoseconds, xattrs: item.extendedAttributes())
        switch entry.kind {
        case .directory:
            try writer.write(.directory, at: target, metadata: metadata)
            try source.forEachChild(of: item) { child in
                try copy(child, to: (target == "/" ? "" : target) + "/" + child.entry.name, writer: writer, linked: &linked)
            }
        case .regular:
            let key = "\(entry.layer):\(entry.inode)"
            if entry.linkCount > 1, let first = linked[key] {
                try writer.write(.hardlink(to: first), at: target, metadata: metadata)
                return
            }
            if entry.linkCount > 1 { linked[key] = target }
            try writer.write(.file(try item.openForReading()), at: target, metadata: metadata)
            TestHooks.hold(at: "volume-copyup")  // a crash-safety test kills the copier here, mid-copy
        case .symlink:
            try writer.write(.symlink(target: try item.linkTarget()), at: target, metadata: metadata)
        case .fifo:
            try writer.write(.fifo, at: target, metadata: metadata)
        case .characterDevice, .blockDevice:
            // Only real root creates device nodes; elsewhere they are left out, as podman's copier does.
            guard writer.options.canCreateDevices else { return }
            try writer.write(.device(isCharacter: entry.kind == .characterDevice, rdev: entry.device), at: target, metadata: metadata)
        case .socket:
            return
        }
    }
}
