// Containers that share another's network, pid, IPC or UTS namespace
// (`--network container:ID`, `--pid container:ID`, ...) or name it in --requires
// depend on it, as in podman: `start` and `run` start it first when it is not
// running, `rm` (even with -f) refuses to remove it while one of them exists, and
// `rm --depend` removes them first. inspect shows them as `Dependencies`.

extension Engine {
    /// `rm`: every selected container, the ones that depend on others first; with
    /// `options.depend`, each one's dependents before it (a report for each).
    func removeContainersAndDependents(_ options: RemoveOptions, selection: ContainerSelection) throws -> [ContainerReport] {
        var joined = try containersJoiningNetworks()
        var reports: [ContainerReport] = []
        var removed = Set<String>()
        func remove(_ input: String, _ record: ContainerRecord) {
            guard !removed.contains(record.id) else { return }
            do {
                // podman: a running container without --force is refused for that first.
                let refusedAsRunning = !options.force && readState(record.id).status == .running
                if options.depend {
                    for dependent in joined[record.id] ?? [] { remove(dependent.id, dependent) }
                }
                let left = (joined[record.id] ?? []).filter { !removed.contains($0.id) }
                if !left.isEmpty && !refusedAsRunning {
                    throw ContainerError.invalid("container \(record.id) has dependent containers which must be removed before it: "
                        + left.map(\.id).joined(separator: ", ") + ": container already exists")
                }
                try removeContainer(record.id, force: options.force, stopTimeout: options.timeout ?? record.stopTimeoutSeconds,
                                    volumes: options.volumes)
                removed.insert(record.id)
                for target in Engine.dependencies(record) { joined[target]?.removeAll { $0.id == record.id } }
                reports.append(ContainerReport(input: input, id: record.id))
            } catch {
                reports.append(ContainerReport(input: input, id: record.id, error: error))
            }
        }
        let targets = try select(selection)
        // Within one rm (`rm -a`, `rm A B`), a container sharing another's namespace goes before it.
        let selected = Set(targets.compactMap { try? $0.record.get().id })
        let ordered = targets.sorted { first, second in
            guard let a = try? first.record.get(), let b = try? second.record.get() else { return false }
            return Engine.dependencies(a).contains(b.id) && selected.contains(b.id)
        }
        for target in ordered {
            switch target.record {
            case .failure(let error): reports.append(ContainerReport(input: target.input, id: nil, error: error))
            case .success(let record): remove(target.input, record)
            }
        }
        return reports
    }

    /// Container ID → the containers that share one of its namespaces.
    private func containersJoiningNetworks() throws -> [String: [ContainerRecord]] {
        var result: [String: [ContainerRecord]] = [:]
        for id in try containerIDs() {
            guard let record = try? readRecord(id) else { continue }
            for target in Engine.dependencies(record) { result[target, default: []].append(record) }
        }
        return result
    }

    /// Every container `record` depends on: the one whose network it joins, those whose
    /// pid, ipc or uts namespace it shares, then --requires, each once.
    package static func dependencies(_ record: ContainerRecord) -> [String] {
        var ids = joinedContainer(record).map { [$0] } ?? []
        for kind in NamespaceKind.allCases {
            if let id = namespaceContainer(namespaceMode(record, kind)), !ids.contains(id) { ids.append(id) }
        }
        for id in record.requires ?? [] where !ids.contains(id) { ids.append(id) }
        return ids
    }

    /// --requires at create: each name or ID resolved to the container's ID (podman's message for one that is not there).
    func requiredContainers(_ names: [String]) throws -> [String]? {
        guard !names.isEmpty else { return nil }
        var ids: [String] = []
        for name in names {
            guard let id = try? resolveContainer(name).id else {
                throw ContainerError.invalid("\"\(name)\" is not a valid container, cannot be used as a dependency: no container with name or ID \"\(name)\" found: no such container")
            }
            if !ids.contains(id) { ids.append(id) }
        }
        return ids
    }

    /// podman's start of a container's dependencies: each one that is not running is
    /// started under its monitor, its own dependencies first. `starting`: the chain
    /// above, which a dependency never starts again.
    func startDependencies(_ record: ContainerRecord, starting: Set<String> = []) throws {
        let dependencies = Engine.dependencies(record)
        guard !dependencies.isEmpty else { return }
        let chain = starting.union([record.id])
        for id in dependencies where !chain.contains(id) && readState(id).status != .running {
            guard let dependency = try? readRecord(id) else {
                throw ContainerError.invalid("unable to start container \"\(record.id)\": its dependency \(id) no longer exists")
            }
            do {
                try startDependencies(dependency, starting: chain)
                _ = try spawnMonitor(dependency, client: nil, dependenciesStarted: true)
            } catch {
                throw ContainerError.invalid("unable to start container \"\(record.id)\": starting some containers: \(dependency.name): \(error)")
            }
        }
    }

    /// The ID of the container whose network namespace `record` joins, if any.
    static func joinedContainer(_ record: ContainerRecord) -> String? {
        record.network.hasPrefix("container:") ? String(record.network.dropFirst("container:".count)) : nil
    }
}
