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
}
