// Rootless networking through a user-mode helper (issue 12): pasta (Debian's passt)
// or slirp4netns, which lives as long as the container. Placeholder until the
// rootless network work lands.

extension Engine {
    /// Starts pasta or slirp4netns (`mode`: "pasta[:opts]" or "slirp4netns[:opts]")
    /// on the network namespace of `pid`, forwarding `ports`; returns what it set up.
    func attachUserModeNetwork(_ record: ContainerRecord, mode: String, ports: [PortMapping], pid: Int32) throws -> NetworkStatus {
        throw ContainerError.invalid("network mode \(mode) is not supported yet")
    }

    /// Ends the helper of `status`; nothing when it is gone.
    func detachUserModeNetwork(_ status: NetworkStatus) {}
}
