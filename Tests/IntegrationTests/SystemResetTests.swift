// `system reset` as podman 4.3's: its question unless -f, then every container
// (running ones stopped), volume, network and image, and the store's directories.
import Foundation
import Testing
import TestSupport

@Suite struct SystemResetTests {
    @Test(arguments: Mode.available)
    func reset_removes_everything_of_the_store_and_its_directories(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let network = "reset-\(UUID().uuidString.prefix(6).lowercased())"
        #expect(sb.berth("network", "create", network).status == 0)
        #expect(sb.berth("volume", "create", "data").status == 0)
        let up = sb.berth("run", "-d", "--name", "up", "--network", "none", "-v", "data:/data", "img", "sleep", "300")
        try #require(up.status == 0, "\(up)")
        #expect(sb.berth("create", "--name", "later", "--network", "none", "--requires", "up", "img", "true").status == 0)

        let declined = sb.berth(["system", "reset"], stdin: Array("n\n".utf8))
        #expect(declined.status == 0 && declined.stdout.hasPrefix("WARNING! This will remove:\n\t- all containers\n")
                && declined.stdout.contains("\t- the graphRoot directory: \"\(sb.root)\"\n\t- the runRoot directory: \"\(sb.runroot)\"\n"),
                "\(declined)")
        #expect(sb.berth("ps", "-a", "-q").stdout.split(separator: "\n").count == 2, "nothing removed")

        let reset = sb.berth("system", "reset", "-f")
        #expect(reset.status == 0 && reset.stdout.isEmpty && reset.stderr.isEmpty, "\(reset)")
        #expect(!FileManager.default.fileExists(atPath: sb.root) && !FileManager.default.fileExists(atPath: sb.runroot))
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty)
        #expect(sb.berth("images", "-q").stdout.isEmpty)
        #expect(sb.berth("volume", "ls", "-q").stdout.isEmpty)
        #expect(!sb.berth("network", "ls", "--format", "{{.Name}}").stdout.contains(network))
        // The store works again from nothing.
        #expect(sb.berth("import", try busyboxTarball(sb), "img").status == 0)
        #expect(sb.berth("run", "--rm", "--network", "none", "img", "echo", "again").stdout == "again\n")
    }
}
