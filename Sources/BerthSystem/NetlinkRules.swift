// Routing policy rules through rtnetlink (RTM_NEWRULE, `ip rule add from ADDR table N`):
// a rootless published port's pasta (RootlessNetnsPorts.swift in the engine) gets
// its replies back because packets from its tap's address look up a table of their
// own, whose default route is that tap, while the container's other traffic keeps
// the main table's route through its bridge.
import CBerth
import Glibc

/// struct fib_rule_hdr (linux/fib_rules.h).
private struct FibRuleHeader {
    var family: UInt8
    var destinationLength: UInt8 = 0
    var sourceLength: UInt8
    var tos: UInt8 = 0
    var table: UInt8
    var reserved1: UInt8 = 0
    var reserved2: UInt8 = 0
    var action: UInt8 = 1  // FR_ACT_TO_TBL
    var flags: UInt32 = 0
}

extension NetlinkSocket {
    /// Packets from `source` (4 or 16 bytes, the whole address) look up routing table `table`.
    package func addSourceRule(from source: [UInt8], table: UInt8) throws {
        let header = FibRuleHeader(family: UInt8(source.count == 4 ? AF_INET : AF_INET6), sourceLength: UInt8(source.count * 8), table: table)
        var message = NetlinkMessage(type: RTM_NEWRULE, flags: NLM_F_CREATE | NLM_F_EXCL, header: header)
        message.add(2, bytes: source)  // FRA_SRC
        try perform(message, "add routing rule", "from \(source.map(String.init).joined(separator: ".")) table \(table)")
    }
}
