// `network rm`, `prune`, `exists` and the lookups `ls` and `inspect` make (issue 12):
// a network in use is refused (or, with -f, its containers go first), the default
// network is never removed, and a removed network's bridge and rules go with its file.
import BerthSystem

extension Engine {
    /// The containers whose record joins network `name` (running or not).
    package func containersUsing(network name: String) -> [ContainerRecord] {
        ((try? containerIDs()) ?? []).compactMap { id in
            guard let record = try? readRecord(id),
                  record.networkRequests?.contains(where: { $0.name == name }) == true else { return nil }
            return record
        }
    }

    /// `network ls`: the networks that pass `filters`, sorted by name.
    package func listNetworks(_ filters: NetworkFilters) throws -> [NetworkConfig] {
        try networks().filter { filters.matches($0, users: filters.needsUsers ? containersUsing(network: $0.name).count : 0) }
    }

    package func networkExists(_ name: String) -> Bool {
        (try? network(named: name)) != nil
    }

    /// `network rm`: refuses a network containers use unless `force`, which removes them
    /// first (stopping running ones with `stopTimeout` seconds of grace).
    package func removeNetwork(_ name: String, force: Bool, stopTimeout: Double? = nil) throws {
        let config = try network(named: name)
        if config.name == Engine.defaultNetworkName {
            throw NetworkError.invalid("default network \(config.name) cannot be removed")
        }
        let users = containersUsing(network: config.name)
        if !users.isEmpty {
            guard force else { throw NetworkError.inUse(config.name, containers: users.map(\.name)) }
            for user in users { try removeContainer(user.id, force: true, stopTimeout: stopTimeout ?? user.stopTimeoutSeconds) }
        }
        try withNetworksLock {
            // A container created meanwhile joins under no lock of ours: look again.
            if let user = containersUsing(network: config.name).first {
                throw NetworkError.inUse(config.name, containers: [user.name])
            }
            try removeNetworkFile(config.name)
            tearDownNetwork(config)
        }
        recordEvent(BerthEvent(type: .network, status: "remove", id: config.id, name: config.name))
    }

    /// `network prune`: every network no container uses, but the default one; their names.
    package func pruneNetworks(_ filters: NetworkFilters) throws -> [String] {
        var removed: [String] = []
        for config in try networkFiles() where config.name != Engine.defaultNetworkName {
            guard filters.matches(config, users: 0), containersUsing(network: config.name).isEmpty else { continue }
            do {
                try removeNetwork(config.name, force: false)
                removed.append(config.name)
            } catch NetworkError.inUse {
                continue  // a container joined meanwhile: it stays
            }
        }
        return removed
    }

    /// What a network set up on the host beyond its file: its firewall rules and bridge.
    /// Warns about what cannot be removed: the file is gone, so rm has succeeded.
    func tearDownNetwork(_ config: NetworkConfig) {
        if Engine.usesRootlessNetns { return tearDownRootlessNetwork(config) }
        do { try NetworkFirewall.removeNetwork(config) } catch {
            Warnings.report("cannot remove the firewall rules of network \(config.name): \(error)")
        }
        removeNetworkBridge(config)
    }
}

extension Engine {
    /// Deletes the network's bridge when this host has one by that name (the first
    /// container to join made it); nothing when it is gone.
    func removeNetworkBridge(_ config: NetworkConfig) {
        guard let bridge = config.networkInterface, FileSystem.exists("/sys/class/net/" + bridge) else { return }
        do {
            try NetlinkSocket.host().deleteLink(named: bridge)
        } catch {
            Warnings.report("cannot remove bridge \(bridge) of network \(config.name): \(error)")
        }
    }
}
