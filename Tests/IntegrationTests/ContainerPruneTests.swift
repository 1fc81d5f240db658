// `container prune` as podman 4.3's: every container that is not running goes,
// those its filters (label=, label!=, until=) pick, each filter holding; a container
// another one depends on goes after it, and stays while a dependent stays.
import Foundation
import Testing
import TestSupport

@Suite struct ContainerPruneTests {
    @Test(arguments: Mode.available)
    func prune_removes_what_is_not_running_and_what_its_filters_pick(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        func create(_ name: String, _ labels: [String]) -> String {
            sb.berth(["create", "--name", name, "--network", "none"] + labels.flatMap { ["--label", $0] } + ["img", "true"])
                .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let a = create("a", ["a=1"]), b = create("b", ["b=1"]), both = create("both", ["a=1", "b=1"]), plain = create("plain", [])
        let running = sb.berth("run", "-d", "--name", "up", "--network", "none", "img", "sleep", "300")
        try #require(running.status == 0, "\(running)")

        for (filters, message) in [(["foo=bar"], "Error: foo is an invalid filter\n"),
                                   (["until=bogus"], "Error: failed to parse value as time or duration: \"bogus\"\n"),
                                   (["label"], "Error: filter input must be in the form of filter=value: label is invalid\n")] {
            let refused = sb.berth(["container", "prune", "-f"] + filters.flatMap { ["--filter", $0] })
            #expect(refused.status == 125 && refused.stderr == message && refused.stdout.isEmpty, "\(filters): \(refused)")
        }
        let declined = sb.berth(["container", "prune"], stdin: Array("n\n".utf8))
        #expect(declined.status == 0 && declined.stdout.hasPrefix("WARNING! This will remove all non running containers.\n"), "\(declined)")
        #expect(sb.berth("container", "prune", "-f", "--filter", "until=1h").stdout.isEmpty, "nothing is an hour old")

        let bothLabels = sb.berth("container", "prune", "-f", "--filter", "label=a", "--filter", "label=b=1")
        #expect(bothLabels.status == 0 && bothLabels.stdout == both + "\n", "\(bothLabels)")
        let withoutA = sb.berth("container", "prune", "-f", "--filter", "label!=a")
        #expect(Set(withoutA.stdout.split(separator: "\n").map(String.init)) == [b, plain], "\(withoutA)")
        let rest = sb.berth("container", "prune", "--force")
        #expect(rest.status == 0 && rest.stdout == a + "\n", "\(rest)")
        #expect(sb.berth("ps", "-a", "--format", "{{.Names}}").stdout == "up\n", "the running one stays")
        #expect(sb.berth("rm", "-f", "-t", "0", "up").status == 0)
    }

    @Test(arguments: Mode.available)
    func a_dependency_goes_after_its_dependents_and_stays_while_one_stays(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let base = sb.berth("create", "--name", "base", "--network", "none", "img", "true").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let keeper = sb.berth("create", "--name", "keeper", "--label", "keep=1", "--requires", "base", "--network", "none", "img", "true")
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let kept = sb.berth("container", "prune", "-f", "--filter", "label!=keep")
        #expect(kept.status == 125 && kept.stdout.isEmpty
                && kept.stderr == "Error: container \(base) has dependent containers which must be removed before it: \(keeper): container already exists\n",
                "\(kept)")
        let all = sb.berth("container", "prune", "-f")
        #expect(all.status == 0 && all.stdout == keeper + "\n" + base + "\n", "\(all)")
    }
}
