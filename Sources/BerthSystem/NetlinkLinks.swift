// The rtnetlink operations berth's bridge networks need (design.md §5: no `ip`
// processes): bridges, veth pairs with the peer made straight inside a container's
// network namespace, link state, addresses and routes.
import CBerth
import Glibc

/// A link as the kernel reports it.
package struct NetworkLink: Sendable, Equatable {
    package var index: Int32
    package var name: String
    /// The hardware address, "aa:bb:cc:dd:ee:ff".
    package var mac: String
    package var isUp: Bool
}

package struct VethPair {
    /// The host end's name (≤ 15 bytes) and the bridge it is enslaved to.
    package var hostName: String
    package var bridgeIndex: Int32
    /// The peer's name inside the namespace of `peerPID`, and its MAC (nil: the kernel's random one).
    package var peerName: String
    package var peerPID: Int32
    package var peerMAC: [UInt8]?
    package var mtu: UInt32?

    package init(hostName: String, bridgeIndex: Int32, peerName: String, peerPID: Int32, peerMAC: [UInt8]? = nil, mtu: UInt32? = nil) {
        self.hostName = hostName
        self.bridgeIndex = bridgeIndex
        self.peerName = peerName
        self.peerPID = peerPID
        self.peerMAC = peerMAC
        self.mtu = mtu
    }
}

