// RUN --mount's mounts made ready on the host before the step's container is
// created: cache directories (kept under ROOT/build-cache/mounts, locked for
// sharing=locked), context and stage/image binds (read-only, or writable over a
// scratch layer whose writes are thrown away), tmpfs, and secrets (a private copy
// bound read-only, or a variable). Everything temporary lives in one scratch
// directory that the step's removal deletes.
import BerthImage
import BerthSystem
import Glibc

/// What a step holds for its mounts until its container is removed.
final class BuildRunResources {
    /// Secrets, writable-bind layers, heredoc scripts: runroot/build-run/<random>.
    let scratch: String
    var locks: [FileLock] = []
    var mounts: [VolumeMount] = []
    /// Variables from `type=secret,env=`.
    var environment: [String] = []
    /// Container paths berth makes only as mount points (absent from the image):
    /// taken out of the upper dir before the commit.
    var mountPoints: [String] = []

    init(scratch: String) { self.scratch = scratch }

    func release() {
        for lock in locks { lock.unlock() }
        locks = []
    }
}

extension Engine {
    /// The cache mounts' directories: shared by every build in the store, kept until `builder prune`.
    var buildCacheMountsDir: String { paths.root + "/build-cache/mounts" }
    var buildRunScratchDir: String { paths.runroot + "/build-run" }

    func prepareMounts(_ specs: [RunMountSpec], _ request: BuildRunRequest, settings: BuildRunSettings,
                       image: MergedRootfs, into resources: BuildRunResources) throws {
        let workdir = request.workingDirectory ?? "/"
        for (index, spec) in specs.enumerated() {
            let target = spec.resolvedTarget(workingDirectory: workdir)
            switch spec.kind {
            case .tmpfs:
                resources.mounts.append(VolumeMount(type: "tmpfs", source: "tmpfs", destination: target, readOnly: spec.readOnly,
                                                    options: spec.size.map { ["size=\($0)"] } ?? []))
            case .cache:
                try prepareCache(spec, target: target, resources)
            case .bind:
                try prepareBind(spec, target: target, index: index, request, settings: settings, resources)
            case .secret:
                guard try prepareSecret(spec, target: target, index: index, settings: settings, resources) else { continue }
            }
            if !target.isEmpty { try resources.mountPoints += Engine.missingPaths(target, in: image) }
        }
    }

    private func prepareCache(_ spec: RunMountSpec, target: String, _ resources: BuildRunResources) throws {
        if spec.from != nil {
            throw ContainerError.invalid("RUN --mount=type=cache,from=… is not supported yet: a cache starts empty")
        }
        let name = Digest.of(spec.id ?? target).hex
        let dir = buildCacheMountsDir + "/" + name
        try FileSystem.makeDirectories(buildCacheMountsDir, mode: 0o700)
        if !FileSystem.isDirectory(dir) {
            // Made whole under a temporary name: a concurrent build sees it complete or not at all.
            let temporary = dir + ".tmp-" + RandomID.hex(6)
            try FileSystem.makeDirectories(temporary, mode: 0o755)
            try FileNode.changeMode(temporary, spec.mode ?? 0o755)
            try Engine.setOwner(temporary, uid: spec.uid, gid: spec.gid)
            do {
                try FileSystem.rename(temporary, dir)
            } catch let error as SystemError where error.errno == EEXIST || error.errno == ENOTEMPTY {
                try? FileSystem.removeTree(temporary)
            }
        }
        var source = dir
        switch spec.sharing {
        case .shared: break
        case .locked:
            resources.locks.append(try FileLock.exclusive(dir + ".lock"))
        case .private:
            // One writer at a time; another concurrent step gets a fresh, throwaway directory.
            _ = try FileDescriptor.open(dir + ".private", O_RDONLY | O_CREAT, mode: 0o600)
            if let lock = try FileLock.tryExclusive(dir + ".private") {
                resources.locks.append(lock)
            } else {
                source = resources.scratch + "/cache-" + name
                try FileSystem.makeDirectories(source, mode: spec.mode ?? 0o755)
                try Engine.setOwner(source, uid: spec.uid, gid: spec.gid)
            }
        }
        if let sub = spec.source, !sub.isEmpty, sub != "/" {
            source = try ContextPath.resolve(sub, beneath: source)
            if !FileSystem.exists(source) { try FileSystem.makeDirectories(source, mode: spec.mode ?? 0o755) }
        }
        resources.mounts.append(VolumeMount(type: "bind", source: source, destination: target, readOnly: spec.readOnly, options: []))
    }

