// `build`: the Containerfile parsed, the stages the target needs built (those that
// do not depend on each other side by side), the final image named, its ID
// written to --iidfile. One BuildSession per build holds what every stage shares.
import BerthBuild
import BerthImage
import BerthSystem
import FoundationEssentials
import Glibc
import Synchronization

extension Engine {
    package func build(_ options: BuildOptions, output: BuildOutput) throws -> BuildReport {
        let names = try options.tags.map { try ImageReference.parse($0, defaultDomain: .localhost) }
        guard options.platform.os == PlatformChoice.host.os, options.platform.architecture == PlatformChoice.host.architecture else {
            throw ImageError.invalidArgument("building for platform \(options.platform.description) is not supported: berth builds for this machine's platform (\(PlatformChoice.host.description)) only")
        }
        let context = try BuildContext.prepare(options, store: store)
        defer { context.discard() }
        var options = options
        // RUN --mount=type=bind reads the context: the unpacked one when it came on stdin.
        options.run.contextDirectory = context.directory
        var dockerfile = try DockerfileParser.parse(context.dockerfileText, file: context.dockerfileName)
        guard !dockerfile.stages.isEmpty else {
            throw ImageError.invalidArgument("\(context.dockerfileName): no FROM instruction: nothing to build")
        }
        if let from = options.from { dockerfile.stages[0].base = RawWord(from) }
        let graph = try StageGraph(dockerfile, target: options.target)
        let session = try BuildSession(engine: self, options: options, output: output, dockerfile: dockerfile,
                                       graph: graph, context: context, names: names)
        let final = try session.run()
        // The stat-keyed digests learnt: the next build hashes no file it hashed now.
        try? session.digestCache.save()
        for argument in session.unusedArguments() {
            Warnings.report("[Warning] one or more build args were not consumed: [\(argument)]")
        }
        if let file = options.imageIDFile {
            try AtomicFile.write("sha256:" + final.imageID, to: file, durable: false)
        }
        // podman 4.3 names the built image's ID in Name, with no ID.
        recordEvent(.image("build", name: final.imageID))
        for name in names { output.line("Successfully tagged \(name.description)") }
        output.always(final.imageID)
        return BuildReport(imageID: final.imageID, names: names.map(\.description))
    }
}

/// What one built stage leaves for later ones: its image and its layers.
struct StageResult: Sendable {
    var imageID: String
    var layers: [String]
    var config: ImageConfig
    /// The image's name in the store, for FROM images (history comments).
    var name: String?
}

/// Everything the stages of one build share; stage results arrive from several threads.
final class BuildSession: @unchecked Sendable {
    let engine: Engine
    let options: BuildOptions
    let output: BuildOutput
    let dockerfile: Dockerfile
    let graph: StageGraph
    let context: BuildContext
    let names: [ImageReference]
    let buildArgs: BuildArgs
    let expander: WordExpander
    /// What FROM lines may substitute: the global ARGs with the user's values.
    let fromArgs: [String: String]
    let created: String
    let cache: BuildCache
    let digestCache: ContextDigestCache
    private let results = Mutex<[Int: StageResult]>([:])
    /// Images made only to run the next step on, removed at the end (--layers=false).
    private let temporaries = Mutex<[String]>([])
    private let empty = Mutex<String?>(nil)
    /// Where RUN steps' output goes: ours, or nowhere with -q.
    let stepOutput: BuildStepOutput
    /// -q: RUN output goes to /dev/null, as podman's does.
    private let quietOutput: FileDescriptor?

    init(engine: Engine, options: BuildOptions, output: BuildOutput, dockerfile: Dockerfile, graph: StageGraph,
         context: BuildContext, names: [ImageReference]) throws {
        self.engine = engine
        self.options = options
        self.output = output
        self.dockerfile = dockerfile
        self.graph = graph
        self.context = context
        self.names = names
        let platform = (os: options.platform.os, arch: options.platform.architecture, variant: options.platform.variant)
        buildArgs = BuildArgs(userArgs: options.buildArgs, platform: platform)
        expander = WordExpander(escape: dockerfile.escape)
        fromArgs = try buildArgs.fromEnvironment(globalArgs: dockerfile.globalArgs, expander: expander)
        let seconds = options.timestamp.map { Double($0) } ?? Date().timeIntervalSince1970
        created = RFC3339.format(Date(timeIntervalSince1970: seconds))
        cache = BuildCache(store: engine.store)
        digestCache = ContextDigestCache(directory: engine.store.root + "/build-cache")
        if options.quiet {
            quietOutput = try FileDescriptor.open("/dev/null", O_WRONLY)
            stepOutput = BuildStepOutput(standardOutput: quietOutput!.raw, standardError: 2)
        } else {
            quietOutput = nil
            stepOutput = .standard
        }
    }

    /// An empty directory: the files of `scratch`.
    func emptyDirectory() throws -> String {
        try empty.withLock { path in
            if let path { return path }
            let made = try engine.store.scratchDirectory(purpose: "scratch-stage")
            path = made
            return made
        }
    }

    /// Builds the needed stages; returns the last one's result (the target).
    func run() throws -> StageResult {
        var pending = graph.needed
        defer { removeTemporaries() }
        while !pending.isEmpty {
            let done = results.withLock { Set($0.keys) }
            let ready = pending.filter { graph.dependencies(of: $0).isSubset(of: done) }
            guard !ready.isEmpty else {
                throw ImageError.invalidArgument("\(dockerfile.file): the stages \(pending) depend on each other in a circle")
            }
            pending.removeAll { ready.contains($0) }
            let session = UncheckedSendable(self)
            _ = try ParallelWork.map(ready.count, width: max(1, options.jobs)) { job in
                let index = ready[job]
                let result = try StageBuilder(session: session.value, stage: session.value.dockerfile.stages[index]).build()
                session.value.results.withLock { $0[index] = result }
            }
        }
        return try result(of: graph.needed.last!)
    }

    func result(of stage: Int) throws -> StageResult {
        guard let result = results.withLock({ $0[stage] }) else {
            throw ImageError.invalidArgument("\(dockerfile.file): stage \(stage) is used before it was built")
        }
        return result
    }

    var isFinalStage: (Int) -> Bool { { [graph] in $0 == graph.needed.last } }

    /// "[2/3] " before every line when the file has several stages, as podman prints.
    func prefix(_ stage: Int) -> String {
        dockerfile.stages.count > 1 ? "[\(stage + 1)/\(dockerfile.stages.count)] " : ""
    }

    func noteTemporary(_ id: String) { temporaries.withLock { $0.append(id) } }

    func unusedArguments() -> [String] {
        buildArgs.unusedUserArgs(in: dockerfile, stages: graph.needed)
    }

    private func removeTemporaries() {
        if let path = empty.withLock({ $0 }) { engine.store.releaseScratchDirectory(path) }
        let ids = temporaries.withLock { $0 }
        guard !ids.isEmpty else { return }
        _ = try? engine.removeImages(ids, force: false, all: false)
    }
}
