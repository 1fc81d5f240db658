// host.containers.internal in a container's /etc/hosts (podman's name for "the
// host, as this container reaches it"): which address that is depends on the
// network mode, as in podman.
import BerthSystem

enum HostContainersInternal {
    static let name = "host.containers.internal"

    /// The address for `record`, or nil (no line): a bridge network's gateway (its
    /// first network's, IPv4 first); slirp4netns's gateway when it maps the host's
    /// loopback (allow_host_loopback=true), else the host's own address, which
    /// slirp4netns reaches as the host; pasta's gateway with --map-gw, else a host
    /// address pasta did not copy into the container (the default route
    /// interface's would be the container's own). host, none, ns: and container:
    /// get none (container: shares the other container's file).
    static func address(_ record: ContainerRecord, status: NetworkStatus?) -> String? {
        let interfaces = (status?.interfaces ?? [:]).sorted { $0.key < $1.key }.map(\.value)
        if let gateway = interfaces.lazy.compactMap({ $0.gateway ?? $0.gateway6 }).first { return gateway }
        guard UserModeNetworkMode.isUserMode(record.network), let mode = try? UserModeNetworkMode(parsing: record.network) else {
            return nil
        }
        let route = HostAddresses.defaultRoute()
        let addresses = HostAddresses.ipv4()
        switch mode.helper {
        case .slirp4netns:
            if mode.slirp.allowHostLoopback, let network = IPSubnet(cidr: mode.slirp.cidr) {
                return network.address.advanced(by: 2)?.description
            }
            return (addresses.first { $0.interface == route?.interface } ?? addresses.first)?.address.description
        case .pasta:
            if mode.mapGateway, let gateway = route?.gateway { return gateway.description }
            return addresses.first { $0.interface != route?.interface }?.address.description
        }
    }
}
