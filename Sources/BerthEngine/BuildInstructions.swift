// The instructions that change only the image's config (CMD, ENTRYPOINT, ENV,
// LABEL, EXPOSE, VOLUME, USER, WORKDIR, STOPSIGNAL, HEALTHCHECK, SHELL, MAINTAINER,
// ARG, ONBUILD), and the dispatch of every instruction to its step.
import BerthBuild
import BerthImage
import BerthSystem

extension StageBuilder {
    func execute(_ instruction: Instruction, isLast: Bool) throws {
        var container = config.config ?? ContainerConfig()
        var nop = instruction.original
        /// VOLUME's directories, made in the step's layer when the image lacks them (buildah's way).
        var volumePaths: [String] = []
        switch instruction.kind {
        case .run(let form, let heredocs):
            return try runStep(instruction, form: form, heredocs: heredocs, isLast: isLast)
        case .copy(let sources, let destination, let heredocs):
            return try copyStep(instruction, sources: sources, destination: destination, heredocs: heredocs, isAdd: false, isLast: isLast)
        case .add(let sources, let destination, let heredocs):
            return try copyStep(instruction, sources: sources, destination: destination, heredocs: heredocs, isAdd: true, isLast: isLast)
        case .workdir(let word):
            return try workdirStep(instruction, path: try expand(word), isLast: isLast)
        case .cmd(let form):
            container.Cmd = commandArray(form)
            cmdSetHere = true
        case .entrypoint(let form):
            container.Entrypoint = commandArray(form)
            // docker: an ENTRYPOINT drops the CMD the base image had, not one set in this stage.
            if !cmdSetHere { container.Cmd = nil }
        case .shell(let words):
            container.Shell = words
            warnOCI("SHELL is not supported for OCI image format, [\(words.joined(separator: " "))] will be ignored. Must use `docker` format")
        case .env(let pairs):
            var env = container.Env ?? []
            var texts: [String] = []
            for (keyWord, valueWord) in pairs {
                let key = try expand(keyWord), value = try expand(valueWord)
                env = Engine.merge(env, [key + "=" + value])
                texts.append(key + "=" + value)
            }
            container.Env = env
            nop = "ENV " + texts.joined(separator: " ")
        case .label(let pairs):
            var labels = container.Labels ?? [:]
            var texts: [String] = []
            for (keyWord, valueWord) in pairs {
                let key = try expand(keyWord), value = try expand(valueWord)
                labels[key] = value
                texts.append(key + "=" + value)
            }
            container.Labels = labels
            nop = "LABEL " + texts.joined(separator: " ")
        case .maintainer(let name):
            config.author = name
        case .expose(let words):
            var ports = container.ExposedPorts ?? [:]
            for word in words {
                for port in try expandFields(word) {
                    let spec = port.contains("/") ? port.lowercased() : port + "/tcp"
                    guard let number = spec.split(separator: "/").first, Int(number) != nil || number.contains("-") else {
                        throw ImageError.invalidArgument("\(instruction.location): EXPOSE: invalid port \"\(port)\"")
                    }
                    ports[spec] = EmptyObject()
                }
            }
            container.ExposedPorts = ports
        case .volume(let words):
            var volumes = container.Volumes ?? [:]
            for word in words {
                for path in try expandFields(word) where !path.isEmpty {
                    volumes[path] = EmptyObject()
                    volumePaths.append(BuildPath.clean(path.hasPrefix("/") ? path : (container.WorkingDir ?? "/") + "/" + path))
                }
            }
            container.Volumes = volumes
        case .user(let word):
            container.User = try expand(word)
            nop = "USER " + (container.User ?? "")
        case .stopSignal(let word):
            let signal = try expand(word)
            guard SignalName.number(signal) != nil else {
                throw ImageError.invalidArgument("\(instruction.location): STOPSIGNAL: invalid signal \"\(signal)\"")
            }
            container.StopSignal = signal
        case .healthcheck(let spec):
            container.Healthcheck = try healthcheck(spec, at: instruction.location)
            warnOCI("HEALTHCHECK is not supported for OCI image format and will be ignored. Must use `docker` format")
        case .arg(let declarations):
            for declaration in declarations {
                try scope.declare(declaration, env: environmentMap())
            }
            nop = "ARG " + declarations.map(\.name).joined(separator: " ")
        case .onbuild(let trigger):
            container.OnBuild = (container.OnBuild ?? []) + [trigger.original]
            warnOCI("ONBUILD is not supported for OCI image format, \(trigger.original) will be ignored. Must use `docker` format")
        }
        config.config = container
        let createdBy = "/bin/sh -c #(nop) " + nop
        var key = cacheKey(createdBy)
        // The history text keeps words as written: the resulting config decides the key.
        key.add("config", String(decoding: JSONCoding.encode(container), as: UTF8.self))
        key.add("author", config.author ?? "")
        // An ARG's value is not part of its key (podman's rule): the steps that see the
        // arg carry it in theirs (a RUN's environment, a substituted word).
        if try reuseCached(key.digest, isLast: isLast) { return }
        let layer = volumePaths.isEmpty ? nil : try directoryLayer(volumePaths, user: "")
        try commitStep(key: key.digest, createdBy: createdBy, newLayer: layer, isLast: isLast)
    }

    /// podman's warning when an instruction has no place in an OCI config.
    private func warnOCI(_ message: String) {
        if options.format == .oci { Warnings.report(message) }
    }

    /// CMD and ENTRYPOINT: the JSON form as written; the shell form through
    /// `/bin/sh -c` (podman's: the stage's SHELL applies to RUN only).
    private func commandArray(_ form: CommandForm) -> [String] {
        switch form {
        case .exec(let words): return words
        case .shell(let text): return ["/bin/sh", "-c", text]
        }
    }

    /// RUN's shell form: the stage's SHELL (or `/bin/sh -c`) with the text.
    func shellWords() -> [String] {
        config.config?.Shell ?? ["/bin/sh", "-c"]
    }

    private func healthcheck(_ spec: HealthcheckSpec?, at location: SourceLocation) throws -> HealthConfig {
        guard let spec else { return HealthConfig(test: ["NONE"]) }
        var health: HealthConfig
        switch spec.command {
        case .exec(let words): health = HealthConfig(test: ["CMD"] + words)
        case .shell(let text): health = HealthConfig(test: ["CMD-SHELL", text])
        }
        for flag in spec.flags {
            let value = try flag.value.map(expand) ?? ""
            func duration() throws -> Int64 {
                guard let nanos = GoDuration.parse(value) else {
                    throw ImageError.invalidArgument("\(location): HEALTHCHECK --\(flag.name): invalid duration \"\(value)\"")
                }
                return nanos
            }
            switch flag.name {
            case "interval": health.Interval = try duration()
            case "timeout": health.Timeout = try duration()
            case "start-period": health.StartPeriod = try duration()
            case "start-interval": health.StartInterval = try duration()
            case "retries":
                guard let retries = Int(value), retries >= 0 else {
                    throw ImageError.invalidArgument("\(location): HEALTHCHECK --retries: invalid number \"\(value)\"")
                }
                health.Retries = retries
            default:
                throw ImageError.invalidArgument("\(location): HEALTHCHECK: unknown flag --\(flag.name)")
            }
        }
        return health
    }
}
