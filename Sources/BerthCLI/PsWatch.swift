// ps --watch N (podman's): the list printed again every N seconds until the user
// interrupts it, the screen cleared first when standard output is a terminal.
import BerthSystem

enum PsWatch {
    /// --watch's seconds; nil without it or with 0 (podman then lists once).
    static func interval(_ args: ParsedArguments) throws -> UInt? {
        guard let text = args.value("watch") else { return nil }
        guard let seconds = UInt(text) else {
            throw CLIError("invalid argument \"\(text)\" for \"-w, --watch\" flag: strconv.ParseUint: parsing \"\(text)\": invalid syntax")
        }
        if seconds > 0 && args.has("latest") { throw CLIError("the watch and latest flags cannot be used together") }
        return seconds > 0 ? seconds : nil
    }

    /// Runs `list` every `seconds` for as long as the process lives; returns only by
    /// throwing (a failed listing ends the watch, as podman's does).
    static func repeating(every seconds: UInt, _ list: () throws -> Int32) throws -> Int32 {
        while true {
            // goterm's Clear and MoveCursor(1, 1), which podman writes to a terminal only.
            if Output.stdoutIsTerminal { Output.out("\u{1B}[2J\u{1B}[1;1H") }
            let code = try list()
            if code != 0 { return code }
            Stopwatch.sleep(Double(seconds))
        }
    }
}
