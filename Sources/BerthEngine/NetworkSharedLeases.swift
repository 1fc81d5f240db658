// The default network's leases are host-wide for root (issue 12): its bridge berth0
// is one for the whole host whatever --root and --runroot a command uses, so its
// addresses must be handed out from one lease file, or two stores give the same
// address to two containers on the same bridge. podman keeps root's IPAM state in
// /run/containers/networks regardless of --runroot for the same reason. Leases of
// other networks (a bridge of their own, per store) stay in RUNROOT/networks.
//
// In the host-wide file a lease names its container by directory
// (ROOT/containers/ID), so a store can tell a removed container of any store from a
// live one; inside withLeases a lease of this store's reads as the bare ID.
import BerthSystem

extension Engine {
    /// /run/berth/networks; BERTH_HOST_NETWORK_RUN_DIR moves it (tests that must not
    /// share the host's).
    static var hostNetworkRunDir: String {
        Environment.get("BERTH_HOST_NETWORK_RUN_DIR").flatMap { $0.isEmpty ? nil : $0 } ?? "/run/berth/networks"
    }

    /// Whether `network`'s leases are the host-wide ones: the default network, as root.
    func hasHostWideLeases(_ network: String) -> Bool {
        network == Engine.defaultNetworkName && !StorePaths.isRootless
    }

    /// The directory of `network`'s lease file and lock.
    func leasesDirectory(_ network: String) -> String {
        hasHostWideLeases(network) ? Engine.hostNetworkRunDir : networkRunDir
    }

    /// The leases as read from the file, with this store's containers as bare IDs.
    func leasesForThisStore(_ stored: [String: String], network: String) -> [String: String] {
        guard hasHostWideLeases(network) else { return stored }
        let prefix = containersDir + "/"
        return stored.mapValues { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }
    }

    /// The leases to write: this store's containers by directory in the host-wide file.
    func leasesForFile(_ leases: [String: String], network: String) -> [String: String] {
        guard hasHostWideLeases(network) else { return leases }
        return leases.mapValues { $0.hasPrefix("/") ? $0 : containerDir($0) }
    }

    /// Whether the holder of a lease (an ID of this store, or another store's
    /// container directory) still exists.
    func leaseHolderExists(_ holder: String) -> Bool {
        FileSystem.exists(holder.hasPrefix("/") ? holder : containerDir(holder))
    }
}
