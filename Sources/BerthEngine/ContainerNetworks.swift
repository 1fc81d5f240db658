// A container's networks (issue 12): set up between clone and release, taken down
// at exit and rm. Placeholder until the networks work lands: `none` and `host` need
// nothing here (ContainerSpec.newNetwork does all). netrootless's stand-in for
// netcore's dispatcher: the user-mode helpers only (pasta, slirp4netns), with
// RUNROOT/containers/ID/network.json.
import BerthSystem
import FoundationEssentials

extension Engine {
    /// Connects the container whose process is `pid` (its network namespace exists)
    /// to the networks of its record.
    func attachNetworks(_ record: ContainerRecord, pid: Int32) throws {
        guard record.network.hasPrefix("pasta") || record.network.hasPrefix("slirp4netns") else { return }
        let status = try attachUserModeNetwork(record, mode: record.network, ports: [], pid: pid)
        do {
            try AtomicFile.write(Array(try JSONEncoder().encode(status)), to: runtimeDir(record.id) + "/network.json", durable: false)
        } catch {
            detachUserModeNetwork(status)
            throw error
        }
    }

    /// Disconnects the container: firewall rules, leases, /etc/hosts entries of its
    /// networks' other members, RUNROOT/containers/ID/network.json. Idempotent.
    func detachNetworks(_ record: ContainerRecord) {
        let path = runtimeDir(record.id) + "/network.json"
        guard let bytes = try? FileSystem.readFile(path),
              let status = try? JSONDecoder().decode(NetworkStatus.self, from: Data(bytes)) else { return }
        detachUserModeNetwork(status)
        try? FileSystem.unlinkIfPresent(path)
    }
}
