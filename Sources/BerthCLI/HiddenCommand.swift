// The shape of berth's hidden `__` commands, which berth runs itself (a monitor, a
// step inside the rootless netns): no summary, so help lists none; no flags of
// their own, since every word after the command is the step's, not berth's.
protocol HiddenCommand: CLICommand {}

extension HiddenCommand {
    var summary: String { "" }
    var flags: [FlagSpec] { [] }
    var stopsAtFirstPositional: Bool { true }
}
