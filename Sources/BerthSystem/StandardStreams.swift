// Standard input, output and error as the CLI uses them: whole writes that retry
// on EINTR, whole reads, whether a stream is a terminal, and echo-free input for
// a password prompt. Never closed here: they belong to the process.
import CBerth
import Glibc

package enum StandardStreams {
    package static let input: Int32 = 0
    package static let output: Int32 = 1
    package static let error: Int32 = 2

    package static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) != 0 }

    /// Points the stream `fd` (standard output for `--noout`) at /dev/null, for
    /// this process and everything it starts.
    package static func discard(_ fd: Int32) throws {
        let null = try FileDescriptor.open("/dev/null", O_WRONLY)
        defer { null.close() }
        try null.duplicate(onto: fd)
    }

    /// Writes all of `text`; a stream that is gone (a closed pipe) ends the write silently.
    package static func write(_ fd: Int32, _ text: String) {
        write(fd, bytes: Array(text.utf8))
    }

    /// Writes all of `bytes`, as `write(_:_:)` writes text (`logs` passes on what containers wrote, UTF-8 or not).
    package static func write(_ fd: Int32, bytes: [UInt8]) {
        var bytes = bytes
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { if n < 0 && errno == EINTR { continue }; return }
            offset += n
        }
    }

    /// Everything left on standard input.
    package static func readAllInput() -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += chunk[..<n]
        }
        return bytes
    }

    /// Runs `body` with the terminal on standard input not echoing what is typed.
    package static func withoutEcho<T>(_ body: () throws -> T) rethrows -> T {
        var saved = termios()
        tcgetattr(input, &saved)
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(input, TCSANOW, &quiet)
        defer { tcsetattr(input, TCSANOW, &saved) }
        return try body()
    }
}
