// pasta starts while the container process sets up its rootfs (launch.h
// network_barrier), yet the container's very first instruction must find its
// interface configured: the addresses and default routes pasta's --config-net
// sets, IPv4 and IPv6. Rootless (pasta is its default network; on a namespace made
// ahead, and with keep-id on the container's own) and root (--network pasta).
import Foundation
import Testing
import TestSupport

/// A global IPv6 address on an interface other than lo, in /proc/net/if_inet6
/// text (its scope column is 00): pasta copies the host's into the container.
private func hasGlobalIPv6(_ ifInet6: some StringProtocol) -> Bool {
    ifInet6.split(separator: "\n").contains { line in
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        return fields.count == 6 && fields[3] == "00" && fields[5] != "lo"
    }
}

@Suite struct PastaReadinessTests {
    @Test func the_first_instruction_sees_the_interface_configured() throws {
        for mode in Mode.available { try firstInstructionSeesTheInterface(mode) }
    }

    private func firstInstructionSeesTheInterface(_ mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let hostIPv6 = hasGlobalIPv6((try? String(contentsOfFile: "/proc/net/if_inet6", encoding: .utf8)) ?? "")
        // cat is the container's command itself: nothing runs before it reads the tables.
        let files = ["/proc/net/route", "/proc/net/if_inet6", "/proc/net/ipv6_route"]
        for userns in mode == .rootless ? [[], ["--userns=keep-id"]] : [[]] {
            for attempt in 1...(mode == .root ? 5 : userns.isEmpty ? 20 : 3) {
                let run = sb.berth(["run", "--rm", "--network", "pasta"] + userns + ["img", "cat"] + files)
                try #require(run.status == 0, "\(mode) run \(attempt) \(userns): \(run)")
                let lines = run.stdout.split(separator: "\n")
                // /proc/net/route: "IFACE 00000000 GATEWAY …" is the default route.
                let defaultRoute = lines.contains { line in
                    let fields = line.split(separator: "\t")
                    return fields.count > 2 && fields[0] != "lo" && fields[1] == "00000000" && fields[2] != "00000000"
                }
                #expect(defaultRoute, "\(mode) run \(attempt) \(userns): no IPv4 default route yet: \(run.stdout)")
                if hostIPv6 {
                    #expect(hasGlobalIPv6(run.stdout), "\(mode) run \(attempt) \(userns): no global IPv6 address yet: \(run.stdout)")
                    // /proc/net/ipv6_route: destination ::/0 through a gateway (not all zeros).
                    let zeros = String(repeating: "0", count: 32)
                    let defaultRoute6 = lines.contains { line in
                        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                        return fields.count == 10 && fields[0] == zeros && fields[1] == "00" && fields[4] != zeros && fields[9] != "lo"
                    }
                    #expect(defaultRoute6, "\(mode) run \(attempt) \(userns): no IPv6 default route yet: \(run.stdout)")
                }
            }
        }
        #expect(sb.berth("ps", "-aq").stdout.isEmpty)
    }
}
