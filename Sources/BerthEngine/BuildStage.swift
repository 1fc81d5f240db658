// One stage of a build: FROM (scratch, an earlier stage or an image pulled per
// --pull), the base image's ONBUILD triggers, then each instruction in turn. Every
// step's result is an intermediate image found again through the cache when its
// key matches; podman's progress lines are printed as it goes.
import BerthBuild
import BerthImage
import BerthSystem

final class StageBuilder {
    let session: BuildSession
    let stage: Stage
    /// The image the next step builds on; nil while the stage is still `scratch`.
    var imageID: String?
    var layers: [String] = []
    var config: ImageConfig
    var scope: ArgScope
    /// The base's layers: what --squash keeps below the squashed layer.
    var baseLayerCount = 0
    /// CMD was set in this stage, so a later ENTRYPOINT keeps it (docker's rule).
    var cmdSetHere = false
    /// The image that FROM named, for the first history comment.
    var baseName = ""
    /// Whether this stage has made an image yet (the history comment names the base until then).
    private var committedHere = false
    private var stepNumber = 1
    private let stepCount: Int

    init(session: BuildSession, stage: Stage) throws {
        self.session = session
        self.stage = stage
        config = ImageConfig(architecture: session.options.platform.architecture, os: session.options.platform.os, rootfs: RootFS(diffIDs: []))
        scope = session.buildArgs.stageScope(globals: session.fromArgs, expander: session.expander)
        stepCount = stage.instructions.count + 1
    }

    var options: BuildOptions { session.options }
    var output: BuildOutput { session.output }
    var isFinal: Bool { session.isFinalStage(stage.index) }

    func build() throws -> StageResult {
        try from()
        for (index, instruction) in stage.instructions.enumerated() {
            stepNumber = index + 2
            output.line(session.prefix(stage.index) + "STEP \(stepNumber)/\(stepCount): \(instruction.original)")
            try execute(instruction, isLast: index == stage.instructions.count - 1)
        }
        if stage.instructions.isEmpty || imageID == nil {
            // `FROM image` alone still gives a new image (podman commits one).
            try commitStep(key: nil, createdBy: nil, newLayer: nil, isLast: true)
        }
        try squashIfAsked()
        return StageResult(imageID: imageID!, layers: layers, config: config)
    }

    // MARK: FROM

    private func from() throws {
        let lookup = { [session] (name: String) in session.fromArgs[name] }
        let baseText = try session.expander.expand(stage.base, lookup)
        // podman prints the FROM line as written.
        var line = stage.original
        if line.isEmpty {
            line = "FROM " + baseText
            if let name = stage.name { line += " AS " + name }
        }
        output.line(session.prefix(stage.index) + "STEP 1/\(stepCount): \(line)")
        if let platform = try stage.platform.map({ try session.expander.expand($0, lookup) }), !platform.isEmpty {
            let choice = try PlatformChoice(parsing: platform)
            guard choice.os == options.platform.os, choice.architecture == options.platform.architecture else {
                throw ImageError.invalidArgument("\(stage.location): FROM --platform=\(platform): berth builds for this machine's platform (\(PlatformChoice.host.description)) only")
            }
        }
        baseName = baseText
        if baseText == "scratch" {
            config.config = ContainerConfig()
            config.config?.Env = ["PATH=" + Engine.defaultPath]
            return
        }
        let base: StageResult
        if let index = session.graph.stage(named: baseText), index < stage.index {
            base = try session.result(of: index)
        } else {
            base = try session.engine.buildBaseImage(baseText, session: session)
            // podman names the base as the store does: `localhost/busybox:latest`.
            baseName = base.name ?? baseText
        }
        imageID = base.imageID
        layers = base.layers
        baseLayerCount = layers.count
        config = base.config
        config.created = nil
        config.author = base.config.author
        if config.config == nil { config.config = ContainerConfig() }
        let triggers = config.config?.OnBuild ?? []
        // The triggers run once, in the image built FROM this one; they are not inherited.
        config.config?.OnBuild = nil
        for trigger in triggers {
            let parsed = try DockerfileParser.parse("FROM scratch\n" + trigger + "\n", file: "ONBUILD in \(baseText)")
            for instruction in parsed.stages.first?.instructions ?? [] {
                try execute(instruction, isLast: false)
            }
        }
    }

    // MARK: steps

    /// The value of `$NAME` in an instruction: the stage's ENV, then the ARGs it sees.
    func lookup(_ name: String) -> String? {
        if let value = environmentValue(name) { return value }
        return scope.visible()[name]
    }

