// The attach socket of a detached container (conmon's `attach`): the monitor
// listens on RUNROOT/containers/ID/attach; `attach`, `run -it` and `start -ai`
// connect. Messages are SOCK_SEQPACKET packets, include/attach_protocol.h.
import CBerth
import Glibc

package enum AttachSocket {
    /// The socket's file name in the container's runtime directory.
    package static let name = BERTH_ATTACH_SOCKET_NAME

    /// Binds and listens in `directory` (replacing a stale socket file), close-on-exec.
    package static func listen(inDirectory directory: String) throws -> FileDescriptor {
        let dir = try FileDescriptor.open(directory, BERTH_O_PATH | O_DIRECTORY)
        let fd = berth_seqpacket_listen_at(dir.raw, name)
        if fd < 0 { throw SystemError("listen on the attach socket", directory + "/" + name) }
        return FileDescriptor(raw: fd)
    }

    /// Connects to the socket in `directory`.
    package static func connect(inDirectory directory: String) throws -> FileDescriptor {
        let dir = try FileDescriptor.open(directory, BERTH_O_PATH | O_DIRECTORY)
        let fd = berth_seqpacket_connect_at(dir.raw, name)
        if fd < 0 { throw SystemError("connect to the attach socket", directory + "/" + name) }
        return FileDescriptor(raw: fd)
    }

    /// A connected pair: a client end for this process and one for a monitor
    /// started with it, so nothing the container writes comes before the client.
    package static func pair() throws -> (client: FileDescriptor, monitor: FileDescriptor) {
        var fds: [Int32] = [-1, -1]
        if berth_seqpacket_pair(&fds) != 0 { throw SystemError("create an attach socket pair", "") }
        return (FileDescriptor(raw: fds[0]), FileDescriptor(raw: fds[1]))
    }
}

/// A pseudo-terminal whose master a detached container's monitor keeps.
package struct PseudoTerminal {
    package let master: FileDescriptor
    package let slave: FileDescriptor

    package init() throws {
        var m: Int32 = -1, s: Int32 = -1
        if berth_pty_open(&m, &s) != 0 { throw SystemError("open pseudo-terminal", "/dev/ptmx") }
        master = FileDescriptor(raw: m)
        slave = FileDescriptor(raw: s)
    }

    package func setSize(rows: UInt16, columns: UInt16) {
        _ = berth_set_window_size(master.raw, rows, columns)
    }

    /// The window size of terminal `fd`: nil when it is not a terminal.
    package static func size(of fd: Int32) -> (rows: UInt16, columns: UInt16)? {
        var rows: UInt16 = 0, columns: UInt16 = 0
        return berth_window_size(fd, &rows, &columns) == 0 ? (rows, columns) : nil
    }
}
