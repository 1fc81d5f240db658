// `--help` text for berth and each sub-command, in podman's layout.
enum Help {
    static func root(_ commands: [any CLICommand]) -> String {
        var text = "Manage containers and images\n\nUsage:\n  berth [options] [command]\n\nAvailable Commands:\n"
        let visible = commands.filter { !$0.summary.isEmpty }
        let width = (visible.map(\.name.count).max() ?? 0) + 2
        for command in visible {
            text += "  " + command.name.padding(width) + command.summary + "\n"
        }
        text += "\nOptions:\n" + options(GlobalOptions.flags + [.bool("version", "v", "Version of berth")])
        return text
    }

    static func command(_ command: any CLICommand, path: String) -> String {
        var text = command.summary + "\n\nDescription:\n  " + command.summary + "\n\nUsage:\n  "
        text += path + " " + command.usage + "\n"
        if !command.aliases.isEmpty { text += "\nAliases:\n  " + ([command.name] + command.aliases).joined(separator: ", ") + "\n" }
        if !command.subcommands.isEmpty {
            text += "\nAvailable Commands:\n"
            let width = (command.subcommands.map(\.name.count).max() ?? 0) + 2
            for sub in command.subcommands { text += "  " + sub.name.padding(width) + sub.summary + "\n" }
        }
        // `-h` is --hostname for run and create, so --help is listed on its own, as podman does.
        let help = command.flags.contains { $0.short == "h" } ? [FlagSpec.bool("help", nil, "Help for this command")] : []
        if !command.flags.isEmpty { text += "\nOptions:\n" + options(command.flags + help) }
        return text
    }

    private static func options(_ flags: [FlagSpec]) -> String {
        let heads = flags.map { flag -> String in
            let short = flag.short.map { "-\($0), " } ?? "    "
            return short + "--" + flag.long + (flag.takesValue ? " " + flag.valueName : "")
        }
        let width = (heads.map(\.count).max() ?? 0) + 3
        var text = ""
        for (head, flag) in zip(heads, flags) {
            text += "  " + head.padding(width) + flag.help + (flag.defaultText.map { " (default \"\($0)\")" } ?? "")
            text += (flag.pending.map { " (not supported yet: \($0.reason))" } ?? "") + "\n"
        }
        return text
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