    /// The stage's ENV as a dictionary (later entries win).
    func environmentMap() -> [String: String] {
        var result: [String: String] = [:]
        for entry in config.config?.Env ?? [] {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            result[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return result
    }

    func environmentValue(_ name: String) -> String? {
        for entry in (config.config?.Env ?? []).reversed() {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts[0] == name { return parts.count > 1 ? String(parts[1]) : "" }
        }
        return nil
    }

    func expand(_ word: RawWord) throws -> String {
        try session.expander.expand(word, lookup)
    }

    func expandFields(_ word: RawWord) throws -> [String] {
        try session.expander.expandFields(word, lookup)
    }

    /// Commits the current config (and `newLayer`, an overlay-upper directory that is
    /// moved into the store) as the step's image, reusing the cache when `key` hits.
    func commitStep(key: Digest?, createdBy: String?, newLayer: String?, emptyLayer: Bool? = nil, isLast: Bool) throws {
        if let createdBy, !options.omitHistory {
            var entry = HistoryEntry(created: session.created, createdBy: createdBy,
                                     comment: historyComment(), emptyLayer: newLayer == nil ? true : nil)
            entry.author = config.author
            config.history = (config.history ?? []) + [entry]
        }
        let finalStep = isLast && isFinal
        if finalStep { applyFinalSettings() }
        if finalStep { output.line(session.prefix(stage.index) + (["COMMIT"] + options.tags).joined(separator: " ")) }
        config.created = session.created
        let squashing = options.squash || options.squashAll
        let record = try session.engine.writeBuildImage(self, newLayer: newLayer, names: finalStep && !squashing ? session.names : [],
                                                        intermediate: !finalStep || squashing)
        if !options.layers && !finalStep { session.noteTemporary(record.id) }
        if let key, options.layers { try session.cache.record(key, image: record.id) }
        imageID = record.id
        layers = record.layers
        committedHere = true
        output.line("--> " + String(record.id.prefix(11)))
    }

    /// The cached image for `key`, made current; false on a miss (or --no-cache).
    func reuseCached(_ key: Digest, isLast: Bool) throws -> Bool {
        guard options.layers, !options.noCache, let id = session.cache.lookup(key),
              let record = try session.engine.store.image(id: id) else { return false }
        let finalStep = isLast && isFinal
        output.line("--> Using cache " + id)
        if finalStep {
            output.line(session.prefix(stage.index) + (["COMMIT"] + options.tags).joined(separator: " "))
            // The final settings (labels, --env) are part of the cached final image's key.
            if !session.names.isEmpty { try session.engine.tag(id, as: session.names.map(\.description)) }
        }
        imageID = id
        layers = record.layers
        committedHere = true
        let kept = config.config
        config = try session.engine.store.config(of: record)
        if options.format == .oci {
            // Not in an OCI image's config, so not in the cached one either: what the
            // stage set is still what its next steps use.
            config.config?.Healthcheck = kept?.Healthcheck
            config.config?.OnBuild = kept?.OnBuild
            config.config?.Shell = kept?.Shell
        }
        output.line("--> " + String(id.prefix(11)))
        return true
    }

    /// The first step names the base by what FROM said, the next ones by the parent ID.
    private func historyComment() -> String {
        "FROM " + (committedHere ? imageID.map { String($0.prefix(12)) } ?? baseName : baseName)
    }

    /// --label, --env, --unsetenv and the identity label (berth's own, not buildah's) go
    /// into the final image only, as podman does.
    private func applyFinalSettings() {
        var container = config.config ?? ContainerConfig()
        if options.identityLabel {
            container.Labels = (container.Labels ?? [:]).merging(["io.berth.version": BerthVersion.version]) { $1 }
        }
        for label in options.labels {
            let parts = label.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            container.Labels = (container.Labels ?? [:]).merging([String(parts[0]): parts.count > 1 ? String(parts[1]) : ""]) { $1 }
        }
        if !options.env.isEmpty { container.Env = Engine.merge(container.Env ?? [], options.env.map(Engine.expandEnv)) }
        for name in options.unsetEnv { container.Env?.removeAll { $0 == name || $0.hasPrefix(name + "=") } }
        config.config = container
    }

    /// The cache key of a step on the current image.
    func cacheKey(_ instruction: String) -> BuildCacheKey {
        var key = BuildCacheKey(parent: imageID, instruction: instruction)
        if stepNumber == stepCount && isFinal {
            // What only the final image carries decides its key too.
            key.add("final", (options.labels + options.annotations + options.env + options.unsetEnv + ["identity=\(options.identityLabel)"]).joined(separator: "\u{0}"))
        }
        if options.omitHistory { key.add("history", "omitted") }
        return key
    }

    /// --squash: this build's layers become one; --squash-all: every layer does.
    private func squashIfAsked() throws {
        guard isFinal, options.squash || options.squashAll else { return }
        let keep = options.squashAll ? 0 : baseLayerCount
        guard layers.count - keep > 1 || (options.squashAll && layers.count > 1) else { return }
        let directory = try session.engine.store.scratchDirectory(purpose: "squash")
        do {
            try LayerSquash.flatten(layers[keep...].map { session.engine.store.layerDiffDir($0) }, into: directory)
        } catch {
            session.engine.store.releaseScratchDirectory(directory)
            throw error
        }
        layers = Array(layers[..<keep])
        config.history = (config.history ?? []).map { var entry = $0; entry.empty_layer = true; return entry }
        if var last = config.history?.popLast() {
            last.empty_layer = nil
            config.history?.append(last)
        }
        let record = try session.engine.writeBuildImage(self, newLayer: directory, names: session.names, intermediate: false)
        // The unsquashed final image was only a step on the way.
        if let unsquashed = imageID { session.noteTemporary(unsquashed) }
        imageID = record.id
        layers = record.layers
    }
}
