// The steps that make a layer: RUN (a build container, through runBuildStep),
// COPY and ADD (CopyStep into a fresh layer directory) and WORKDIR (the directory
// created when the image lacks it). Each is looked up in the cache first.
import BerthBuild
import BerthImage
import BerthSystem

extension StageBuilder {
    func runStep(_ instruction: Instruction, form: CommandForm, heredocs: [Heredoc], isLast: Bool) throws {
        var mounts: [String] = []
        var network: String?
        for flag in instruction.flags {
            let value = try flag.value.map(expand) ?? ""
            switch flag.name {
            case "mount": mounts.append(value)
            case "network": network = value
            default:
                throw ImageError.invalidArgument("\(instruction.location): RUN --\(flag.name) is not supported")
            }
        }
        let arguments: [String]
        switch form {
        case .exec(let words): arguments = words
        case .shell(let text): arguments = shellWords() + [text]
        }
        let environment = scope.runEnvironment(imageEnv: config.config?.Env ?? [])
        // podman's history line: the args the step saw, then the command.
        let shown = scope.persistable()
        let argsText = shown.isEmpty ? "" : "|\(shown.count) " + shown.keys.sorted().map { "\($0)=\(shown[$0]!)" }.joined(separator: " ") + " "
        let createdBy = argsText + arguments.joined(separator: " ")
        var key = cacheKey(instruction.original)
        key.add("argv", arguments.joined(separator: "\u{0}"))
        key.add("env", environment.joined(separator: "\u{0}"))
        key.add("user", config.config?.User ?? "")
        key.add("workdir", config.config?.WorkingDir ?? "")
        for mount in mounts { key.add("mount", mount) }
        if let network { key.add("network", network) }
        for heredoc in heredocs { key.add("heredoc", "\(heredoc.fileDescriptor) \(heredoc.expands) \(heredoc.content)") }
        if try reuseCached(key.digest, isLast: isLast) { return }

        let parent = try ensureImage()
        var request = BuildRunRequest(image: parent, arguments: arguments, environment: environment)
        request.user = config.config?.User.flatMap { $0.isEmpty ? nil : $0 }
        request.workingDirectory = config.config?.WorkingDir.flatMap { $0.isEmpty ? nil : $0 }
        request.mounts = mounts
        request.network = network
        // The shell expands an unquoted heredoc's body itself (BuildKit's behaviour).
        request.heredocs = heredocs
        let session = self.session
        request.stageRootfs = { name in try session.stageRootfs(name) }
        request.stageImage = { name in try session.graph.stage(named: name).map { try session.result(of: $0).imageID } }
        let container = try session.engine.runBuildStep(request, settings: options.run, output: session.stepOutput)
        defer { try? container.remove() }
        guard container.exitCode == 0 else {
            throw ContainerError.startFailed("building at STEP \"\(instruction.original)\": while running runtime: exit status \(container.exitCode)\(container.exitNote)",
                                             exitCode: container.exitCode)
        }
        try commitStep(key: key.digest, createdBy: createdBy, newLayer: container.upperDirectory, isLast: isLast)
    }

    private func expandedHeredocs(_ heredocs: [Heredoc]) throws -> [Heredoc] {
        try heredocs.map { heredoc in
            var expanded = heredoc
            if heredoc.expands { expanded.content = try session.expander.expandHeredoc(heredoc.content, lookup) }
            return expanded
        }
    }

