// A stand-in for the buildrun helper's runBuildStep (contract shapes), so the
// executor runs end to end before it lands: a plain container made by create and
// run in the foreground by startAttached. Removed when the real one is merged.
import BerthBuild
import BerthImage
import BerthSystem
import Glibc

package struct BuildSecret: Sendable {
    package var id: String
    package var source: String?
    package var environmentVariable: String?
    package init(id: String, source: String?, environmentVariable: String?) {
        self.id = id
        self.source = source
        self.environmentVariable = environmentVariable
    }
}

package struct BuildRunSettings: Sendable {
    package var network: String?
    package var capAdd: [String] = []
    package var capDrop: [String] = []
    package var securityOptions: [String] = []
    package var ulimits: [String] = []
    package var volumes: [String] = []
    package var noHosts = false
    package var secrets: [String: BuildSecret] = [:]
    package var contextDirectory = ""
    package var addHosts: [String] = []
    package var dnsServers: [String] = []
    package init() {}
}

package struct BuildRunRequest {
    var image: String
    var arguments: [String]
    var environment: [String]
    var user: String?
    var workingDirectory: String?
    var mounts: [String] = []
    var network: String?
    var heredocs: [Heredoc] = []
    var stageRootfs: (String) throws -> MergedRootfs? = { _ in nil }

    init(image: String, arguments: [String], environment: [String]) {
        self.image = image
        self.arguments = arguments
        self.environment = environment
    }
}

package final class BuildStepOutput: Sendable {
    let quiet: Bool
    init(quiet: Bool) { self.quiet = quiet }
}

package final class BuildStepContainer {
    let engine: Engine
    let id: String
    let exitCode: Int32
    var upperDirectory: String { engine.containerDir(id) + "/upper" }
    private var removed = false

    init(engine: Engine, id: String, exitCode: Int32) {
        self.engine = engine
        self.id = id
        self.exitCode = exitCode
    }

    func remove() {
        guard !removed else { return }
        removed = true
        try? engine.removeContainer(id, force: true)
    }

    deinit { remove() }
}

extension Engine {
    func runBuildStep(_ request: BuildRunRequest, settings: BuildRunSettings, output: BuildStepOutput) throws -> BuildStepContainer {
        guard request.mounts.isEmpty, request.heredocs.isEmpty else {
            throw ContainerError.invalid("RUN --mount and heredocs come with the build container (not merged yet)")
        }
        var options = CreateOptions(image: request.image)
        options.command = request.arguments
        options.entrypoint = ""
        options.env = request.environment
        options.workingDir = request.workingDirectory
        options.user = request.user
        options.network = request.network ?? settings.network ?? "host"
        options.capAdd = settings.capAdd
        options.capDrop = settings.capDrop
        options.securityOpts = settings.securityOptions
        options.ulimits = settings.ulimits
        options.volumes = settings.volumes
        let record = try createContainer(options)
        var attach = AttachOptions()
        attach.sigProxy = true
        if output.quiet {
            let null = try FileDescriptor.openUnowned("/dev/null", O_RDWR)
            attach.detachedStdio = (null, null, 2)
        }
        let code: Int32
        do {
            code = try startAttached(record, attach: attach)
        } catch {
            try? removeContainer(record.id, force: true)
            throw error
        }
        return BuildStepContainer(engine: self, id: record.id, exitCode: code)
    }
}
