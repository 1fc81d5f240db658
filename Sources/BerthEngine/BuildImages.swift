// The images a build reads and writes: each step's result through writeLocal (its
// new layer directory moved into the store, never copied), FROM images pulled per
// --pull, and the files of earlier stages and images that COPY --from and
// RUN --mount=from= read.
import BerthBuild
import BerthImage
import BerthSystem

extension Engine {
    /// Stores the stage's current config (and `newLayer`) as an image.
    func writeBuildImage(_ stage: StageBuilder, newLayer: String?, names: [ImageReference], intermediate: Bool) throws -> ImageRecord {
        var config = stage.config
        config.created = stage.session.created
        if stage.options.format == .oci {
            // OCI's config has no field for these: podman leaves them out (the stage
            // still uses its SHELL, kept in memory).
            config.config?.Healthcheck = nil
            config.config?.OnBuild = nil
            config.config?.Shell = nil
        }
        let image = LocalImage(
            baseLayers: stage.layers, newLayerDirectories: newLayer.map { [$0] } ?? [],
            timestamp: stage.options.timestamp,
            makeConfig: { diffIDs in
                config.rootfs = RootFS(diffIDs: diffIDs)
                return JSONCoding.encode(config)
            },
            names: names, format: stage.options.format, isIntermediate: intermediate,
            location: "build step of stage \(stage.stage.index)")
        var annotated = image
        // --annotation: the final image's manifest carries them, as podman's does.
        if !intermediate { annotated.annotations = try Engine.annotations(stage.options.annotations) }
        // A COPY or WORKDIR layer is a scratch directory: whatever happens, its lock goes
        // (a RUN's is the build container's upper dir, removed with the container).
        defer { if let newLayer, newLayer.hasPrefix(store.tmpDir + "/") { store.releaseScratchDirectory(newLayer) } }
        return try ImageWriter(store: store).writeLocal(annotated)
    }

    /// A FROM image (or COPY --from image): from the store, pulled when --pull says so.
    func buildBaseImage(_ name: String, session: BuildSession) throws -> StageResult {
        let policy = session.options.pull
        let isID = Engine.isFullImageID(name)
        if !isID, policy == .always || policy == .newer {
            try pullForBuild(name, session: session)
        }
        let record: ImageRecord
        do {
            record = try resolveImage(name)
        } catch ImageError.imageNotKnown where policy == .missing && !isID {
            try pullForBuild(name, session: session)
            record = try resolveImage(name)
        }
        let config = try store.config(of: record)
        let platform = session.options.platform
        if config.architecture != platform.architecture || config.os != platform.os {
            throw ImageError.invalidArgument("image \(name) is for \(config.os)/\(config.architecture), not this machine's platform \(platform.description)")
        }
        let query = try? ImageReference.parse(name, defaultDomain: .localhost).repository
        let shown = record.names.first { query.map($0.hasPrefix) ?? false } ?? record.names.first
        return StageResult(imageID: record.id, layers: record.layers, config: config, name: isID ? nil : shown)
    }

    /// `berth pull` as a child sharing our standard error, as create does: its
    /// progress is the user's to see (podman prints its pull output during build).
    private func pullForBuild(_ name: String, session: BuildSession) throws {
        let quiet = session.options.quiet ? ["--quiet"] : []
        let arguments = ["--root", paths.root, "--runroot", paths.runroot, "pull"] + quiet + session.options.pullFlags + [name]
        let status = try SelfExec.runSharingStderr(arguments)
        if status != 0 { throw ContainerError.reported(exitCode: ExitCode.engineError) }
    }

    static func isFullImageID(_ text: String) -> Bool {
        let hex = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
        return hex.count == 64 && hex.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}

extension BuildSession {
    /// `COPY --from=NAME`: an earlier stage's files, else an image's (pulled if missing).
    /// Returns the rootfs and the image ID (part of the step's cache key).
    func copySource(_ name: String) throws -> (MergedRootfs, String) {
        let result: StageResult
        if let index = graph.stage(named: name) {
            result = try self.result(of: index)
        } else {
            result = try engine.buildBaseImage(name, session: self)
        }
        return (try rootfs(of: result, name: name), result.imageID)
    }

    /// `RUN --mount=from=NAME`: a stage's files, or nil when NAME is an image.
    func stageRootfs(_ name: String) throws -> MergedRootfs? {
        guard let index = graph.stage(named: name) else { return nil }
        let result = try self.result(of: index)
        return try rootfs(of: result, name: name)
    }

    private func rootfs(of result: StageResult, name: String) throws -> MergedRootfs {
        guard !result.layers.isEmpty else { return try MergedRootfs(directory: try emptyDirectory(), location: name) }
        let store = engine.store
        return try MergedRootfs(layers: result.layers.reversed().map { store.layerDiffDir($0) }, location: name)
    }
}
