// Asking for a username or password on the controlling terminal, the password
// without echo (login, --creds user).
import BerthSystem

enum TerminalPrompt {
    static func line(_ prompt: String) throws -> String {
        guard StandardStreams.isTerminal(StandardStreams.input) else { throw CLIError("cannot prompt for credentials: standard input is not a terminal; use --username/--password or --password-stdin") }
        Output.err(prompt)
        return readLine(strippingNewline: true) ?? ""
    }

    static func secret(_ prompt: String) throws -> String {
        guard StandardStreams.isTerminal(StandardStreams.input) else { throw CLIError("cannot prompt for a password: standard input is not a terminal; use --password-stdin") }
        defer { Output.err("\n") }
        return StandardStreams.withoutEcho {
            Output.err(prompt)
            return readLine(strippingNewline: true) ?? ""
        }
    }

    /// All of standard input without the final newline (--password-stdin).
    static func standardInput() -> String {
        var bytes = StandardStreams.readAllInput()
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
