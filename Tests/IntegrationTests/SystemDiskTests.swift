// `system df` and `system prune` as podman 4.3 prints them: counts, sizes and what is
// reclaimable for images, containers and local volumes; prune in podman's order. Root and rootless.
import Foundation
import Testing
import TestSupport

@Suite struct SystemDiskTests {
    @Test(arguments: Mode.available)
    func df_counts_and_prune_removes_the_unused(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        for name in ["used", "spare"] { #expect(sb.berth("volume", "create", name).status == 0) }
        #expect(FileManager.default.createFile(atPath: sb.root + "/volumes/spare/_data/five", contents: Data("12345".utf8)))
        let user = try containerUsingVolume(sb, name: "user", volume: "used")
        let other = sb.berth("create", "--name", "other", "img", "true").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let imageID = sb.berth("images", "-q", "--no-trunc").stdout.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "sha256:", with: "")

        let df = sb.berth("system", "df")
        #expect(df.status == 0, "\(df)")
        let lines = df.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "TYPE           TOTAL       ACTIVE      SIZE        RECLAIMABLE", "\(df.stdout)")
        #expect(lines.count == 4 && lines[1].hasPrefix("Images         1           1           ") && lines[1].hasSuffix("0B (0%)"), "\(df.stdout)")
        #expect(lines.count == 4 && lines[2].hasPrefix("Containers     2           0           "), "\(df.stdout)")
        #expect(lines.count == 4 && lines[3] == "Local Volumes  2           1           5B          5B (100%)", "\(df.stdout)")
        #expect(sb.berth("system", "df", "--format", "{{.Type}}:{{.Total}}:{{.Active}}").stdout
                == "Images:1:1\nContainers:2:0\nLocal Volumes:2:1\n")
        let verbose = sb.berth("system", "df", "-v").stdout
        #expect(verbose.contains("Local Volumes space usage:\n\nVOLUME NAME  LINKS       SIZE\nspare        0           5B\nused         1           0B\n"), "\(verbose)")
        #expect(verbose.contains("Containers space usage:") && verbose.contains(String(user.prefix(12))), "\(verbose)")

        let declined = sb.berth("system", "prune", "--volumes", stdin: Array("n\n".utf8))
        #expect(declined.stdout.hasPrefix("WARNING! This command removes:\n\t- all stopped containers\n\t- all volumes not used by at least one container\n"), "\(declined)")
        #expect(sb.berth("ps", "-aq").stdout.split(separator: "\n").count == 2, "nothing removed without a yes")

        let pruned = sb.berth("system", "prune", "-f")
        let containers = [user, other].sorted()
        #expect(pruned.status == 0, "\(pruned)")
        #expect(pruned.stdout.hasPrefix("Deleted Containers\n") && containers.allSatisfy { pruned.stdout.contains($0 + "\n") }, "\(pruned)")
        #expect(pruned.stdout.hasSuffix("Total reclaimed space: 0B\n") && !pruned.stdout.contains("Deleted Images"), "a named image stays: \(pruned)")
        #expect(sb.berth("volume", "ls", "-q").stdout == "spare\nused\n", "volumes stay without --volumes")

        let all = sb.berth("system", "prune", "-a", "-f", "--volumes")
        #expect(all.stdout == "Deleted Volumes\nspare\nused\nDeleted Images\n\(imageID)\nTotal reclaimed space: \(all.stdout.split(separator: " ").last ?? "")", "\(all)")
        #expect(sb.berth("volume", "ls", "-q").stdout.isEmpty && sb.berth("images", "-q").stdout.isEmpty)
        let filtered = sb.berth("system", "prune", "-f", "--filter", "label=x")
        #expect(filtered.status == 125 && filtered.stderr.hasPrefix("Error: --filter is not supported yet without --volumes"), "\(filtered)")
    }
}
