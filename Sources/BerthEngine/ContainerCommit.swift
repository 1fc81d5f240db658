// `commit`: a container's upper dir becomes a new layer on top of its image's,
// with a config made from the container's settings (as podman commit: its env,
// command, working dir, user, labels) and the --change instructions. The upper
// dir is copied through the layer tar writer (fds, O_NOFOLLOW: the container's
// symlinks are never followed) and stays the container's, so a running
// container can be committed.
package import BerthImage
import BerthSystem
package import FoundationEssentials

package struct CommitOptions: Sendable {
    package var container: String
    /// The new image's name; nil leaves it untagged (<none>).
    package var reference: String?
    package var author: String?
    package var changes: [String] = []
    package var message: String?
    /// --pause: freeze the container while its upper dir is read.
    package var pause = false
    package var format: ImageFormat = .oci
    package var iidFile: String?
    /// --include-volumes: the container's volume destinations become image volumes.
    package var includeVolumes = false
    /// --squash: the image's layers and the new one as one layer.
    package var squash = false
    /// The commit's time (tests); nil is now.
    package var created: Date?

    package init(container: String, reference: String? = nil) {
        self.container = container
        self.reference = reference
    }
}

extension Engine {
    package func commit(_ options: CommitOptions) throws -> ImageRecord {
        // Everything a user can get wrong is refused before anything is written.
        if options.message != nil && options.format != .docker {
            throw ImageError.invalidArgument("messages are only compatible with the docker image format (-f docker)")
        }
        let name = try options.reference.map { try ImageReference.parse($0, defaultDomain: .localhost) }
        var changed = ContainerConfig()
        for change in options.changes { try ConfigChange.apply(change, to: &changed) }
        let record = try resolveContainer(options.container)
        if options.pause && readState(record.id).status == .running {
            throw ContainerError.invalid("cannot pause container \(record.name) for the commit: pausing containers is not supported yet (commit it without --pause)")
        }
        guard let image = try store.image(id: record.imageID) else {
            throw ContainerError.invalid("container \(record.name): its image \(record.imageID) is not in the store")
        }
        let base = try store.config(of: image)
        let config = commitConfig(record, base: base, changes: changed, options: options, imageName: record.imageName)
        let upper = containerDir(record.id) + "/upper"

        var local = LocalImage(baseLayers: image.layers, newLayerDirectories: [upper], makeConfig: { diffIDs in
            var final = config
            final.rootfs = RootFS(diffIDs: diffIDs)
            return JSONCoding.encode(final)
        }, names: name.map { [$0] } ?? [], format: options.format, location: "commit of container \(record.name)")
        local.copiesLayerDirectories = true
        var squashed: String?
        defer { if let squashed { store.releaseScratchDirectory(squashed) } }
        if options.squash {
            let into = try store.scratchDirectory(purpose: "squash")
            squashed = into
            try LayerSquash.flatten(image.layers.map { store.layerDiffDir($0) } + [upper], into: into)
            local.baseLayers = []
            local.newLayerDirectories = [into]
            local.copiesLayerDirectories = false
            local.makeConfig = { diffIDs in
                var final = config
                final.rootfs = RootFS(diffIDs: diffIDs)
                final.history = final.history.map { Array($0.suffix(1)) } // one layer: the commit's entry alone
                return JSONCoding.encode(final)
            }
        }
        let committed = try ImageWriter(store: store).writeLocal(local)
        if let path = options.iidFile {
            try ImageError.wrap { () throws in try AtomicFile.write(committed.id, to: path, mode: 0o644, durable: false) }
        }
        recordEvent(.container("commit", record))
        return committed
    }

    /// podman's commit config: the image's, with the container's settings over it.
    private func commitConfig(_ record: ContainerRecord, base: ImageConfig, changes: ContainerConfig,
                              options: CommitOptions, imageName: String) -> ImageConfig {
        var config = base
        var settings = base.config ?? ContainerConfig()
        settings.Env = record.env.isEmpty ? nil : record.env
        settings.Entrypoint = record.entrypoint.isEmpty ? nil : record.entrypoint
        settings.Cmd = record.cmd.isEmpty ? nil : record.cmd
        settings.WorkingDir = record.workingDir.isEmpty ? nil : record.workingDir
        settings.User = record.user.isEmpty ? settings.User : record.user
        if !record.labels.isEmpty { settings.Labels = (settings.Labels ?? [:]).merging(record.labels) { $1 } }
        if options.includeVolumes {
            for mount in record.mounts where mount.type != "tmpfs" {
                settings.Volumes = (settings.Volumes ?? [:]).merging([mount.destination: EmptyObject()]) { $1 }
            }
        }
        // The --change instructions win over the container's settings.
        if let env = changes.Env {
            for entry in env {
                let key = entry.split(separator: "=", maxSplits: 1).first.map(String.init) ?? entry
                settings.Env = (settings.Env ?? []).filter { !$0.hasPrefix(key + "=") } + [entry]
            }
        }
        if let entrypoint = changes.Entrypoint { settings.Entrypoint = entrypoint }
        if let cmd = changes.Cmd { settings.Cmd = cmd }
        if let user = changes.User { settings.User = user }
        if let dir = changes.WorkingDir { settings.WorkingDir = dir }
        if let signal = changes.StopSignal { settings.StopSignal = signal }
        if let labels = changes.Labels { settings.Labels = (settings.Labels ?? [:]).merging(labels) { $1 } }
        if let ports = changes.ExposedPorts { settings.ExposedPorts = (settings.ExposedPorts ?? [:]).merging(ports) { $1 } }
        if let volumes = changes.Volumes { settings.Volumes = (settings.Volumes ?? [:]).merging(volumes) { $1 } }
        config.config = settings
        let created = RFC3339.format(options.created ?? Date())
        config.created = created
        config.author = options.author ?? base.author
        config.comment = options.message
        // As podman writes it: created_by is the shell, the comment names the base.
        var entry = HistoryEntry(created: created, createdBy: "/bin/sh", comment: "FROM " + imageName)
        entry.author = options.author
        config.history = (base.history ?? []) + [entry]
        return config
    }
}
