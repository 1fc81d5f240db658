// Where `export` and `volume export` write their tar: the file -o names, or
// standard output when it is not a terminal. A failed write removes the file, so
// no half archive is left under the name the user gave.
import BerthSystem
import Glibc

enum ArchiveOutput {
    /// Runs `write` with the open destination and its name for errors; with no
    /// file and a terminal on stdout, fails with `terminalRefusal` (podman's words
    /// differ between the verbs).
    static func write(to output: String?, terminalRefusal: String, _ write: (FileDescriptor, String) throws -> Void) throws {
        guard let output else {
            if Output.stdoutIsTerminal { throw CLIError(terminalRefusal) }
            try write(try FileDescriptor.duplicate(StandardStreams.output), "standard output")
            return
        }
        let fd = try FileDescriptor.open(output, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
        do {
            try write(fd, output)
        } catch {
            try? FileSystem.unlinkIfPresent(output)
            throw error
        }
    }
}
