// One RUN step of a build: a real container (hidden from ps without --external,
// as podman hides buildah's) created from the step's image with buildah's
// defaults for a RUN, run in the foreground with its output on the build's,
// and left stopped so the builder can commit its upper dir. Its removal is
// certain: on an error, on SIGINT/SIGTERM during the step, and, after a killed
// build, by the next build or rm (sweepStaleBuildContainers).
import BerthBuild
import BerthImage
import BerthSystem
import Glibc

/// A finished RUN step's container: stopped, its upper dir ready to become a layer.
package final class BuildStepContainer {
    package let id: String
    package let name: String
    /// The step's exit code (128+N for signal N); set once it ran.
    package internal(set) var exitCode: Int32 = -1
    /// The kernel's OOM killer ended the step (a build's --memory).
    package internal(set) var oomKilled = false
    /// The overlay upper dir: what the step changed, in overlay-upper form.
    package let upperDirectory: String
    private let engine: Engine
    private let resources: BuildRunResources
    private var removed = false

    init(engine: Engine, record: ContainerRecord, resources: BuildRunResources) {
        self.engine = engine
        id = record.id
        name = record.name
        upperDirectory = engine.containerDir(record.id) + "/upper"
        self.resources = resources
    }

    /// Removes the record, upper and work dirs, runtime dir, name and the step's
    /// scratch files, and releases its cache locks. Idempotent.
    package func remove() throws {
        guard !removed else { return }
        removed = true
        defer {
            resources.release()
            try? FileSystem.removeTree(resources.scratch)
        }
        do {
            try engine.removeContainer(id, force: true)
        } catch ContainerError.notFound {
            // Gone already (an rm from elsewhere).
        }
    }

    deinit { try? remove() }

    /// What the exit status alone does not say: an OOM kill under the build's --memory.
    package var exitNote: String {
        oomKilled ? " (killed by the OOM killer: the RUN needed more memory than the build's --memory allows)" : ""
    }
}

extension Engine {
    /// Runs the step to completion; the container is left stopped so the caller can
    /// take its upper dir, then `remove()`s it. A non-zero exit is the caller's to
    /// report (`exitCode`); a signal to berth during the step removes the container
    /// and throws `ContainerError.interrupted`.
    package func runBuildStep(_ request: BuildRunRequest, settings: BuildRunSettings,
                              output: BuildStepOutput) throws -> BuildStepContainer {
        // SIGINT/SIGTERM from here on are recorded; once the container runs they kill
        // it (its init ignores signals it has no handler for).
        SignalForwarder.start(forwardingTo: 0, sending: SIGKILL)
        defer { SignalForwarder.stop() }
        try sweepStaleBuildContainersOnce()
        let specs = try request.mounts.map(RunMountSpec.parse)
        let network = try Engine.buildNetwork(step: request.network, build: settings.network)
        let image = try resolveImage(request.image)
        let imageFiles = try MergedRootfs(layers: image.layers.reversed().map { store.layerDiffDir($0) },
                                          location: "image \(image.id.prefix(12))")

        let scratch = try newBuildScratchDirectory()
        let resources = BuildRunResources(scratch: scratch)
        let record: ContainerRecord
        do {
            try prepareMounts(specs, request, settings: settings, image: imageFiles, into: resources)
            // /run/.containerenv is bound for the step only: podman's layers never hold it.
            resources.mountPoints += try Engine.missingPaths("/run/.containerenv", in: imageFiles)
            var options = CreateOptions(image: image.id)
            options.entrypoint = ""
            options.command = try BuildHeredocScript.arguments(request, scratch: scratch, mounts: &resources.mounts)
            options.env = request.environment
            options.user = request.user.flatMap { $0.isEmpty ? nil : $0 }
            options.workingDir = request.workingDirectory.flatMap { $0.isEmpty ? nil : $0 }
            options.network = network
            options.capAdd = settings.capAdd
            options.capDrop = settings.capDrop
            options.securityOpts = settings.securityOptions
            options.ulimits = settings.ulimits
            options.volumes = settings.volumes
            options.noHosts = settings.noHosts
            options.addHosts = settings.addHosts
            options.dnsServers = settings.dnsServers
            options.dnsSearch = settings.dnsSearch
            options.dnsOptions = settings.dnsOptions
            // The build's limit flags: each RUN is placed and limited as a container.
            options.resources = settings.resources
            options.cgroup = settings.cgroup
            options.shmSize = settings.shmSize
            options.namespaces = settings.namespaces
            options.resolvedMounts = resources.mounts
            options.buildOwner = .current
            record = try createWorkingContainer(options, image: image)
        } catch {
            resources.release()
            try? FileSystem.removeTree(scratch)
            throw error
        }
        let container = BuildStepContainer(engine: self, record: record, resources: resources)
        do {
            try checkInterrupted(container)
            let input = try FileDescriptor.openUnowned("/dev/null", O_RDONLY)
            defer { FileDescriptor.close(unowned: input) }
            var attach = AttachOptions()
            attach.sigProxy = false
            attach.detachedStdio = (input, output.standardOutput, output.standardError)
            // Secrets as variables reach the process only, never the record on disk.
            attach.environment = resources.environment
            container.exitCode = try startAttached(record, attach: attach) { started in
                SignalForwarder.retarget(self.readState(started.id).pid)
            }
            container.oomKilled = readState(record.id).oomKilled == true
            try checkInterrupted(container)
            Engine.removeMountPoints(resources.mountPoints, upper: container.upperDirectory)
            resources.release()
        } catch {
            try? container.remove()
            throw error
        }
        return container
    }

    private func checkInterrupted(_ container: BuildStepContainer) throws {
        let signal = SignalForwarder.received
        guard signal != 0 else { return }
        try? container.remove()
        throw ContainerError.interrupted(signal: signal)
    }

    /// `RUN --network=` over the build's --network (default: host): none, host,
    /// pasta[:opts] and slirp4netns[:opts] as run has them; private and bridge, as
    /// podman build takes them, are the user's default (pasta rootless, the
    /// default bridge network for root).
    static func buildNetwork(step: String?, build: String?) throws -> String {
        let mode = step.flatMap { $0 == "default" ? nil : $0 } ?? build ?? "host"
        if mode == "none" || mode == "host" { return mode }
        if mode == "private" || mode == "bridge" { return StorePaths.isRootless ? Engine.defaultNetworkMode : "bridge" }
        if UserModeNetworkMode.isUserMode(mode) {
            _ = try UserModeNetworkMode(parsing: mode)
            return mode
        }
        // Networks by name (`a,b`): the step's container joins them as run's does.
        if mode.split(separator: ",", omittingEmptySubsequences: false).allSatisfy({ NetworkNames.isValid(String($0)) }) { return mode }
        throw ContainerError.invalid("network mode \"\(mode)\" is not supported for RUN: use none, host, private, bridge, pasta, slirp4netns, default or a network's name")
    }

    /// buildah names its containers IMAGE-working-container(-N); so does berth.
    private func createWorkingContainer(_ options: CreateOptions, image: ImageRecord) throws -> ContainerRecord {
        var options = options
        let base = String(image.id.prefix(12)) + "-working-container"
        for attempt in 0..<100 {
            options.name = attempt == 0 ? base : base + "-\(attempt)"
            do {
                return try createContainer(options)
            } catch ContainerError.nameInUse {
                continue
            }
        }
        throw ContainerError.invalid("no free name for a build container of image \(image.id.prefix(12))")
    }
}
