// A bridge port's own settings through rtnetlink (RTM_SETLINK of family AF_BRIDGE,
// IFLA_PROTINFO), as `bridge link set … hairpin on` sends them: unlike
// /sys/class/net/PORT/brport, it works in any network namespace the caller is in,
// the rootless one included (whose /sys is the host's).
import CBerth
import Glibc

extension NetlinkSocket {
    /// Puts the bridge port `name` (a link enslaved to a bridge) in hairpin mode: a
    /// frame may leave by the port it came in by. With br_netfilter, a container's
    /// connection to its own published port through a host or gateway address is
    /// DNATed back to the container and must be bridged out of its own port, which a
    /// bridge refuses otherwise (netavark and CNI's bridge set it too).
    package func enableHairpin(onBridgePort name: String) throws {
        guard let port = try link(named: name) else {
            throw SystemError("set hairpin mode on", name, errno: ENODEV)
        }
        var header = ifinfomsg()
        header.ifi_family = UInt8(AF_BRIDGE)
        header.ifi_index = port.index
        var message = NetlinkMessage(type: RTM_SETLINK, flags: 0, header: header)
        // Nested (NLA_F_NESTED): without the flag the bridge reads IFLA_PROTINFO as an
        // old STP port state instead.
        message.beginNested(Int32(IFLA_PROTINFO) | NLA_F_NESTED)
        message.add(IFLA_BRPORT_MODE, bytes: [1])
        message.endNested()
        try perform(message, "set hairpin mode on", name)
    }
}
