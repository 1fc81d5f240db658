// `berth completion`: generated from the parser's own command table, so bash
// completes exactly the commands and flags berth knows.
import Foundation
import Testing
import TestSupport

@Suite struct CompletionTests {
    /// What bash's completion offers for `words` (the last one is being completed).
    func complete(_ sb: Sandbox, _ script: String, _ words: [String]) -> [String] {
        let quoted = words.map { "'" + $0 + "'" }.joined(separator: " ")
        let program = "source \(script); COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1); _berth; printf '%s\\n' \"${COMPREPLY[@]}\""
        let result = sb.run("/bin/bash", ["-c", program], asTestUser: false)
        return result.stdout.split(separator: "\n").map(String.init).sorted()
    }

    @Test func bash_completes_commands_and_flags_from_the_parser_table() throws {
        let sb = try Sandbox(Mode.available[0])
        defer { #expect(sb.cleanup().isEmpty) }
        let script = sb.path("berth.bash")
        let written = sb.berth("completion", "bash", "--file", script)
        #expect(written.status == 0 && written.stdout.isEmpty, "\(written)")
        #expect(sb.berth("completion", "bash").stdout == (try String(contentsOfFile: script, encoding: .utf8)))

        #expect(complete(sb, script, ["berth", "r"]) == ["rename", "restart", "rm", "rmi", "run"])
        #expect(complete(sb, script, ["berth", "run", "--mem"]) == ["--memory", "--memory-reservation", "--memory-swap", "--memory-swappiness"])
        #expect(complete(sb, script, ["berth", "--root", "/x", "image", "l"]) == ["list", "load", "ls"], "a global flag's value is skipped")
        #expect(complete(sb, script, ["berth", "image", "ls", "--so"]) == ["--sort"], "an alias finds its command's flags")
        #expect(complete(sb, script, ["berth", "container", "ru"]) == ["run"])
        #expect(complete(sb, script, ["berth", "container", "l"]) == ["list", "logs", "ls"])
        #expect(complete(sb, script, ["berth", "l"]) == ["load", "login", "logout", "logs"], "no group's alias at the top level")
        #expect(complete(sb, script, ["berth", "ps", "--noo"]) == ["--noout"], "global flags complete after the command")

        // Every flag of every command the help walk finds completes at its path.
        for (path, flags) in berthCommandTable(sb) {
            let offered = Set(complete(sb, script, ["berth"] + path + ["--"]))
            let missing = flags.map { "--" + $0.long }.filter { !offered.contains($0) }
            #expect(missing.isEmpty, "berth \(path.joined(separator: " ")) --<TAB> lacks \(missing)")
        }
    }

    @Test func zsh_and_fish_scripts_come_from_the_same_table() throws {
        let sb = try Sandbox(Mode.available[0])
        defer { #expect(sb.cleanup().isEmpty) }
        let zsh = sb.berth("completion", "zsh")
        #expect(zsh.status == 0 && zsh.stdout.hasPrefix("#compdef berth\n") && zsh.stdout.contains("complete -F _berth berth"))
        let fish = sb.berth("completion", "fish")
        #expect(fish.status == 0)
        #expect(fish.stdout.contains("-l memory -s m -r -d 'Memory limit"), "\(fish.stdout.prefix(300))")
        #expect(fish.stdout.contains("-n \"__berth_path_is 'image'\" -a 'exists'"))
        let bare = sb.berth("completion", "fish", "--no-desc")
        #expect(bare.status == 0 && !bare.stdout.contains(" -d '"))
        let unknown = sb.berth("completion", "tcsh")
        #expect(unknown.status == 125 && unknown.stderr.contains("unrecognized command `berth completion tcsh`"), "\(unknown)")
    }
}
