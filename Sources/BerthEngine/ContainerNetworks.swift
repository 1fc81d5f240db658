// A container's networks (issue 12): set up between clone and release, taken down
// at exit and rm, for every mode of record.network. `none` and `host` need nothing
// here (the clone made, or did not make, the namespace); `container:` and `ns:` are
// joined by the child itself; bridge networks are BridgeAttachment's, pasta and
// slirp4netns UserModeNetwork's. What a start set up is kept in
// RUNROOT/containers/ID/network.json (NetworkStatus).
import BerthImage
import BerthSystem

extension Engine {
    func networkStatusFile(_ id: String) -> String { runtimeDir(id) + "/network.json" }

    /// What the container's start set up; nil when nothing (not running, or no network of its own).
    package func networkStatus(_ id: String) -> NetworkStatus? {
        guard let bytes = try? FileSystem.readFile(networkStatusFile(id)) else { return nil }
        return try? JSONCoding.decode(NetworkStatus.self, from: bytes, location: networkStatusFile(id))
    }

    func writeNetworkStatus(_ status: NetworkStatus, for id: String) throws {
        try AtomicFile.write(JSONCoding.encode(status), to: networkStatusFile(id), durable: false)
    }

    /// Connects the container whose process is `pid` (its network namespace exists)
    /// to the networks of its record.
    func attachNetworks(_ record: ContainerRecord, pid: Int32) throws {
        let mode = record.network
        if mode == "pasta" || mode.hasPrefix("pasta:") || mode == "slirp4netns" || mode.hasPrefix("slirp4netns:") {
            var status = try attachUserModeNetwork(record, mode: mode, ports: record.ports ?? [], pid: pid)
            do {
                status.ports = status.ports.isEmpty ? record.ports ?? [] : status.ports
                try writeNetworkStatus(status, for: record.id)
            } catch {
                detachUserModeNetwork(status)
                throw error
            }
            return
        }
        if let target = Engine.joinedContainer(record) { addJoinedHostsEntry(record, to: target) }
        guard mode == "bridge", let requests = record.networkRequests, !requests.isEmpty else { return }
        if Engine.usesRootlessNetns { return try attachInRootlessNetns(record, pid: pid) }
        let sockets = NetlinkSockets(pid: pid)
        var status = NetworkStatus(ports: record.ports ?? [])
        do {
            for request in requests {
                try connect(record, request, status: &status, sockets: sockets, pid: pid)
            }
            try writeNetworkStatus(status, for: record.id)
        } catch {
            takeDown(record.id, status, sockets: sockets)
            throw error
        }
        Stopwatch.mark("networks attached")
        try? writeHosts(of: record, status: status)
        Stopwatch.mark("hosts written")
        for request in requests where hasNameResolution(request.name) { refreshMembersHosts(network: request.name) }
        Stopwatch.mark("members refreshed")
    }

    /// Connects a running container (process `pid`) to one more network (`network connect`).
    func attachNetwork(_ record: ContainerRecord, _ request: NetworkRequest, pid: Int32) throws {
        if Engine.usesRootlessNetns { return try connectInRootlessNetns(record, request, pid: pid) }
        var status = networkStatus(record.id) ?? NetworkStatus(ports: record.ports ?? [])
        guard status.interfaces[request.name] == nil else {
            throw NetworkError.invalid("container \(record.name) is already connected to network \(request.name)")
        }
        let sockets = NetlinkSockets(pid: pid)
        var added = NetworkStatus(ports: status.ports)
        try connect(record, request, status: &added, sockets: sockets, pid: pid, taken: status)
        status.interfaces.merge(added.interfaces) { $1 }
        do {
            try writeNetworkStatus(status, for: record.id)
        } catch {
            takeDown(record.id, added, sockets: sockets)
            throw error
        }
        try? writeHosts(of: record, status: status)
        refreshMembersHosts(network: request.name)
    }

    /// Disconnects a running container from one network (`network disconnect`).
    func detachNetwork(_ record: ContainerRecord, name: String) throws {
        if Engine.usesRootlessNetns { return try disconnectInRootlessNetns(record, name: name) }
        guard var status = networkStatus(record.id), let interface = status.interfaces[name] else {
            throw NetworkError.invalid("container \(record.name) is not connected to network \(name)")
        }
        detachBridge(record.id, network: name, interface, host: try? NetlinkSocket.host(), waiting: true)
        status.interfaces[name] = nil
        // The firewall removes a container's rules as a whole: the other networks' go back.
        try? NetworkFirewall.removeContainer(id: record.id)
        try addFirewallRules(record.id, status)
        try writeNetworkStatus(status, for: record.id)
        try? writeHosts(of: record, status: status)
        refreshMembersHosts(network: name)
    }

