// podman's whole command line for the verbs berth has (issue 9 §8): every flag
// `podman VERB --help` lists is known to berth's parser, either working or refused
// with one line, unless Docs/cli-parity.md lists it as a deliberate exception.
import Foundation
import Testing
import TestSupport

/// One flag as a `--help` page lists it.
struct HelpFlag: Hashable {
    var long: String
    var takesValue: Bool
    /// berth only: the reason help gives for "not supported yet".
    var pending: String?
}

/// Reading `--help` pages: the sub-command names and the flags, as podman and berth lay them out.
enum HelpPage {
    static func flags(_ text: String) -> [HelpFlag] {
        guard let start = text.range(of: "\nOptions:\n") else { return [] }
        let pattern = try! NSRegularExpression(pattern: #"^\s+(?:-\w, )?--([\w-]+)( \S+)?\s{2,}(.*)$"#)
        return text[start.upperBound...].split(separator: "\n").compactMap { line in
            let line = String(line)
            guard let m = pattern.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) else { return nil }
            func group(_ i: Int) -> String? { Range(m.range(at: i), in: line).map { String(line[$0]) } }
            let help = group(3) ?? ""
            let pending = help.range(of: "(not supported yet: ").map { String(help[$0.upperBound...].dropLast()) }
            return HelpFlag(long: group(1)!, takesValue: group(2) != nil, pending: pending)
        }
    }

    static func commands(_ text: String) -> [String] {
        guard let start = text.range(of: "\nAvailable Commands:\n") else { return [] }
        return text[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false)
            .prefix { !$0.isEmpty }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
    }
}

/// The flags berth deliberately lacks, read from the one list in Docs/cli-parity.md:
/// table rows `| podman … | --flag | reason |`.
func parityExceptions() throws -> Set<String> {
    let text = try String(contentsOfFile: Sandbox.packageRoot + "/Docs/cli-parity.md", encoding: .utf8)
    var result = Set<String>()
    for line in text.split(separator: "\n") where line.hasPrefix("| `podman") {
        let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "") }
        guard cells.count >= 3, !cells[2].isEmpty else { continue }
        result.insert(cells[0] + " " + cells[1])
    }
    return result
}

/// Every berth command path (`images`, `image ls`, …) with the flags its help lists.
func berthCommandTable(_ sb: Sandbox) -> [(path: [String], flags: [HelpFlag])] {
    var table: [(path: [String], flags: [HelpFlag])] = [([], HelpPage.flags(sb.berth("--help").stdout))]
    var queue = HelpPage.commands(sb.berth("--help").stdout).map { [$0] }
    while !queue.isEmpty {
        let path = queue.removeFirst()
        let help = sb.berth(path + ["--help"]).stdout
        queue += HelpPage.commands(help).map { path + [$0] }
        table.append((path, HelpPage.flags(help)))
    }
    return table
}