    private func prepareBind(_ spec: RunMountSpec, target: String, index: Int, _ request: BuildRunRequest,
                             settings: BuildRunSettings, _ resources: BuildRunResources) throws {
        let path = spec.source ?? "/"
        // The tree the source is read from: the context, or the layers of a stage or an image.
        var roots: [String]
        if let from = spec.from {
            let image = try resolveImage(try request.stageImage(from) ?? from)
            roots = image.layers.reversed().map { store.layerDiffDir($0) }
        } else {
            roots = [settings.contextDirectory]
        }
        var sources: [String] = []
        for root in roots {
            let resolved = try ContextPath.resolve(path, beneath: root)
            if FileSystem.exists(resolved) { sources.append(resolved) }
            // A non-directory hides what the lower layers have at that path (overlay's rule).
            if let node = FileNode.status(resolved), node.kind != .directory { break }
        }
        guard let top = sources.first, let node = FileNode.status(top) else {
            throw ContainerError.invalid("RUN --mount=type=bind: source \"\(path)\" not found in \(spec.from ?? "the build context")")
        }
        let layerDir = resources.scratch + "/bind-\(index)"
        if node.kind == .directory && (sources.count > 1 || !spec.readOnly) {
            // Several layers, or writes to discard: an overlay whose upper dir dies with the step.
            try FileSystem.makeDirectories(layerDir + "/empty", mode: 0o755)
            var options = ["lowerdir=" + (sources.filter { FileNode.status($0)?.kind == .directory } + [layerDir + "/empty"]).joined(separator: ":")]
            if !spec.readOnly {
                try FileSystem.makeDirectories(layerDir + "/upper", exactMode: 0o755)
                try FileSystem.makeDirectories(layerDir + "/work", mode: 0o700)
                options += ["upperdir=\(layerDir)/upper", "workdir=\(layerDir)/work"]
            }
            resources.mounts.append(VolumeMount(type: "overlay", source: "overlay", destination: target, readOnly: spec.readOnly, options: options))
        } else if node.kind == .regular && !spec.readOnly {
            try FileSystem.makeDirectories(layerDir, mode: 0o700)
            let copy = layerDir + "/" + FileSystem.basename(of: top)
            try AtomicFile.write(FileSystem.readFile(top), to: copy, mode: 0o644, durable: false)
            resources.mounts.append(VolumeMount(type: "bind", source: copy, destination: target, readOnly: false, options: []))
        } else {
            resources.mounts.append(VolumeMount(type: "bind", source: top, destination: target, readOnly: true, options: []))
        }
    }

    /// False when the secret is absent and not required: BuildKit then mounts nothing.
    private func prepareSecret(_ spec: RunMountSpec, target: String, index: Int, settings: BuildRunSettings,
                               _ resources: BuildRunResources) throws -> Bool {
        let id = spec.secretID
        guard let secret = settings.secrets[id], let value = try secret.value() else {
            if spec.required { throw ContainerError.invalid("secret \(id): required secret not provided (use --secret id=\(id),src=FILE)") }
            return false
        }
        if let name = spec.env {
            resources.environment.append(name + "=" + String(decoding: value, as: UTF8.self))
            if target.isEmpty { return true }
        }
        // A private copy: the source file may change or vanish during the build, and
        // its owner and mode are the mount's, not the host's.
        let dir = resources.scratch + "/secrets"
        try FileSystem.makeDirectories(dir, mode: 0o700)
        let file = dir + "/\(index)"
        try AtomicFile.write(value, to: file, mode: 0o600, durable: false)
        try Engine.setOwner(file, uid: spec.uid, gid: spec.gid)
        try FileNode.changeMode(file, spec.mode ?? 0o400)
        resources.mounts.append(VolumeMount(type: "bind", source: file, destination: target, readOnly: true, options: []))
        return true
    }

    /// A mount's owner as the container sees it (default root). Rootless, the build
    /// runs as root of the user namespace, where these are the container's ids;
    /// outside it (no build does that) only the user's own id is possible.
    static func setOwner(_ path: String, uid: UInt32?, gid: UInt32?) throws {
        if Engine.needsUserNamespaceForWrites {
            guard (uid ?? 0) == 0 && (gid ?? 0) == 0 else {
                throw ContainerError.invalid("RUN --mount uid=/gid= needs the build's user namespace: \(path)")
            }
            return
        }
        try FileNode.changeOwner(path, uid: uid ?? 0, gid: gid ?? 0)
    }

    /// Top-level directories podman's RUN layers keep even when empty (its mount points).
    static let keptMountParents: Set<String> = ["/dev", "/etc", "/proc", "/run", "/sys"]

    /// The components of `path` the image lacks, shallowest first: the container
    /// makes them as mount points.
    static func missingPaths(_ path: String, in image: MergedRootfs) throws -> [String] {
        var result: [String] = []
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            if !result.isEmpty || (try? image.linkStatus(current)) == nil { result.append(current) }
        }
        return result
    }

    /// Takes the mount points berth made out of a stopped container's upper dir,
    /// deepest first, when they are still empty (what the step wrote stays). The
    /// container is stopped: nothing can swap a component under us, and no
    /// component is followed when it is a symlink.
    static func removeMountPoints(_ paths: [String], upper: String) {
        for path in Set(paths).subtracting(keptMountParents).sorted(by: { $0.count > $1.count }) {
            var host = upper
            var followsLink = false
            for component in path.split(separator: "/").dropLast() {
                host += "/" + component
                if FileNode.status(host)?.kind == .symlink { followsLink = true; break }
            }
            if followsLink { continue }
            let full = upper + path
            switch FileNode.status(full) {
            case (.directory, _)?: FileNode.removeEmptyDirectory(full)
            case (.regular, 0)?: try? FileSystem.unlinkIfPresent(full)
            default: continue
            }
        }
    }
}

/// A path inside a directory tree resolved as the kernel would with that tree as
/// its root: `..` stops at the root, symlinks are followed inside it. A context's
/// link to /etc/shadow reads the context's own etc/shadow, never the host's.
enum ContextPath {
    static func resolve(_ path: String, beneath root: String) throws -> String {
        var pending = path.split(separator: "/").map(String.init)
        var resolved: [String] = []
        var links = 0
        while !pending.isEmpty {
            let component = pending.removeFirst()
            if component == "." || component.isEmpty { continue }
            if component == ".." { _ = resolved.popLast(); continue }
            let host = root + "/" + (resolved + [component]).joined(separator: "/")
            if FileNode.status(host)?.kind == .symlink {
                links += 1
                guard links <= MergedRootfs.symlinkLimit else {
                    throw ContainerError.invalid("\(path): too many levels of symbolic links")
                }
                let target = try FileSystem.readLink(host)
                if target.hasPrefix("/") { resolved = [] }
                pending = target.split(separator: "/").map(String.init) + pending
                continue
            }
            resolved.append(component)
        }
        return resolved.isEmpty ? root : root + "/" + resolved.joined(separator: "/")
    }
}
