// `-t`: the container gets a pty slave as its terminal; berth puts its own
// terminal in raw mode and copies bytes both ways, resizing on SIGWINCH.
import CBerth
import Glibc

package final class TerminalRelay {
    package let master: FileDescriptor
    package let slave: FileDescriptor

    package init() throws {
        var m: Int32 = -1, s: Int32 = -1
        if berth_pty_open(&m, &s) != 0 { throw SystemError("open pseudo-terminal", "/dev/ptmx") }
        master = FileDescriptor(raw: m)
        slave = FileDescriptor(raw: s)
        _ = berth_copy_winsize(0, m)
    }

    nonisolated(unsafe) private static var winchPipe: Int32 = -1

    /// Relays until the container closes its side of the terminal (false) or the
    /// user types `detachKeys` (true; empty: never). `forwardInput` is -i:
    /// without it the container sees no input.
    @discardableResult
    package func relay(forwardInput: Bool, detachKeys: [UInt8] = []) -> Bool {
        slave.close()
        let stdinIsTTY = isatty(0) != 0
        var saved = [UInt8](repeating: 0, count: berth_termios_size())
        let raw = forwardInput && stdinIsTTY && saved.withUnsafeMutableBytes { berth_tty_raw(0, $0.baseAddress) } == 0
        defer { if raw { _ = saved.withUnsafeBytes { berth_tty_restore(0, $0.baseAddress) } } }
        var pipeFDs: [Int32] = [-1, -1]
        _ = berth_pipe_cloexec(&pipeFDs)
        TerminalRelay.winchPipe = pipeFDs[1]
        signal(SIGWINCH) { _ in var b: UInt8 = 1; _ = write(TerminalRelay.winchPipe, &b, 1) }
        AttachRelay.unblock(SIGWINCH)
        defer { signal(SIGWINCH, SIG_DFL); close(pipeFDs[0]); close(pipeFDs[1]) }
        var inputOpen = forwardInput
        var matcher = DetachKeyMatcher(detachKeys)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            var fds = [pollfd(fd: master.raw, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: pipeFDs[0], events: Int16(POLLIN), revents: 0),
                       pollfd(fd: inputOpen ? 0 : -1, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 3, -1) < 0 { if errno == EINTR { continue }; return false }
            if fds[1].revents != 0 {
                _ = buffer.withUnsafeMutableBytes { read(pipeFDs[0], $0.baseAddress, 64) }
                _ = berth_copy_winsize(0, master.raw)
            }
            if fds[0].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(master.raw, $0.baseAddress, $0.count) }
                if n <= 0 { if n < 0 && errno == EINTR { continue }; return false }
                writeAll(1, buffer, n)
            }
            if inputOpen && fds[2].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
                if n <= 0 {
                    inputOpen = false
                    // Input ended (a pipe, not a terminal): send EOF to the container.
                    var eof: UInt8 = 4
                    _ = write(master.raw, &eof, 1)
                } else {
                    let (bytes, detach) = matcher.feed(buffer[0..<n])
                    writeAll(master.raw, bytes, bytes.count)
                    if detach { return true }
                }
            }
        }
    }

    private func writeAll(_ fd: Int32, _ buffer: [UInt8], _ count: Int) {
        var offset = 0
        while offset < count {
            let n = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + offset, count - offset) }
            if n <= 0 { if errno == EINTR { continue }; return }
            offset += n
        }
    }
}
