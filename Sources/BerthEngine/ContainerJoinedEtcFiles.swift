// `--network container:ID` and the /etc files, as podman does them: the joining
// container binds the other container's /etc/hosts and /etc/resolv.conf (same
// files, so both see the same names and servers) and keeps its own hostname; its
// own name goes into that shared hosts file as 127.0.0.1 (it has no address of its
// own) while it runs. Those lines are kept in RUNROOT/containers/ID/joined-hosts.json
// of the joined container, so its hosts file keeps them when it is rewritten.
import BerthImage
import BerthSystem

extension Engine {
    /// The other container's file (`hosts` or `resolv.conf`) that `record` binds
    /// instead of its own; nil for its own (no container: mode, hostname, or the
    /// other container has none: --no-hosts, --dns none).
    func sharedEtcFile(_ record: ContainerRecord, _ file: String) -> String? {
        guard file != "hostname", let target = Engine.joinedContainer(record) else { return nil }
        let path = containerDir(target) + "/userdata/" + file
        guard FileSystem.exists(path), let other = try? readRecord(target) else { return nil }
        if file == "hosts" && other.noHosts == true || file == "resolv.conf" && other.dnsServers == ["none"] { return nil }
        return path
    }

    /// At the start of a container joining `target`'s network namespace: its names in
    /// the shared hosts file.
    func addJoinedHostsEntry(_ record: ContainerRecord, to target: String) {
        guard record.noHosts != true else { return }
        changeJoinedHostsEntries(of: target) { $0[record.id] = [record.hostname, record.name] }
    }

    /// At its exit (and rm): its names out of the shared hosts file.
    func removeJoinedHostsEntry(_ record: ContainerRecord, from target: String) {
        changeJoinedHostsEntries(of: target) { $0[record.id] = nil }
    }

    /// The lines of the containers that joined `id`'s network namespace, for its hosts file.
    func joinedHostsEntries(of id: String) -> [HostsEntry] {
        guard let bytes = try? FileSystem.readFile(joinedHostsFile(id)),
              let entries = try? JSONCoding.decode([String: [String]].self, from: bytes, location: joinedHostsFile(id)) else { return [] }
        return entries.sorted { $0.key < $1.key }.map { HostsEntry(address: "127.0.0.1", names: $0.value) }
    }

    private func joinedHostsFile(_ id: String) -> String { runtimeDir(id) + "/joined-hosts.json" }

    private func changeJoinedHostsEntries(of target: String, _ change: (inout [String: [String]]) -> Void) {
        let path = joinedHostsFile(target)
        guard FileSystem.isDirectory(runtimeDir(target)), let other = try? readRecord(target) else { return }
        do {
            let lock = try FileLock.exclusive(path + ".lock")
            defer { lock.unlock() }
            var entries: [String: [String]] = [:]
            if let bytes = try? FileSystem.readFile(path) {
                entries = (try? JSONCoding.decode([String: [String]].self, from: bytes, location: path)) ?? [:]
            }
            let before = entries
            change(&entries)
            guard entries != before else { return }
            try AtomicFile.write(JSONCoding.encode(entries), to: path, durable: false)
            try writeHosts(of: other, status: networkStatus(target) ?? NetworkStatus())
        } catch {
            Warnings.report("cannot update the /etc/hosts of container \(other.name): \(error)")
        }
    }
}
