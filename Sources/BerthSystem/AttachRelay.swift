// The client side of an attach (`attach`, `run -it`, `start -ai`): copies the
// user's input to the monitor's attach socket and the container's output back,
// sends the window size at once and on every SIGWINCH, and watches the input for
// the detach keys. Protocol: include/attach_protocol.h.
import CBerth
import Glibc

package enum AttachEnd: Sendable, Equatable {
    /// The container exited with this code.
    case exited(Int32)
    /// The user typed the detach keys: the container runs on.
    case detached
    /// The monitor went away without an exit code (killed).
    case disconnected
}

/// podman's --detach-keys as bytes (ctrl-p,ctrl-q is 16, 17); empty: no detaching.
/// Matching follows docker's escape proxy: bytes that begin the sequence are held
/// back and sent on as soon as the next byte does not continue it.
package struct DetachKeyMatcher {
    let keys: [UInt8]
    private var matched = 0

    package init(_ keys: [UInt8]) { self.keys = keys }

    /// Feeds input; returns what to send on and whether the sequence completed.
    mutating func feed(_ bytes: ArraySlice<UInt8>) -> (send: [UInt8], detach: Bool) {
        guard !keys.isEmpty else { return (Array(bytes), false) }
        var send: [UInt8] = []
        for byte in bytes {
            if byte == keys[matched] {
                matched += 1
                if matched == keys.count { return (send, true) }
                continue
            }
            send += keys[0..<matched]
            matched = 0
            if byte == keys[0] { matched = 1 } else { send.append(byte) }
        }
        return (send, false)
    }
}

package final class AttachRelay {
    let socket: FileDescriptor

    package init(socket: FileDescriptor) { self.socket = socket }

    nonisolated(unsafe) private static var winchPipe: Int32 = -1

    /// Relays until the container exits, the user detaches or the monitor goes.
    /// `forwardInput`: our stdin goes to the container (not --no-stdin). `terminal`:
    /// the container has a tty, so our terminal goes raw and its size is sent.
    package func relay(forwardInput: Bool, terminal: Bool, detachKeys: [UInt8]) -> AttachEnd {
        let inputIsTTY = isatty(StandardStreams.input) != 0
        var saved = [UInt8](repeating: 0, count: berth_termios_size())
        let raw = terminal && forwardInput && inputIsTTY
            && saved.withUnsafeMutableBytes { berth_tty_raw(StandardStreams.input, $0.baseAddress) } == 0
        defer { if raw { _ = saved.withUnsafeBytes { berth_tty_restore(StandardStreams.input, $0.baseAddress) } } }
        var pipeFDs: [Int32] = [-1, -1]
        _ = berth_pipe_cloexec(&pipeFDs)
        AttachRelay.winchPipe = pipeFDs[1]
        if terminal {
            signal(SIGWINCH) { _ in var b: UInt8 = 1; _ = write(AttachRelay.winchPipe, &b, 1) }
            AttachRelay.unblock(SIGWINCH)
            sendSize()
        }
        defer {
            if terminal { signal(SIGWINCH, SIG_DFL) }
            close(pipeFDs[0])
            close(pipeFDs[1])
        }
        var matcher = DetachKeyMatcher(detachKeys)
        var inputOpen = forwardInput
        var buffer = [UInt8](repeating: 0, count: Int(BERTH_ATTACH_MAX_BODY) + 1)
        while true {
            var fds = [pollfd(fd: socket.raw, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: pipeFDs[0], events: Int16(POLLIN), revents: 0),
                       pollfd(fd: inputOpen ? StandardStreams.input : -1, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 3, -1) < 0 { if errno == EINTR { continue }; return .disconnected }
            if fds[1].revents != 0 {
                _ = buffer.withUnsafeMutableBytes { read(pipeFDs[0], $0.baseAddress, 64) }
                sendSize()
            }
            if fds[0].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { recv(socket.raw, $0.baseAddress, $0.count, 0) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return .disconnected }
                if let end = deliver(buffer[0..<n]) { return end }
            }
            if inputOpen && fds[2].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(StandardStreams.input, $0.baseAddress, Int(BERTH_ATTACH_MAX_BODY)) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    inputOpen = false
                    send(UInt8(BERTH_ATTACH_CLOSE_INPUT.rawValue), [])
                    continue
                }
                let (bytes, detach) = matcher.feed(buffer[0..<n])
                if !bytes.isEmpty { send(UInt8(BERTH_ATTACH_INPUT.rawValue), bytes) }
                if detach { return .detached }
            }
        }
    }

    /// One message from the monitor: output is written out, the exit ends the relay.
    private func deliver(_ message: ArraySlice<UInt8>) -> AttachEnd? {
        guard let type = message.first else { return nil }
        let body = Array(message.dropFirst())
        switch UInt32(type) {
        case BERTH_ATTACH_STDOUT.rawValue: StandardStreams.write(StandardStreams.output, bytes: body)
        case BERTH_ATTACH_STDERR.rawValue: StandardStreams.write(StandardStreams.error, bytes: body)
        case BERTH_ATTACH_EXIT.rawValue: return .exited(Int32(String(decoding: body, as: UTF8.self)) ?? ExitCode.engineError)
        default: break
        }
        return nil
    }

    /// A signal mask is inherited: a parent that blocked SIGWINCH (a test runner,
    /// some shells' job control) would otherwise keep every resize from berth.
    static func unblock(_ signalNumber: Int32) {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, signalNumber)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    private func sendSize() {
        guard let size = PseudoTerminal.size(of: StandardStreams.input) ?? PseudoTerminal.size(of: StandardStreams.output) else { return }
        var body = [UInt8](repeating: 0, count: 4)
        body.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: size.rows, toByteOffset: 0, as: UInt16.self)
            raw.storeBytes(of: size.columns, toByteOffset: 2, as: UInt16.self)
        }
        send(UInt8(BERTH_ATTACH_RESIZE.rawValue), body)
    }

    private func send(_ type: UInt8, _ body: [UInt8]) {
        let message = [type] + body
        while message.withUnsafeBytes({ Glibc.send(socket.raw, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) < 0 && errno == EINTR {}
    }
}
