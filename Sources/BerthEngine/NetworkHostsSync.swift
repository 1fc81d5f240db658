// Name resolution between containers without a DNS daemon (issue 12, design.md §5):
// each member's bind-mounted /etc/hosts is rewritten in place (same inode, so a
// running container sees the change at its next lookup) as members come and go.
// A member is a container whose start wrote RUNROOT/containers/ID/network.json with
// an interface on the network; it is known in the others' files by its name, short
// ID and aliases, on networks whose dns_enabled is true (not the default network's,
// as podman's).
import BerthSystem

extension Engine {
    /// Rewrites this container's /etc/hosts in place (same inode) from what its start
    /// set up (`status`) and the other members of its networks.
    func writeHosts(of record: ContainerRecord, status: NetworkStatus) throws {
        try writeHosts(of: record, status: status, members: networkMembers())
    }

    /// Rewrites, in place and under the network's lock, the /etc/hosts of every running
    /// member of `network`: after a member joined or left.
    func refreshMembersHosts(network: String) {
        do {
            let dir = paths.runroot + "/networks"
            try FileSystem.makeDirectories(dir, mode: 0o700)
            let lock = try FileLock.exclusive(dir + "/" + network + ".hosts.lock")
            defer { lock.unlock() }
            let members = networkMembers()
            for member in members where member.status.interfaces[network] != nil {
                try writeHosts(of: member.record, status: member.status, members: members)
            }
        } catch {
            Warnings.report("cannot update the /etc/hosts of the containers on network \(network): \(error)")
        }
    }

    /// Every container with a network status: its record and what its start set up.
    private func networkMembers() -> [NetworkMember] {
        ((try? FileSystem.list(paths.runroot + "/containers")) ?? []).compactMap { id in
            guard let status = networkStatus(id), !status.interfaces.isEmpty, let record = try? readRecord(id) else { return nil }
            return NetworkMember(record: record, status: status)
        }
    }

    private func writeHosts(of record: ContainerRecord, status: NetworkStatus, members: [NetworkMember]) throws {
        guard record.noHosts != true else { return }
        var peers: [HostsEntry] = []
        for (name, own) in status.interfaces.sorted(by: { $0.key < $1.key }) where own.ipv4 != nil || own.ipv6 != nil {
            guard (try? network(named: name))?.dnsEnabled == true else { continue }
            for member in members where member.record.id != record.id {
                guard let theirs = member.status.interfaces[name] else { continue }
                let names = [member.record.name, String(member.record.id.prefix(12))] + theirs.aliases
                for address in [theirs.ipv4, theirs.ipv6].compactMap(Engine.bareAddress) {
                    peers.append(HostsEntry(address: address, names: names))
                }
            }
        }
        let joined = joinedHostsEntries(of: record.id).map { "\($0.address)\t\($0.names.joined(separator: " "))\n" }
        let text = EtcFiles.hosts(record, status: status, peers: peers) + joined.joined()
        try InPlaceFile.replace(containerDir(record.id) + "/userdata/hosts", with: Array(text.utf8))
    }
}

private struct NetworkMember {
    var record: ContainerRecord
    var status: NetworkStatus
}
