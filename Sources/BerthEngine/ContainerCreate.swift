// `create` (and the first half of `run`): resolves the image, merges its config
// with the user's options (podman's precedence) and writes the container record.
import BerthImage
import BerthSystem
import BerthRuntime
import FoundationEssentials

package struct CreateOptions: Sendable {
    package var image: String
    package var command: [String] = []
    package var entrypoint: String?
    package var env: [String] = []
    package var envFiles: [String] = []
    package var workingDir: String?
    package var user: String?
    package var hostname: String?
    package var name: String?
    package var replace = false
    package var autoRemove = false
    package var interactive = false
    package var tty = false
    package var readOnly = false
    package var useInit = false
    package var volumes: [String] = []
    package var mounts: [String] = []
    package var tmpfs: [String] = []
    /// --network as given; "" (or "private"): the default for the user (bridge for root).
    package var network = ""
    package var privileged = false
    package var capAdd: [String] = []
    package var capDrop: [String] = []
    package var securityOpts: [String] = []
    package var userns: String?
    package var ulimits: [String] = []
    package var labels: [String] = []
    /// How to get the image when the store lacks it (or always, by policy).
    package var fetch = ImageFetch()
    /// `--cidfile`: written with the new container's ID; must not exist yet.
    package var idFile: String?
    /// --stop-signal; nil keeps the image's StopSignal (or SIGTERM).
    package var stopSignal: String?
    /// --umask (octal text); nil: podman's 0022.
    package var umask: String?
    /// --group-add: group names (looked up in the container at start) or numbers.
    package var groupAdd: [String] = []
    /// --shm-size in bytes; nil: 64 MiB.
    package var shmSize: UInt64?
    /// --personality: LINUX or LINUX32.
    package var personality: String?
    /// --stop-timeout, --timeout (seconds), --annotation KEY=VALUE and --tz.
    package var stopTimeout: UInt?
    package var timeout: UInt?
    package var annotations: [String] = []
    /// --requires: names or IDs of containers started before this one.
    package var requires: [String] = []
    /// --passwd, --passwd-entry, --hostuser (ContainerAccounts.swift).
    package var accounts = AccountOptions()
    package var timezone: String?
    /// --restart as given (checked at create), --pidfile and --conmon-pidfile.
    package var restartPolicy: String?
    package var pidFile: String?
    package var conmonPidFile: String?
    /// --log-driver (nil: k8s-file) and --log-opt max-size (bytes), path, tag.
    package var logDriver: String?
    package var logMaxSize: Int64?
    package var logPath: String?
    package var logTag: String?
    /// --unsetenv NAME and --unsetenv-all: drop the image's and berth's default variables (not -e's).
    package var unsetEnv: [String] = []
    package var unsetEnvAll = false
    /// --env-merge NAME=VALUE: VALUE may use the defaults' variables (`${PATH}:/opt`).
    package var envMerge: [String] = []
    /// A build's RUN container (BuildRunStep): marked with this process as its
    /// owner; its environment is `env` exactly (plus PATH when missing), as buildah's.
    package var buildOwner: BuildOwner?
    /// Mounts already resolved by the caller (RUN --mount), after the parsed ones.
    package var resolvedMounts: [VolumeMount] = []
    /// build --no-hosts, --add-host and --dns.
    package var noHosts = false
    package var addHosts: [String] = []
    package var dnsServers: [String] = []
    /// --dns-search and --dns-option (run and create).
    package var dnsSearch: [String] = []
    package var dnsOptions: [String] = []
    /// --health-*, --no-healthcheck and --health-on-failure, already checked.
    package var health = HealthOverrides()
    /// --volumes-from, --image-volume and --read-only-tmpfs (ContainerVolumes.swift).
    package var volumeRequests = VolumeRequests()
    /// The limit flags, their syntax already checked, and the --cgroup* options.
    package var resources = ContainerResources()
    package var cgroup = CgroupSettings()
    /// --ip, --ip6, --mac-address and --network-alias (ContainerNetworkMode.swift).
    package var networkFlags = NetworkFlags()
    /// -p, --expose and -P (PublishedPorts.swift).
    package var portRequests = PortRequests()
    /// --pid, --ipc, --uts, --sysctl and --device (NamespaceModes.swift).
    package var namespaces = NamespaceOptions()
    /// --sdnotify as given (ContainerSdNotify.swift).
    package var sdNotify: String?
    /// --init-path as given (ContainerInitPath.swift).
    package var initPath: String?

    package init(image: String) { self.image = image }
}

