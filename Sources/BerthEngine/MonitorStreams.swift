// The detached container's stdio as the monitor holds it: with -t a pty whose
// master the C monitor keeps (its output logged as stdout, as conmon does), else
// pipes for stdout and stderr, plus a stdin pipe when the container was created
// with -i; and the attach socket, listening before the start is reported, so an
// `attach` right after `run -d` always finds it.
import BerthSystem
import Glibc

final class MonitorStreams {
    /// The container's stdin, stdout and stderr.
    let containerStdio: (Int32, Int32, Int32)
    /// What the C monitor keeps, by its monitor.h key; handOver() makes them
    /// inheritable for the exec.
    private let kept: [(key: String, fd: FileDescriptor)]
    /// The container's ends, closed here once it has them.
    private let containerEnds: [FileDescriptor]

    /// monitor.h's KEY=VALUE words for what it keeps.
    var monitorArguments: [String] {
        kept.map { "\($0.key)=\($0.fd.raw)" } + (isTerminal ? ["tty=1"] : [])
    }
    private let isTerminal: Bool

    /// `client`: a connected attach client (fd 4 of `__monitor ID --client`);
    /// `terminalSize`: its window, set on the pty before the container starts.
    init(_ record: ContainerRecord, runtimeDirectory: String, client: FileDescriptor?,
         terminalSize: (rows: UInt16, columns: UInt16)?) throws {
        try FileSystem.makeDirectories(runtimeDirectory, mode: 0o755)
        var kept: [(key: String, fd: FileDescriptor)] = [("attach", try AttachSocket.listen(inDirectory: runtimeDirectory))]
        if let client { kept.append(("client", client)) }
        isTerminal = record.tty
        if record.tty {
            let terminal = try PseudoTerminal()
            if let size = terminalSize { terminal.setSize(rows: size.rows, columns: size.columns) }
            containerStdio = (terminal.slave.raw, terminal.slave.raw, terminal.slave.raw)
            containerEnds = [terminal.slave]
            self.kept = kept + [("out", terminal.master)]
            return
        }
        let out = try FileDescriptor.pipe("container stdout pipe")
        let err = try FileDescriptor.pipe("container stderr pipe")
        kept += [("out", out.read), ("err", err.read)]
        let input: FileDescriptor
        if record.interactive {
            // -i: the monitor holds the write end, so the container's stdin stays open
            // for whoever attaches (podman's `run -di`).
            let pipe = try FileDescriptor.pipe("container stdin pipe")
            kept.append(("in", pipe.write))
            input = pipe.read
        } else {
            input = try FileDescriptor.open("/dev/null", O_RDONLY)
        }
        containerStdio = (input.raw, out.write.raw, err.write.raw)
        containerEnds = [input, out.write, err.write]
        self.kept = kept
    }

    /// The container has its ends: the monitor must not hold them (a pipe's reader
    /// would never see EOF, a pty would never hang up).
    func closeContainerEnds() {
        for fd in containerEnds { fd.close() }
    }

    /// Makes the kept fds survive the exec of the C monitor.
    func handOver() throws {
        for item in kept { try item.fd.setInheritable() }
    }
}
