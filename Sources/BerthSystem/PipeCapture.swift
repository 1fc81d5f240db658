// Reading what a short-lived child writes on a pipe while it runs (a health
// check's output): the first `limit` bytes are kept and the rest read and
// dropped, so the writer never blocks on a full pipe; reading ends when the
// child exits, not at EOF, because a process it left behind may hold the pipe
// open for ever. The poll on the child's pidfd is a raw call, so it lives here.
import Glibc

package enum PipeCapture {
    package struct Captured: Sendable {
        package var bytes: [UInt8]
        /// The time ran out and `expire` was called.
        package var expired: Bool
    }

    /// Reads `pipe` until the process behind `pidfd` has exited (it is not reaped
    /// here). When `seconds` pass first, `expire` is called once (it should end the
    /// process) and reading goes on until the exit.
    package static func read(_ pipe: FileDescriptor, untilExitOf pidfd: Int32, limit: Int, seconds: Double,
                             expire: () -> Void) -> Captured {
        _ = fcntl(pipe.raw, F_SETFL, fcntl(pipe.raw, F_GETFL) | O_NONBLOCK)
        var captured = Captured(bytes: [], expired: false)
        var isOpen = true
        let deadline = Stopwatch.seconds() + seconds
        while true {
            let left = deadline - Stopwatch.seconds()
            if !captured.expired && left <= 0 {
                captured.expired = true
                expire()
            }
            let wait = captured.expired ? -1 : Int32(min(left * 1000 + 1, Double(Int32.max)))
            var fds = [pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: isOpen ? pipe.raw : -1, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, wait)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if fds[1].revents != 0 { isOpen = drain(pipe.raw, into: &captured.bytes, limit: limit) }
            if fds[0].revents != 0 {
                // What it wrote just before exiting is in the pipe already: one more bounded read.
                if isOpen { _ = drain(pipe.raw, into: &captured.bytes, limit: limit) }
                break
            }
        }
        return captured
    }

    /// Reads what the pipe holds now (at most a pipe's worth of reads, so a writer
    /// that never stops cannot keep this loop going); false at EOF.
    private static func drain(_ fd: Int32, into bytes: inout [UInt8], limit: Int) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16384)
        for _ in 0..<16 {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                bytes += buffer.prefix(max(0, min(n, limit - bytes.count)))
                continue
            }
            if n < 0 && errno == EINTR { continue }
            return n < 0 && errno == EAGAIN
        }
        return true
    }
}
