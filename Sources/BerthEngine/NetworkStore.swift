// The network store (issue 12): ROOT/networks/NAME.json in podman's network config
// format, the default network `berth`, and the lock network changes take.
// Placeholder until the user-network work lands.

extension Engine {
    /// The network called `name`; the default network `berth` is defined (and
    /// written) on first use. An unknown name: "network NAME not found".
    package func network(named name: String) throws -> NetworkConfig {
        throw ContainerError.invalid("network \(name) not found")
    }

    /// Every network, the default one included once it exists.
    package func networks() throws -> [NetworkConfig] { [] }

    /// Runs `body` holding ROOT/networks/.lock (create, rm, connect, disconnect).
    package func withNetworksLock<T>(_ body: () throws -> T) throws -> T { try body() }

    /// Writes a network's file atomically.
    package func writeNetwork(_ config: NetworkConfig) throws {}

    /// Removes a network's file; nothing when it is gone.
    package func removeNetworkFile(_ name: String) throws {}
}