extension NetlinkSocket {
    /// The link called `name`; nil when there is none.
    package func link(named name: String) throws -> NetworkLink? {
        var message = NetlinkMessage(type: RTM_GETLINK, flags: 0, header: ifinfomsg())
        message.add(IFLA_IFNAME, string: name)
        let replies: [ArraySlice<UInt8>]
        do {
            replies = try query(message, "find link", name)
        } catch let error as SystemError where error.errno == ENODEV {
            return nil
        }
        guard let reply = replies.first, reply.count >= MemoryLayout<ifinfomsg>.size else { return nil }
        let info = reply.withUnsafeBytes { $0.loadUnaligned(as: ifinfomsg.self) }
        let attributes = NetlinkAttributes(reply.dropFirst(MemoryLayout<ifinfomsg>.size))
        let mac = (attributes[IFLA_ADDRESS] ?? []).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: ":")
        return NetworkLink(index: info.ifi_index, name: attributes.string(IFLA_IFNAME) ?? name, mac: mac,
                           isUp: info.ifi_flags & UInt32(IFF_UP) != 0)
    }

    /// A bridge called `name`, up; EEXIST when a link of that name exists.
    package func createBridge(_ name: String, mtu: UInt32?) throws {
        var message = NetlinkMessage(type: RTM_NEWLINK, flags: NLM_F_CREATE | NLM_F_EXCL, header: Self.up())
        message.add(IFLA_IFNAME, string: name)
        if let mtu { message.add(IFLA_MTU, uint32: mtu) }
        message.beginNested(IFLA_LINKINFO)
        message.add(IFLA_INFO_KIND, string: "bridge")
        message.endNested()
        try perform(message, "create bridge", name)
    }

    /// A veth pair in one request: the host end enslaved to the bridge and up, the peer
    /// created inside the namespace of `peerPID` (so it never has to be moved).
    package func createVeth(_ pair: VethPair) throws {
        var message = NetlinkMessage(type: RTM_NEWLINK, flags: NLM_F_CREATE | NLM_F_EXCL, header: Self.up())
        message.add(IFLA_IFNAME, string: pair.hostName)
        message.add(IFLA_MASTER, uint32: UInt32(pair.bridgeIndex))
        if let mtu = pair.mtu { message.add(IFLA_MTU, uint32: mtu) }
        message.beginNested(IFLA_LINKINFO)
        message.add(IFLA_INFO_KIND, string: "veth")
        message.beginNested(IFLA_INFO_DATA)
        message.beginNested(VETH_INFO_PEER)
        // Not up yet: the peer is registered before the host end exists, and a veth
        // opened without its peer fails with ENOTCONN. `setUp` inside does it.
        message.append(header: ifinfomsg())
        message.add(IFLA_IFNAME, string: pair.peerName)
        message.add(IFLA_NET_NS_PID, uint32: UInt32(pair.peerPID))
        if let mac = pair.peerMAC { message.add(IFLA_ADDRESS, bytes: mac) }
        if let mtu = pair.mtu { message.add(IFLA_MTU, uint32: mtu) }
        message.endNested()
        message.endNested()
        message.endNested()
        try perform(message, "create veth pair", "\(pair.hostName) (\(pair.peerName) in process \(pair.peerPID))")
    }

    /// Removes a link (a veth takes its peer with it); nothing when it is gone.
    package func deleteLink(named name: String) throws {
        var message = NetlinkMessage(type: RTM_DELLINK, flags: 0, header: ifinfomsg())
        message.add(IFLA_IFNAME, string: name)
        do {
            try perform(message, "delete link", name)
        } catch let error as SystemError where error.errno == ENODEV {
        }
    }

    /// Removes a link without waiting for the kernel to finish: the request goes out
    /// from a child process nobody waits for (berth_netlink_request_detached), since
    /// a delete returns only after an RCU barrier (10-25 ms here). For links nothing
    /// uses any more (the veth of a container that exited); when no child can be
    /// made, the delete is done here after all.
    package func deleteLinkDetached(named name: String) throws {
        var message = NetlinkMessage(type: RTM_DELLINK, flags: 0, header: ifinfomsg())
        message.add(IFLA_IFNAME, string: name)
        let bytes = message.finished(sequence: 1)
        let sent = bytes.withUnsafeBytes { berth_netlink_request_detached($0.baseAddress, $0.count) }
        if sent != 0 { try deleteLink(named: name) }
    }

    /// Sets a link up.
    package func setUp(index: Int32, name: String) throws {
        var header = Self.up()
        header.ifi_index = index
        try perform(NetlinkMessage(type: RTM_NEWLINK, flags: 0, header: header), "set link up", name)
    }

    /// Adds `address`/`prefixLength` (4 or 16 bytes) to the link; already there is no error.
    package func addAddress(_ address: [UInt8], prefixLength: Int, index: Int32, name: String) throws {
        var header = ifaddrmsg()
        header.ifa_family = UInt8(address.count == 4 ? AF_INET : AF_INET6)
        header.ifa_prefixlen = UInt8(prefixLength)
        header.ifa_index = UInt32(index)
        // No duplicate address detection: the address is the lease's, and DAD would
        // hold an IPv6 address "tentative" (unusable) for a second or more.
        if address.count == 16 { header.ifa_flags = UInt8(IFA_F_NODAD) }
        var message = NetlinkMessage(type: RTM_NEWADDR, flags: NLM_F_CREATE | NLM_F_REPLACE, header: header)
        message.add(IFA_LOCAL, bytes: address)
        message.add(IFA_ADDRESS, bytes: address)
        try perform(message, "add address", "\(Self.text(address))/\(prefixLength) to \(name)")
    }

    /// The default route through `gateway` (4 or 16 bytes) on the link `index`, in
    /// routing table `table` (the main one unless given).
    package func addDefaultRoute(via gateway: [UInt8], index: Int32, name: String, table: UInt8 = UInt8(RT_TABLE_MAIN.rawValue)) throws {
        var header = rtmsg()
        header.rtm_family = UInt8(gateway.count == 4 ? AF_INET : AF_INET6)
        header.rtm_table = table
        header.rtm_protocol = UInt8(RTPROT_BOOT)
        header.rtm_scope = UInt8(RT_SCOPE_UNIVERSE.rawValue)
        header.rtm_type = UInt8(RTN_UNICAST)
        var message = NetlinkMessage(type: RTM_NEWROUTE, flags: NLM_F_CREATE | NLM_F_EXCL, header: header)
        message.add(RTA_GATEWAY.rawValue, bytes: gateway)
        message.add(RTA_OIF.rawValue, uint32: UInt32(index))
        try perform(message, "add default route", "via \(Self.text(gateway)) on \(name)")
    }

    /// An ifinfomsg asking for IFF_UP.
    private static func up() -> ifinfomsg {
        var header = ifinfomsg()
        header.ifi_flags = UInt32(IFF_UP)
        header.ifi_change = UInt32(IFF_UP)
        return header
    }

    private static func text(_ address: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = inet_ntop(address.count == 4 ? AF_INET : AF_INET6, address, &buffer, socklen_t(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
