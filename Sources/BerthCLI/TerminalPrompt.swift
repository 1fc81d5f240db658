// Asking for a username or password on the controlling terminal, the password
// without echo (login, --creds user).
import Glibc

enum TerminalPrompt {
    static func line(_ prompt: String) throws -> String {
        guard isatty(0) != 0 else { throw CLIError("cannot prompt for credentials: standard input is not a terminal; use --username/--password or --password-stdin") }
        Output.err(prompt)
        return readLine(strippingNewline: true) ?? ""
    }

    static func secret(_ prompt: String) throws -> String {
        guard isatty(0) != 0 else { throw CLIError("cannot prompt for a password: standard input is not a terminal; use --password-stdin") }
        var saved = termios()
        tcgetattr(0, &saved)
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(0, TCSANOW, &quiet)
        defer {
            tcsetattr(0, TCSANOW, &saved)
            Output.err("\n")
        }
        Output.err(prompt)
        return readLine(strippingNewline: true) ?? ""
    }

    /// All of standard input without the final newline (--password-stdin).
    static func standardInput() -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += chunk[..<n]
        }
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
