// A user at a real terminal, for the commands that need one (`attach`, `run -it`,
// `start -ai`, `exec -it`): Python's pty module runs berth on a pty of 33 rows
// and 77 columns and plays a script of typing, resizing, signals and waiting for
// output, so the tests see what a user sees, raw mode and window size included.
import Foundation

/// One thing the user does.
public enum TerminalStep: Sendable {
    /// Types these characters ("\r" is Enter, "\u{10}\u{11}" is ctrl-p ctrl-q).
    case type(String)
    /// Waits until the output since the last match contains this (at most 10 s).
    case expect(String)
    /// Waits this many seconds, reading the output.
    case wait(Double)
    /// Resizes the terminal (berth gets SIGWINCH).
    case resize(rows: Int, columns: Int)
    /// Sends this signal to berth.
    case signal(Int32)
}

/// What the terminal showed, and how berth ended (nil: still running 10 s after
/// the script ended; it is then killed).
public struct TerminalResult: CustomStringConvertible, Sendable {
    public let output: String
    public let status: Int32?
    /// Every `.expect` found its text.
    public let matchedAll: Bool
    public var description: String { "status \(status.map(String.init) ?? "none"), matched \(matchedAll), output:\n\(output)" }
}

extension Sandbox {
    /// Runs berth (this sandbox's store, as the user berth runs as) on a terminal and plays `steps`.
    public func berthInTerminal(_ args: [String], _ steps: [TerminalStep]) throws -> TerminalResult {
        let script = try makeFile("terminal_session.py", Self.terminalScript)
        let encoded = steps.map { step -> [Any] in
            switch step {
            case .type(let text): return ["type", text]
            case .expect(let text): return ["expect", text]
            case .wait(let seconds): return ["wait", seconds]
            case .resize(let rows, let columns): return ["resize", rows, columns]
            case .signal(let number): return ["signal", Int(number)]
            }
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: encoded), as: UTF8.self)
        let result = run("/usr/bin/python3", [script, json, Self.binary, "--root", root, "--runroot", runroot] + args,
                         asTestUser: mode == .rootless, env: ["HOME": testUser?.home ?? "/root", "XDG_RUNTIME_DIR": runtimeDir])
        var output = result.stdout
        var status: Int32?
        var matched = false
        if let range = output.range(of: "\n@@end status=", options: .backwards) {
            let tail = output[range.upperBound...].split(separator: " ")
            status = tail.first.flatMap { Int32($0) }
            matched = tail.dropFirst().first?.hasPrefix("matched=1") == true
            output = String(output[..<range.lowerBound])
        }
        return TerminalResult(output: output + (result.stderr.isEmpty ? "" : "\n[driver stderr] " + result.stderr),
                              status: status, matchedAll: matched)
    }

    static let terminalScript = """
        import os, pty, sys, time, fcntl, termios, struct, select, json, signal
        steps = json.loads(sys.argv[1])
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(sys.argv[2], sys.argv[2:])
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 33, 77, 0, 0))
        out = b''
        seen = 0
        closed = False
        matched = True
        def pump(seconds, until=None):
            global out, closed, seen
            end = time.time() + seconds
            while time.time() < end:
                if until is not None:
                    i = out.find(until, seen)
                    if i >= 0:
                        seen = i + len(until)
                        return True
                if closed:
                    break
                r, _, _ = select.select([fd], [], [], 0.05)
                if r:
                    try:
                        data = os.read(fd, 4096)
                    except OSError:
                        data = b''
                    if not data:
                        closed = True
                    out += data
            return until is None
        for step in steps:
            kind = step[0]
            if kind == 'type':
                os.write(fd, step[1].encode('latin-1'))
            elif kind == 'expect':
                matched = pump(10, step[1].encode()) and matched
            elif kind == 'wait':
                pump(step[1])
            elif kind == 'resize':
                fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', step[1], step[2], 0, 0))
                os.kill(pid, signal.SIGWINCH)
            elif kind == 'signal':
                os.kill(pid, step[1])
        status = None
        end = time.time() + 10
        while status is None and time.time() < end:
            pump(0.05)
            p, st = os.waitpid(pid, os.WNOHANG)
            if p:
                status = os.waitstatus_to_exitcode(st)
        if status is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        pump(0.2)
        sys.stdout.write(out.decode(errors='replace'))
        sys.stdout.write('\\n@@end status=%s matched=%d\\n' % ('none' if status is None else status, 1 if matched else 0))
        """
}
