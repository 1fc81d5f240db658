// The values of one RUN step (the builder's side of BuildRunStep): what the build
// command's flags give every step, what one RUN asks, where its output goes, and
// the stopped container it leaves for the commit.
package import BerthBuild
package import BerthImage
import BerthSystem

/// Build-level settings every RUN of a build shares (the build command's flags).
package struct BuildRunSettings: Sendable {
    /// "none" | "host" | nil (berth's default: the host's network, as `run`).
    package var network: String?
    package var capAdd: [String] = []
    package var capDrop: [String] = []
    package var securityOptions: [String] = []
    package var ulimits: [String] = []
    /// -v specs, as run parses them.
    package var volumes: [String] = []
    package var noHosts = false
    /// --secret id=…,src=…|env=…, by id.
    package var secrets: [String: BuildSecret] = [:]
    /// The context directory (`RUN --mount=type=bind` without from= reads it).
    package var contextDirectory: String
    /// --add-host NAME:IP and --dns.
    package var addHosts: [String] = []
    package var dnsServers: [String] = []
    /// --dns-search and --dns-option: each RUN step's resolv.conf, as run's.
    package var dnsSearch: [String] = []
    package var dnsOptions: [String] = []
    /// --memory, --cpu-*, --cpuset-*, --cgroup-parent, --cgroupns, --shm-size: each RUN's.
    package var resources = ContainerResources()
    package var cgroup = CgroupSettings()
    package var shmSize: UInt64?
    /// --pid, --ipc, --uts and --device: each RUN's (NamespaceModes.swift).
    package var namespaces = NamespaceOptions()

    package init(contextDirectory: String) { self.contextDirectory = contextDirectory }
}

/// One `--secret`: its value comes from a file or from berth's environment.
package struct BuildSecret: Sendable, Equatable {
    package enum Source: Sendable, Equatable { case file(String), environment(String) }
    package var id: String
    package var source: Source

    package init(id: String, source: Source) {
        self.id = id
        self.source = source
    }

    /// `id=ID,src=PATH` | `id=ID,env=VAR` (`source=`, `type=file|env` as podman
    /// accepts them); without src/env, the variable ID if set, else the file ID.
    package static func parse(_ flag: String) throws -> BuildSecret {
        var fields: [String: String] = [:]
        for item in flag.split(separator: ",") {
            let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { throw ContainerError.invalid("invalid secret \"\(flag)\": use id=ID,src=FILE or id=ID,env=VAR") }
            fields[kv[0]] = kv[1]
        }
        guard let id = fields["id"], !id.isEmpty else { throw ContainerError.invalid("invalid secret \"\(flag)\": id is required") }
        let src = fields["src"] ?? fields["source"]
        switch (fields["type"], src, fields["env"]) {
        case ("env", let name?, nil), (_, nil, let name?): return BuildSecret(id: id, source: .environment(name))
        case (_, let path?, nil): return BuildSecret(id: id, source: .file(FileSystem.absolute(path)))
        case (_, nil, nil):
            if Environment.get(id) != nil { return BuildSecret(id: id, source: .environment(id)) }
            return BuildSecret(id: id, source: .file(FileSystem.absolute(id)))
        default: throw ContainerError.invalid("invalid secret \"\(flag)\": give src= or env=, not both")
        }
    }

    /// The secret's bytes; nil when its file or variable is missing.
    func value() throws -> [UInt8]? {
        switch source {
        case .environment(let name): return Environment.get(name).map { Array($0.utf8) }
        case .file(let path):
            guard FileSystem.exists(path) else { return nil }
            return try FileSystem.readFile(path, limit: 500 << 10)
        }
    }
}

/// What one RUN instruction asks, after the builder's substitutions.
package struct BuildRunRequest {
    /// The image ID the step runs on (an intermediate image).
    package var image: String
    /// argv: a shell form already wrapped in the stage's SHELL (`/bin/sh -c TEXT`).
    package var arguments: [String]
    /// The image's Env plus the build args the step can see.
    package var environment: [String]
    package var user: String?
    package var workingDirectory: String?
    /// Expanded `RUN --mount=` values, parsed by RunMountSpec.
    package var mounts: [String] = []
    /// `RUN --network=` (none | host | default).
    package var network: String?
    /// The heredocs of the RUN, bodies as written (the shell expands them unless
    /// the delimiter was quoted, as BuildKit lets it). A shell-form RUN whose text
    /// is only `<<EOF` runs the body as its script; `cmd <<EOF` and `3<<EOF` get the
    /// bodies appended to the script, so the shell feeds them to stdin or fd N.
    package var heredocs: [Heredoc] = []
    /// `--mount from=STAGE`: that stage's files; nil when `from` names an image.
    package var stageRootfs: (String) throws -> MergedRootfs? = { _ in nil }
    /// `--mount from=STAGE`: the image ID of that earlier stage (name or index),
    /// whose layers are mounted read-only; nil when `from` names an image.
    package var stageImage: (String) throws -> String? = { _ in nil }

    package init(image: String, arguments: [String], environment: [String], user: String? = nil, workingDirectory: String? = nil) {
        self.image = image
        self.arguments = arguments
        self.environment = environment
        self.user = user
        self.workingDirectory = workingDirectory
    }
}

/// Where a step's process writes: podman prints RUN output on the build's stdout
/// as it comes (stderr stays stderr).
package struct BuildStepOutput: Sendable {
    package var standardOutput: Int32
    package var standardError: Int32

    package init(standardOutput: Int32 = 1, standardError: Int32 = 2) {
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    /// The build's own stdout and stderr.
    package static let standard = BuildStepOutput()
}
