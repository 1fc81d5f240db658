// A container's networks (issue 12): set up between clone and release, taken down
// at exit and rm. Placeholder until the networks work lands: `none` and `host` need
// nothing here (ContainerSpec.newNetwork does all).

extension Engine {
    /// Connects the container whose process is `pid` (its network namespace exists)
    /// to the networks of its record.
    func attachNetworks(_ record: ContainerRecord, pid: Int32) throws {}

    /// Disconnects the container: firewall rules, leases, /etc/hosts entries of its
    /// networks' other members, RUNROOT/containers/ID/network.json. Idempotent.
    func detachNetworks(_ record: ContainerRecord) {}
}