    func copyStep(_ instruction: Instruction, sources: [RawWord], destination: RawWord, heredocs: [Heredoc],
                  isAdd: Bool, isLast: Bool) throws {
        let keyword = isAdd ? "ADD" : "COPY"
        var request = CopyRequest(sources: try sources.flatMap(expandFields), heredocs: heredocs,
                                  destination: try expand(destination),
                                  workingDirectory: config.config?.WorkingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/")
        request.isAdd = isAdd
        request.timestamp = options.timestamp
        var from: String?
        var flagTexts: [String] = []
        for flag in instruction.flags {
            let value = try flag.value.map(expand)
            flagTexts.append("--\(flag.name)" + (value.map { "=" + $0 } ?? ""))
            switch flag.name {
            case "from": from = value
            case "chown": request.chown = value
            case "chmod": request.chmod = value
            case "link": request.link = value.map { $0 != "false" } ?? true
            case "parents": request.parents = value.map { $0 != "false" } ?? true
            case "exclude": request.excludes.append(value ?? "")
            case "checksum" where isAdd: request.checksum = value
            case "keep-git-dir" where isAdd: request.keepGitDir = value.map { $0 != "false" } ?? true
            default:
                throw ImageError.invalidArgument("\(instruction.location): \(keyword) --\(flag.name) is not supported")
            }
        }
        request.heredocs = try expandedHeredocs(heredocs)
        let source: CopySource
        var fromImage = ""
        if let from {
            let (rootfs, id) = try session.copySource(from)
            source = .rootfs(rootfs)
            fromImage = id
        } else {
            let ignore = session.context.ignore
            source = .context(root: session.context.directory, exclude: { ignore.excludes($0) },
                              mayIncludeBelow: { ignore.mayIncludeBelow($0) })
        }
        let digest = try CopyStep.cacheDigest(request, from: source, digestCache: session.digestCache)
        let createdBy = "/bin/sh -c #(nop) \(keyword) \(flagTexts.isEmpty ? "" : flagTexts.joined(separator: " ") + " ")file:\(digest.hex) in \(request.destination) "
        var key = cacheKey(createdBy)
        key.add("from", fromImage)
        if try reuseCached(key.digest, isLast: isLast) { return }
        let layer = try session.engine.store.scratchDirectory(purpose: "copy")
        do {
            try CopyStep.perform(request, from: source, into: layer, image: try currentRootfs())
        } catch {
            session.engine.store.releaseScratchDirectory(layer)
            throw error
        }
        try commitStep(key: key.digest, createdBy: createdBy, newLayer: layer, isLast: isLast)
    }

    func workdirStep(_ instruction: Instruction, path: String, isLast: Bool) throws {
        let current = config.config?.WorkingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        let resolved = BuildPath.clean(path.hasPrefix("/") ? path : current + "/" + path)
        var container = config.config ?? ContainerConfig()
        container.WorkingDir = resolved
        config.config = container
        let createdBy = "/bin/sh -c #(nop) WORKDIR \(resolved)"
        var key = cacheKey(createdBy)
        key.add("user", container.User ?? "")
        if try reuseCached(key.digest, isLast: isLast) { return }
        let layer = try directoryLayer([resolved], user: container.User ?? "")
        try commitStep(key: key.digest, createdBy: createdBy, newLayer: layer, isLast: isLast)
    }

    /// A layer holding those of `paths` the image lacks (nil when it has them all).
    func directoryLayer(_ paths: [String], user: String) throws -> String? {
        let image = try currentRootfs()
        guard try BuildDirectoryLayer.isNeeded(paths, image: image) else { return nil }
        let directory = try session.engine.store.scratchDirectory(purpose: "directories")
        do {
            try BuildDirectoryLayer.create(paths, in: directory, image: image, user: user, timestamp: options.timestamp)
        } catch {
            session.engine.store.releaseScratchDirectory(directory)
            throw error
        }
        return directory
    }

    /// The files of the image as built so far.
    func currentRootfs() throws -> MergedRootfs {
        let store = session.engine.store
        guard !layers.isEmpty else { return try MergedRootfs(directory: try session.emptyDirectory(), location: "stage \(stage.index)") }
        return try MergedRootfs(layers: layers.reversed().map { store.layerDiffDir($0) }, location: "the image being built")
    }

    /// An image to run the step on: the current one, or (scratch) a fresh empty one.
    private func ensureImage() throws -> String {
        if let imageID { return imageID }
        let record = try session.engine.writeBuildImage(self, newLayer: nil, names: [], intermediate: true)
        if !options.layers { session.noteTemporary(record.id) }
        imageID = record.id
        return record.id
    }
}

/// Container paths as docker cleans them: absolute, no `.`, `..` or double slashes.
enum BuildPath {
    static func clean(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." || part.isEmpty { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}
