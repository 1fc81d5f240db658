// The container verbs as podman has them: an options value in, a report per
// container out. Each verb acts on every container it was given and keeps going
// after a failure; the CLI prints the reports and the exit code they add up to.

package struct RemoveOptions: Sendable {
    package var selection = ContainerSelection()
    /// Stop a running container first (else it is an error).
    package var force = false
    /// Seconds between the stop signal and SIGKILL when forcing; nil: 10, podman's default.
    package var timeout: Double?
    /// -v: also the containers' anonymous volumes.
    package var volumes = false
    /// --depend: also the containers that share its network namespace, first.
    package var depend = false
    package init() {}
}

package struct StopOptions: Sendable {
    package var selection = ContainerSelection()
    /// Seconds between the stop signal and SIGKILL; nil: 10, podman's default.
    package var timeout: Double?
    package init() {}
}

package struct StartOptions: Sendable {
    package var selection = ContainerSelection()
    /// Run one container in the foreground (`start --attach`), with these settings.
    package var attach: AttachOptions?
    package init() {}
}

package struct WaitOptions: Sendable {
    package var selection = ContainerSelection()
    package var conditions: Set<WaitCondition> = [.stopped]
    /// Seconds between looks at the container's state (podman's --interval, 250ms).
    package var interval = 0.25
    package init() {}
}

package struct ContainerListOptions: Sendable {
    package var all = false
    package var latest = false
    package var filters: [String] = []
    /// ps --external: also a build's RUN containers (podman's "external" ones).
    package var external = false
    package init() {}
}

extension Engine {
    static let defaultStopTimeout = 10.0

    package func removeContainers(_ options: RemoveOptions) throws -> [ContainerReport] {
        var selection = options.selection
        // podman: --force also ignores a name that matches no container.
        selection.ignoreMissing = selection.ignoreMissing || options.force
        // What a killed build left goes with the next rm (BuildRunCleanup).
        try sweepStaleBuildContainers()
        // Containers sharing another's network namespace go first, or stop it (ContainerDependents).
        return try removeContainersAndDependents(options, selection: selection)
    }

    package func stopContainers(_ options: StopOptions) throws -> [ContainerReport] {
        try eachContainer(options.selection) { _, record in
            try stopContainer(record, timeout: options.timeout ?? record.stopTimeoutSeconds)
            recordEvent(.container("stop", record))
            return nil
        }
    }

    /// Detached, every container is started under its monitor; attached, the one
    /// container runs in the foreground and its report carries its exit code.
    package func startContainers(_ options: StartOptions) throws -> [ContainerReport] {
        var targets = options.selection
        if options.selection.all || !options.selection.filters.isEmpty {
            guard options.selection.names.isEmpty else {
                throw ContainerError.invalid("either start all containers or the container(s) provided in the arguments")
            }
            // --all (and --filter) start what is not running yet.
            targets.names = try select(options.selection).compactMap { target in
                guard case .success(let record) = target.record, readState(record.id).status != .running else { return nil }
                return record.id
            }
            targets.all = false
            targets.filters = []
            if targets.names.isEmpty { return [] }
        }
        if let attach = options.attach {
            let chosen = try select(targets)
            guard chosen.count == 1 else { throw ContainerError.invalid("you cannot start and attach multiple containers at once") }
            let record = try chosen[0].record.get()
            let code = Engine.attachesThroughMonitor(record, attach)
                ? try startAndAttach(record, attach: attach) : try startAttached(record, attach: attach)
            return [ContainerReport(input: chosen[0].input, id: record.id, exitCode: code)]
        }
        return try eachContainer(targets) { _, record in
            _ = try startDetached(record.id)
            return nil
        }
    }

    package func waitContainers(_ options: WaitOptions) throws -> [ContainerReport] {
        var selection = options.selection
        let ignore = selection.ignoreMissing
        selection.ignoreMissing = false
        return try select(selection).map { target in
            switch target.record {
            case .success(let record):
                return ContainerReport(input: target.input, id: record.id,
                                       exitCode: waitContainer(record, for: options.conditions, interval: options.interval))
            // podman's wait --ignore: a missing container's code is -1.
            case .failure(ContainerError.notFound) where ignore:
                return ContainerReport(input: target.input, id: nil, exitCode: -1)
            case .failure(let error):
                return ContainerReport(input: target.input, id: nil, error: error)
            }
        }
    }

    /// `ps`: newest first; running ones only unless `all` or a status= filter.
    package func listContainers(_ options: ContainerListOptions) throws -> [ContainerDetails] {
        let filters = try containerFilters(options.filters)
        var containers = try listContainers().filter(filters.matches)
        if !options.external { containers = containers.filter { $0.record.builder == nil } }
        // podman lists external containers whatever their state.
        if !options.all && !filters.constrainsStatus {
            containers = containers.filter { $0.state.status == .running || $0.record.builder != nil }
        }
        return options.latest ? Array(containers.prefix(1)) : containers
    }
}