@Suite struct CLIParityTests {
    @Test func every_podman_flag_of_every_berth_verb_is_known() throws {
        let sb = try Sandbox(Mode.available[0])
        defer { #expect(sb.cleanup().isEmpty) }
        let podman = sb.run("podman", ["--version"], asTestUser: false)
        try #require(podman.status == 0, "podman is required (ci/setup installs it): \(podman)")
        let exceptions = try parityExceptions()
        let table = berthCommandTable(sb)
        #expect(table.count > 40, "the walk found berth's verbs: \(table.map(\.path))")
        var missing: [String] = []
        for (path, flags) in table {
            let help = sb.run("podman", path + ["--help"], asTestUser: false)
            guard help.status == 0 else { continue }   // a berth-only verb
            let known = Set(flags.map(\.long))
            for flag in HelpPage.flags(help.stdout) where !known.contains(flag.long) {
                let name = (["podman"] + path).joined(separator: " ") + " --" + flag.long
                if !exceptions.contains(name) { missing.append(name) }
            }
        }
        #expect(missing.isEmpty, "podman flags berth's parser does not know:\n\(missing.joined(separator: "\n"))")
    }

    @Test func every_exception_in_the_docs_is_still_a_podman_flag_berth_lacks() throws {
        let sb = try Sandbox(Mode.available[0])
        defer { #expect(sb.cleanup().isEmpty) }
        let table = Dictionary(berthCommandTable(sb).map { ($0.path.joined(separator: " "), Set($0.flags.map(\.long))) },
                               uniquingKeysWith: { a, _ in a })
        for exception in try parityExceptions() {
            var words = exception.split(separator: " ").map(String.init)
            let flag = String(words.removeLast().dropFirst(2))
            words.removeFirst()
            let podman = sb.run("podman", words + ["--help"], asTestUser: false)
            #expect(HelpPage.flags(podman.stdout).contains { $0.long == flag }, "\(exception) is no podman flag")
            #expect(table[words.joined(separator: " ")]?.contains(flag) == false, "\(exception) is known to berth: drop the exception")
        }
    }

    @Test func health_check_flags_are_podmans_and_honoured() throws {
        let sb = try Sandbox(Mode.available[0])
        defer { #expect(sb.cleanup().isEmpty) }
        func health(_ flags: [HelpFlag]) -> [HelpFlag] {
            flags.filter { $0.long.hasPrefix("health-") || $0.long == "no-healthcheck" }.sorted { $0.long < $1.long }
        }
        for verb in ["run", "create"] {
            let podman = health(HelpPage.flags(sb.run("podman", [verb, "--help"], asTestUser: false).stdout))
            let berth = health(HelpPage.flags(sb.berth(verb, "--help").stdout))
            #expect(podman.count == 7, "\(podman)")
            #expect(berth == podman, "berth \(verb): \(berth)")
        }
    }

    @Test(arguments: Mode.available)
    func every_pending_flag_is_refused_in_one_line_before_anything_is_created(mode: Mode) throws {
        let sb = try Sandbox(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        var refused = 0
        for (path, flags) in berthCommandTable(sb) {
            for flag in flags {
                guard let reason = flag.pending else { continue }
                let arg = "--" + flag.long + (flag.takesValue ? "=1" : "")
                let result = sb.berth(path + [arg, "busybox", "true"])
                #expect(result.status == 125 && result.stdout.isEmpty
                        && result.stderr == "Error: --\(flag.long) is not supported yet: \(reason)\n",
                        "berth \(path.joined(separator: " ")) \(arg): \(result)")
                refused += 1
            }
        }
        #expect(refused > 50, "help shows the pending flags")
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty)
        #expect(sb.berth("images", "-q").stdout.isEmpty, "nothing was pulled")
    }

    @Test(arguments: Mode.available)
    func a_pending_bool_flag_set_to_false_asks_for_nothing(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let result = sb.berth("run", "--rm", "--oom-kill-disable=false", "--publish-all=false", "img", "echo", "ok")
        #expect(result.status == 0 && result.stdout == "ok\n", "\(result)")
        // -m is --memory's short name: enforced as root; rootless on v1 refused naming the controller.
        let short = sb.berth("run", "--rm", "-m", "1g", "img", "true")
        let refused = "Error: --memory needs the memory cgroup controller, which a rootless container cannot use on this host"
        #expect(mode == .root ? short.status == 0 : short.status == 125 && short.stderr.hasPrefix(refused), "\(short)")
    }

    @Test func attach_and_the_detach_keys_are_working_flags() throws {
        let sb = try Sandbox(Mode.available[0])
        defer { #expect(sb.cleanup().isEmpty) }
        let table = Dictionary(berthCommandTable(sb).map { ($0.path.joined(separator: " "), $0.flags) }, uniquingKeysWith: { a, _ in a })
        for verb in ["attach", "container attach"] {
            let flags = Set((table[verb] ?? []).filter { $0.pending == nil }.map(\.long))
            #expect(flags == ["detach-keys", "latest", "no-stdin", "sig-proxy"], "\(verb): \(flags)")
        }
        for verb in ["run", "start", "exec", "container run", "container start"] {
            let keys = table[verb]?.first { $0.long == "detach-keys" }
            #expect(keys != nil && keys?.pending == nil && keys?.takesValue == true, "\(verb) --detach-keys works: \(String(describing: keys))")
        }
    }
}

/// Issue 13: every `podman volume` verb but `reload` (volume plugins) is a berth verb, and
/// `system df`/`system prune` are there, so the walk above checks their flags too.
@Suite struct VolumeVerbParityTests {
    @Test func volume_and_system_verbs_are_all_there() throws {
        let sb = try Sandbox(Mode.available[0])
        defer { #expect(sb.cleanup().isEmpty) }
        let podman = sb.run("podman", ["volume", "--help"], asTestUser: false)
        try #require(podman.status == 0, "podman is required (ci/setup installs it): \(podman)")
        let berth = Set(HelpPage.commands(sb.berth("volume", "--help").stdout))
        let wanted = Set(HelpPage.commands(podman.stdout)).subtracting(["reload"])
        #expect(wanted.isSubset(of: berth), "missing: \(wanted.subtracting(berth))")
        let system = Set(HelpPage.commands(sb.berth("system", "--help").stdout))
        #expect(system.isSuperset(of: ["df", "prune"]), "\(system)")
    }
}

/// podman's namespace, sysctl and device flags are working flags of run, create and build.
@Suite struct NamespaceFlagParityTests {
    @Test func pid_ipc_uts_sysctl_and_device_are_no_longer_pending() throws {
        let sb = try Sandbox(Mode.available[0])
        defer { #expect(sb.cleanup().isEmpty) }
        let table = Dictionary(berthCommandTable(sb).map { ($0.path.joined(separator: " "), $0.flags) }, uniquingKeysWith: { a, _ in a })
        for verb in ["run", "create", "build", "container run", "container create"] {
            let wanted = verb.hasSuffix("build") ? ["pid", "ipc", "uts", "device"] : ["pid", "ipc", "uts", "sysctl", "device"]
            for name in wanted {
                let flag = table[verb]?.first { $0.long == name }
                #expect(flag != nil && flag?.pending == nil && flag?.takesValue == true, "\(verb) --\(name): \(String(describing: flag))")
            }
        }
    }
}

/// Flags that were refused as pending and now work (the flags part): each has its own
/// behaviour tests; here they are checked to be working flags of every verb that has them.
@Suite struct FormerlyPendingFlagTests {
    @Test func formerly_pending_flags_are_working_flags() throws {
        let sb = try Sandbox(Mode.available[0])
        defer { #expect(sb.cleanup().isEmpty) }
        let table = Dictionary(berthCommandTable(sb).map { ($0.path.joined(separator: " "), $0.flags) }, uniquingKeysWith: { a, _ in a })
        let working: [String: [String]] = [
            "run": ["sdnotify", "init-path"], "create": ["sdnotify", "init-path"],
            "container run": ["sdnotify", "init-path"], "container create": ["sdnotify", "init-path"],
            "ps": ["size", "ns", "watch"], "container ps": ["size", "ns", "watch"],
            "inspect": ["size"], "container inspect": ["size"],
        ]
        for (verb, names) in working {
            for name in names {
                let flag = table[verb]?.first { $0.long == name }
                #expect(flag != nil && flag?.pending == nil, "\(verb) --\(name): \(String(describing: flag))")
            }
        }
    }
}
