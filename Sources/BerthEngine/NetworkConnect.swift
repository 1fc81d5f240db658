// `network connect`, `disconnect` and `reload` (issue 12): a container's networks change
// in its record (they apply at its next start) and, when it runs, at once through the
// per-network attach and detach (ContainerNetworks.swift), which also update the
// /etc/hosts of the network's members.
import BerthSystem

/// `network connect`'s flags: what the container asks of the network it joins.
package struct NetworkConnectRequest: Sendable {
    package var aliases: [String] = []
    package var ipv4: String?
    package var ipv6: String?
    package var mac: String?

    package init() {}
}

extension Engine {
    package func connectNetwork(_ name: String, container: String, request flags: NetworkConnectRequest) throws {
        let config = try network(named: name)
        let found = try resolveContainer(container)
        let lock = try lockContainer(found.id)
        defer { lock.unlock() }
        var record = try readRecord(found.id)
        guard record.network == "bridge" else {
            throw NetworkError.invalid("container \(record.name) uses --network \(record.network): only a container on bridge networks can connect to another")
        }
        var requests = record.networkRequests ?? []
        guard !requests.contains(where: { $0.name == config.name }) else {
            throw NetworkError.invalid("container \(record.name) is already connected to network \(config.name)")
        }
        var request = NetworkRequest(name: config.name)
        request.aliases = flags.aliases
        request.ipv4 = flags.ipv4
        request.ipv6 = flags.ipv6
        request.mac = flags.mac
        requests.append(request)
        record.networkRequests = requests
        let state = readState(record.id)
        if state.status == .running {
            try attachNetwork(record, request, pid: state.pid)
        }
        do {
            try writeRecord(record)
        } catch {
            if state.status == .running { try? detachNetwork(record, name: config.name) }
            throw error
        }
        recordNetworkEvent("connect", record, network: config.name)
    }

    /// `force`: the container leaves the network in its record even when taking its
    /// interface down failed.
    package func disconnectNetwork(_ name: String, container: String, force: Bool) throws {
        let config = try network(named: name)
        let found = try resolveContainer(container)
        let lock = try lockContainer(found.id)
        defer { lock.unlock() }
        var record = try readRecord(found.id)
        guard var requests = record.networkRequests, requests.contains(where: { $0.name == config.name }) else {
            throw NetworkError.invalid("container \(record.name) is not connected to network \(config.name)")
        }
        let state = readState(record.id)
        if state.status == .running && networkStatus(record.id)?.interfaces[config.name] != nil {
            do {
                try detachNetwork(record, name: config.name)
            } catch where force {
                Warnings.report("disconnecting container \(record.name) from network \(config.name): \(error)")
            }
        }
        requests.removeAll { $0.name == config.name }
        record.networkRequests = requests
        try writeRecord(record)
        recordNetworkEvent("disconnect", record, network: config.name)
    }

    /// `network reload`: the firewall rules of each chosen running container made again
    /// (after something flushed the host's rules); the IDs reloaded, or why not.
    package func reloadNetworks(_ selection: ContainerSelection) throws -> [(id: String, error: (any Error)?)] {
        var results: [(id: String, error: (any Error)?)] = []
        for target in try select(selection) {
            do {
                let record = try target.record.get()
                if selection.all && readState(record.id).status != .running { continue }
                try reloadFirewall(record)
                results.append((record.id, nil))
            } catch {
                results.append((target.input, error))
            }
        }
        return results
    }

    private func reloadFirewall(_ record: ContainerRecord) throws {
        guard readState(record.id).status == .running else {
            throw NetworkError.invalid("container \(record.name) is not running: only a running container's network can be reloaded")
        }
        if Engine.usesRootlessNetns { return try reloadInRootlessNetns(record) }
        guard let status = networkStatus(record.id), !status.interfaces.isEmpty else { return }
        try NetworkFirewall.removeContainer(id: record.id)
        try addFirewallRules(record.id, status, setUpNetworks: true)
    }

    private func recordNetworkEvent(_ status: String, _ record: ContainerRecord, network: String) {
        var event = BerthEvent(type: .network, status: status, id: record.id, name: record.name)
        event.network = network
        recordEvent(event)
    }
}
