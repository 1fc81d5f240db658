// ps --ns and ps --watch as podman shows them: the namespace table with the inode
// numbers /proc/PID/ns gives (blank for a container that does not run), and the list
// printed again every N seconds until interrupted. Root and rootless.
import Foundation
import Testing
import TestSupport

@Suite struct PsDisplayTests {
    @Test(arguments: Mode.available)
    func ns_shows_the_namespace_inodes_of_running_containers(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("run", "-d", "--name", "up", "img", "sleep", "100").status == 0)
        #expect(sb.berth("create", "--name", "idle", "img", "true").status == 0)
        let pid = sb.berth("inspect", "--format", "{{.State.Pid}}", "up").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let expected = try ["cgroup", "ipc", "mnt", "net", "pid", "user", "uts"].map { kind -> String in
            let link = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/\(kind)")
            return String(link.drop { $0 != "[" }.dropFirst().dropLast())
        }
        let table = sb.berth("ps", "-a", "--ns", "--no-trunc")
        let lines = table.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(table.status == 0 && lines.count == 3, "\(table)")
        #expect(lines.first == ["CONTAINER", "ID", "NAMES", "PID", "CGROUPNS", "IPC", "MNT", "NET", "PIDNS", "USERNS", "UTS"], "\(table)")
        #expect(lines.contains { $0.count == 10 && $0[1] == "up" && $0[2] == pid && Array($0[3...]) == expected }, "\(table)")
        #expect(lines.contains { $0.count == 3 && $0[1] == "idle" && $0[2] == "0" }, "blank columns for a created container: \(table)")
        let net = sb.berth("ps", "--ns", "--format", "{{.Namespaces.NET}} {{.NET}}")
        #expect(net.stdout == "\(expected[3]) \(expected[3])\n", "\(net)")
        let json = sb.berth("ps", "-a", "--ns", "--format", "json").stdout
        #expect(json.contains("\"Net\": \"\(expected[3])\"") && json.contains("\"Namespaces\": {}"), "\(json)")
        let conflict = sb.berth("ps", "--ns", "--size")
        #expect(conflict.status == 125 && conflict.stderr == "Error: size and namespace options conflict\n", "\(conflict)")
        #expect(sb.berth("rm", "-f", "-t", "0", "up", "idle").status == 0)
    }

    @Test(arguments: Mode.available)
    func watch_prints_the_list_again_until_interrupted(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        #expect(sb.berth("create", "--name", "watched", "img", "true").status == 0)
        // Not a terminal: no screen clearing, only the lists, one a second.
        let watched = shell(sb, "timeout -s INT 5 \(berthLine(sb)) ps -a -w 1 --format '{{.Names}}'; echo exit=$?")
        let lines = watched.stdout.split(separator: "\n")
        #expect(lines.last == "exit=124" && lines.count >= 3 && lines.dropLast().allSatisfy { $0 == "watched" }, "\(watched)")
        let once = sb.berth("ps", "-a", "-w", "0", "--format", "{{.Names}}")
        #expect(once.status == 0 && once.stdout == "watched\n", "-w 0 lists once: \(once)")
        let latest = sb.berth("ps", "-w", "1", "-l")
        #expect(latest.status == 125 && latest.stderr == "Error: the watch and latest flags cannot be used together\n", "\(latest)")
        let negative = sb.berth("ps", "-w", "-1")
        #expect(negative.status == 125
                && negative.stderr == "Error: invalid argument \"-1\" for \"-w, --watch\" flag: strconv.ParseUint: parsing \"-1\": invalid syntax\n",
                "\(negative)")
        #expect(sb.berth("rm", "watched").status == 0)
    }
}
