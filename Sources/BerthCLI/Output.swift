// Writing to stdout and stderr without Foundation's FileHandle.
import BerthSystem

enum Output {
    static func out(_ text: String) {
        StandardStreams.write(StandardStreams.output, text)
    }

    static func err(_ text: String) {
        StandardStreams.write(StandardStreams.error, text)
    }

    static var stdoutIsTerminal: Bool { StandardStreams.isTerminal(StandardStreams.output) }

    /// `--noout`: standard output becomes /dev/null for berth and everything it
    /// starts in the foreground, as podman replaces its os.Stdout.
    static func silenceStdout() throws {
        try StandardStreams.discard(StandardStreams.output)
    }
}