extension Engine {
    /// The container record from the options and the image in the store (no pull: see `create`).
    func createContainer(_ options: CreateOptions) throws -> ContainerRecord {
        let image = try resolveImage(options.image)
        let config = try store.config(of: image).config ?? ContainerConfig()
        if let name = options.name, !Engine.isValidName(name) {
            throw ContainerError.invalid("container name \"\(name)\" must match [a-zA-Z0-9][a-zA-Z0-9_.-]*")
        }
        let entrypoint = options.entrypoint.map { $0.isEmpty ? [] : ConfigChange.commandForm($0, shell: false) } ?? (config.Entrypoint ?? [])
        // An explicit --entrypoint drops the image's CMD, as docker and podman do.
        let cmd = !options.command.isEmpty ? options.command : (options.entrypoint != nil ? [] : (config.Cmd ?? []))
        let args = entrypoint + cmd
        guard let path = args.first else {
            throw ContainerError.invalid("no command or entrypoint provided, and no CMD or ENTRYPOINT from image")
        }
        let env = options.buildOwner != nil ? Engine.buildEnvironment(options.env) : try environment(options, image: config)
        let parsed = try VolumeParser.parse(volumes: options.volumes, mounts: options.mounts, tmpfs: options.tmpfs) + options.resolvedMounts
        var mounts = try plannedMounts(options, parsed: parsed, imageConfig: config)
        for opt in options.securityOpts { try Engine.validateSecurityOpt(opt) }
        for ulimit in options.ulimits { _ = try Ulimit.parse(ulimit) }
        // Names only: the set itself (which reads the bounding set from /proc) is the start's business.
        for name in options.capAdd + options.capDrop { _ = try Capabilities.normalize(name) }
        let networkMode = try networkMode(options.network, flags: options.networkFlags)
        if let userns = options.userns, userns != "keep-id", userns != "host", userns != "" {
            throw ContainerError.invalid("unsupported --userns \"\(userns)\": use keep-id")
        }
        try Engine.validateProcessSetup(options)
        let published = try resolvePorts(options.portRequests, network: options.network, image: config)
        var labels = config.Labels ?? [:]
        for label in options.labels {
            let parts = label.split(separator: "=", maxSplits: 1)
            labels[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        let id = RandomID.hex(32)
        var record = ContainerRecord(
            id: id, name: options.name ?? "", imageID: image.id, imageName: image.names.first ?? image.id,
            layers: image.layers, created: Date().timeIntervalSince1970, path: path, args: Array(args.dropFirst()),
            entrypoint: entrypoint, cmd: cmd, env: env, workingDir: options.workingDir ?? config.WorkingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/",
            user: options.user ?? (options.userns == "keep-id" ? "\(ProcessIdentity.uid):\(ProcessIdentity.gid)" : nil) ?? config.User ?? "", hostname: options.hostname ?? String(id.prefix(12)),
            mounts: mounts, readOnly: options.readOnly, privileged: options.privileged,
            capAdd: options.capAdd, capDrop: options.capDrop, seccomp: nil, noNewPrivileges: false,
            useInit: options.useInit, network: networkMode.mode, tty: options.tty, interactive: options.interactive,
            autoRemove: options.autoRemove, ulimits: options.ulimits, userns: options.userns ?? "", labels: labels,
            stopSignal: options.stopSignal ?? config.StopSignal ?? "SIGTERM", isRootless: StorePaths.isRootless,
            stopTimeout: options.stopTimeout, timeout: options.timeout,
            annotations: try Engine.annotations(options.annotations), timezone: try Engine.checkedTimezone(options.timezone))
        record.umask = options.umask
        record.networkRequests = networkMode.requests
        record.restartPolicy = try options.restartPolicy.map { text in
            let policy = try RestartPolicy(parsing: text)
            if policy.kind != .no && options.autoRemove {
                throw ContainerError.invalid("the --rm option conflicts with --restart, when the restartPolicy is not \"\" and \"no\"")
            }
            return text
        }
        record.pidFile = options.pidFile.map(FileSystem.absolute)
        record.conmonPidFile = options.conmonPidFile.map(FileSystem.absolute)
        record.sdNotifyMode = try options.sdNotify.map { try SdNotifyMode(flag: $0).rawValue }
        record.initPath = try Engine.checkedInitPath(options.initPath)
        record.logDriver = options.logDriver
        record.logMaxSize = options.logMaxSize.flatMap { $0 > 0 ? $0 : nil }
        record.logPath = options.logPath.map(FileSystem.absolute)
        record.logTag = options.logTag
        record.groupAdd = options.groupAdd.isEmpty ? nil : options.groupAdd
        record.shmSize = options.shmSize
        record.personality = options.personality
        record.builder = options.buildOwner
        record.healthcheck = Engine.healthcheck(options.health, image: config.Healthcheck)
        if options.health.onFailure != HealthOnFailure.none { record.healthOnFailure = options.health.onFailure.rawValue }
        try Engine.validateEtcFlags(noHosts: options.noHosts, addHosts: options.addHosts, dnsServers: options.dnsServers)
        if options.noHosts { record.noHosts = true }
        if !options.addHosts.isEmpty { record.addHosts = options.addHosts }
        if !options.dnsServers.isEmpty { record.dnsServers = options.dnsServers }
        if !options.dnsSearch.isEmpty { record.dnsSearch = options.dnsSearch }
        if !options.dnsOptions.isEmpty { record.dnsOptions = options.dnsOptions }
        if !published.ports.isEmpty { record.ports = published.ports }
        if !published.exposed.isEmpty { record.exposedPorts = published.exposed }
        if options.portRequests.publishAll { record.publishAll = true }
        for opt in options.securityOpts {
            if opt == "no-new-privileges" || opt == "no-new-privileges=true" || opt == "no-new-privileges:true" { record.noNewPrivileges = true }
            if opt.hasPrefix("seccomp=") || opt.hasPrefix("seccomp:") {
                let value = String(opt.dropFirst(8))
                record.seccomp = value == "unconfined" ? value : FileSystem.absolute(value)
            }
        }
        try applyCgroupOptions(&record, options)
        try applyNamespaceOptions(&record, options)
        record.requires = try requiredContainers(options.requires)
        try Engine.applyAccountOptions(&record, options.accounts)
        // Last, once everything else is known to be valid: the volumes.
        let anonymousVolumes = try createVolumes(&mounts)
        TestHooks.pause(at: "create-volumes")
        record.mounts = mounts
        do {
            try writeNewContainer(&record, options)
        } catch {
            discardVolumes(anonymousVolumes)
            throw error
        }
        return record
    }

    private func writeNewContainer(_ record: inout ContainerRecord, _ options: CreateOptions) throws {
        let id = record.id
        // --replace against other --replace runs of the same name: each round one
        // of them wins the name; the others remove the winner and try again.
        let attempts = options.replace ? 10 : 3
        for attempt in 1...attempts {
            do {
                try store.withLock { () throws in
                    if let gone = removedVolume(in: record.mounts) { throw VolumeError.notFound(gone) }
                    // A generated name is chosen here, under the lock, where its claim is final.
                    if let name = options.name {
                        try ContainerNames(self).claim(name, for: id)
                    } else {
                        record.name = try ContainerNames(self).claimGenerated(for: id)
                    }
                    try FileSystem.makeDirectories(containerDir(id) + "/upper", exactMode: 0o755)
                    try FileSystem.makeDirectories(containerDir(id) + "/work", mode: 0o700)
                    try FileSystem.makeDirectories(containerDir(id) + "/userdata", mode: 0o700)
                    try writeNewContainerFiles(record)
                }
                return
            } catch ContainerError.nameInUse(_, let holder) where options.replace && attempt < attempts {
                try removeReplaced(holder)
            } catch VolumeError.notFound where attempt < attempts {
                try recreateVolumes(record.mounts)   // a volume rm came between: the volume is made again
            }
        }
        throw ContainerError.invalid("could not claim the name \(record.name): it keeps being taken")
    }

    /// --replace: the container holding the name goes first, stopped at once. Never
    /// under the store lock: a --rm container's parent records the exit and then
    /// removes it, taking the container's lock and then the store's, so a removal
    /// that waited for it with the store lock held would wait forever.
    private func removeReplaced(_ id: String) throws {
        do {
            try removeContainer(id, force: true)
        } catch ContainerError.notFound {
            // Removed meanwhile (its --rm, another rm): the name is free.
        }
    }

    /// The image's variables and berth's defaults (less --unsetenv's), then --env-file and -e.
    private func environment(_ options: CreateOptions, image config: ContainerConfig) throws -> [String] {
        let unset = Set(options.unsetEnv)
        func isDefault(_ name: String) -> Bool { !options.unsetEnvAll && !unset.contains(name) }
        var env = options.unsetEnvAll ? [] : config.Env ?? []
        env.removeAll { unset.contains(String($0.split(separator: "=", maxSplits: 1).first ?? "")) }
        if isDefault("PATH") && !env.contains(where: { $0.hasPrefix("PATH=") }) { env.insert("PATH=\(Engine.defaultPath)", at: 0) }
        if !options.envMerge.isEmpty { env = Engine.merge(env, options.envMerge.map { Engine.expand($0, from: env) }) }
        for file in options.envFiles { env = Engine.merge(env, try Engine.readEnvFile(file)) }
        env = Engine.merge(env, options.env.map(Engine.expandEnv))
        if options.tty && isDefault("TERM") && !env.contains(where: { $0.hasPrefix("TERM=") }) { env.append("TERM=xterm") }
        if isDefault("container") { env = Engine.merge(env, ["container=berth"]) }
        return env
    }

    /// A RUN step's variables as the builder gives them (the image's Env and the
    /// visible build args), with PATH added when missing, as buildah does.
    static func buildEnvironment(_ env: [String]) -> [String] {
        var result = env.map { $0.contains("=") ? $0 : $0 + "=" }
        if !result.contains(where: { $0.hasPrefix("PATH=") }) { result.insert("PATH=\(Engine.defaultPath)", at: 0) }
        return result
    }

    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first.isNumber else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-") }
    }

    /// `-e NAME` takes NAME's value from berth's own environment, as podman does.
    static func expandEnv(_ entry: String) -> String {
        if entry.contains("=") { return entry }
        return entry + "=" + (Environment.get(entry) ?? "")
    }

    /// `$NAME` and `${NAME}` in `entry` from `env` (unknown: empty), as Go's os.Expand that podman uses.
    static func expand(_ entry: String, from env: [String]) -> String {
        var values: [Substring: Substring] = [:]
        for item in env {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            values[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        var result = ""
        var rest = Substring(entry)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            var after = rest[rest.index(after: dollar)...]
            let name: Substring
            if after.first == "{", let close = after.firstIndex(of: "}") {
                name = after[after.index(after: after.startIndex)..<close]
                after = after[after.index(after: close)...]
            } else {
                name = after.prefix { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
                if name.isEmpty { result += "$" }
                after = after.dropFirst(name.count)
            }
            result += values[name] ?? ""
            rest = after
        }
        return result + rest
    }

    static func merge(_ base: [String], _ overrides: [String]) -> [String] {
        var result = base
        for entry in overrides {
            let key = entry.split(separator: "=", maxSplits: 1).first.map(String.init) ?? entry
            result.removeAll { $0.hasPrefix(key + "=") || $0 == key }
            result.append(entry)
        }
        return result
    }

    static func readEnvFile(_ path: String) throws -> [String] {
        let text = try FileSystem.readText(path)
        return text.split(separator: "\n").map { String($0).trimmedSpaces }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }.map(expandEnv)
    }

    static func validateSecurityOpt(_ opt: String) throws {
        let valid = opt.hasPrefix("seccomp=") || opt.hasPrefix("seccomp:") || opt.hasPrefix("no-new-privileges")
            || opt.hasPrefix("label=")
        guard valid else { throw ContainerError.invalid("invalid --security-opt \"\(opt)\": supported are seccomp=unconfined|FILE and no-new-privileges") }
        if opt.hasPrefix("seccomp=") || opt.hasPrefix("seccomp:") {
            let value = String(opt.dropFirst(8))
            if value != "unconfined" && !FileSystem.exists(value) {
                throw ContainerError.invalid("opening seccomp profile \(value): no such file or directory")
            }
        }
    }
}

extension Engine {
    /// --annotation KEY=VALUE, podman's rule: the "=" is required.
    static func annotations(_ entries: [String]) throws -> [String: String]? {
        guard !entries.isEmpty else { return nil }
        var result: [String: String] = [:]
        for entry in entries {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ContainerError.invalid("invalid annotation \"\(entry)\": annotations must be formatted KEY=VALUE")
            }
            result[String(parts[0])] = String(parts[1])
        }
        return result
    }
}