    /// Disconnects the container: firewall rules, leases, /etc/hosts entries of its
    /// networks' other members, RUNROOT/containers/ID/network.json. Idempotent.
    func detachNetworks(_ record: ContainerRecord) {
        if let target = Engine.joinedContainer(record) { removeJoinedHostsEntry(record, from: target) }
        guard let status = networkStatus(record.id) else { return }
        if status.rootlessNetns == true && Engine.usesRootlessNetns {
            detachFromRootlessNetns(record, status)
        } else if status.helperPID != nil {
            detachUserModeNetwork(status)
        } else {
            takeDown(record.id, status, sockets: nil)
        }
        try? FileSystem.unlinkIfPresent(networkStatusFile(record.id))
        for name in status.interfaces.keys.sorted() where hasNameResolution(name) { refreshMembersHosts(network: name) }
        Stopwatch.mark("hosts refreshed")
    }

    /// One bridge network more in `status`, with its firewall rules (the container's
    /// published ports go to its first network).
    private func connect(_ record: ContainerRecord, _ request: NetworkRequest, status: inout NetworkStatus,
                         sockets: NetlinkSockets, pid: Int32, taken: NetworkStatus? = nil) throws {
        let network = try self.network(named: request.name)
        let used = Set((taken?.interfaces.values.map(\.interface) ?? []) + status.interfaces.values.map(\.interface))
        let interface = request.interface ?? (0...).lazy.map { "eth\($0)" }.first { !used.contains($0) }!
        let isFirst = (taken?.interfaces.isEmpty ?? true) && status.interfaces.isEmpty
        let attached = try attachBridge(record, request, network: network, interface: interface, pid: pid,
                                        sockets: sockets, defaultRoute: isFirst)
        status.interfaces[network.name] = attached
        try NetworkFirewall.addContainer(id: record.id, network: network, ipv4: Engine.bareAddress(attached.ipv4),
                                         ipv6: Engine.bareAddress(attached.ipv6), ports: isFirst ? status.ports : [])
    }

    /// Puts back the firewall rules of every network in `status` (after a disconnect;
    /// `network reload` also puts back each network's own rules first).
    func addFirewallRules(_ id: String, _ status: NetworkStatus, setUpNetworks: Bool = false) throws {
        var first = true
        for (name, interface) in status.interfaces.sorted(by: { $0.key < $1.key }) {
            let network = try self.network(named: name)
            if setUpNetworks { try NetworkFirewall.setUpNetwork(network) }
            try NetworkFirewall.addContainer(id: id, network: network, ipv4: Engine.bareAddress(interface.ipv4),
                                             ipv6: Engine.bareAddress(interface.ipv6), ports: first ? status.ports : [])
            first = false
        }
    }

    func takeDown(_ id: String, _ status: NetworkStatus, sockets: NetlinkSockets?) {
        guard !status.interfaces.isEmpty else { return }
        Stopwatch.mark("takedown")
        // Rules exist only for published ports (NetworkFirewall.addContainer): without
        // any, no transaction (and no nftables socket, whose close waits for the kernel).
        if !status.ports.isEmpty {
            do { try NetworkFirewall.removeContainer(id: id) } catch { Warnings.report("removing the firewall rules of container \(id.prefix(12)): \(error)") }
        }
        Stopwatch.mark("firewall removed")
        let host = try? sockets?.host() ?? NetlinkSocket.host()
        for (name, interface) in status.interfaces {
            detachBridge(id, network: name, interface, host: host)
        }
        Stopwatch.mark("bridges detached")
    }

    /// Whether the members of `network` find each other by name (its dns_enabled): only
    /// then does a member coming or going change the others' /etc/hosts. The default
    /// network has it off, so its starts skip reading every running container's files.
    private func hasNameResolution(_ network: String) -> Bool {
        (try? self.network(named: network))?.dnsEnabled ?? true
    }

    /// "10.88.0.5/16" → "10.88.0.5".
    static func bareAddress(_ cidr: String?) -> String? {
        cidr.map { String($0.split(separator: "/").first ?? Substring($0)) }
    }
}
