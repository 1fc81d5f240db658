// A foreground run keeps the k8s-file log too, as podman's does, so `logs`
// works for a container whatever way it ran: without a terminal (-t) and with
// the k8s-file driver, its stdout and stderr are pipes that berth copies to its
// own stdout and stderr and into the log (k8s_log_relay in C).
import BerthSystem
import CBerth
import Glibc

final class ForegroundLogRelay {
    private let log: FileDescriptor
    private let out: (read: FileDescriptor, write: FileDescriptor)
    private let err: (read: FileDescriptor, write: FileDescriptor)
    private var writeEndsOpen = true
    private let maxSize: Int64

    init(path: String, maxSize: Int64) throws {
        log = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_APPEND, mode: 0o600)
        out = try FileDescriptor.pipe("container stdout pipe")
        err = try FileDescriptor.pipe("container stderr pipe")
        self.maxSize = maxSize
    }

    var writeEnds: (Int32, Int32) { (out.write.raw, err.write.raw) }

    /// The container holds its own copies once started: ours would keep the pipes from ending.
    func closeWriteEnds() {
        guard writeEndsOpen else { return }
        out.write.close()
        err.write.close()
        writeEndsOpen = false
    }

    /// Copies until the container's output ends.
    func relay() {
        var writer = k8s_log()
        _ = k8s_log_init(&writer, log.raw, maxSize)
        k8s_log_relay(&writer, out.read.raw, err.read.raw, StandardStreams.output, StandardStreams.error)
    }

    deinit {
        closeWriteEnds()
        out.read.close()
        err.read.close()
        log.close()
    }
}

extension Engine {
    /// The relay a foreground run needs, with its pipes set in `attach`; nil for a
    /// terminal (-t), the monitor's own run, and the none and passthrough drivers.
    func foregroundLogRelay(_ record: ContainerRecord, attach: inout AttachOptions) throws -> ForegroundLogRelay? {
        guard attach.detachedStdio == nil, !record.tty, record.logDriver == nil else { return nil }
        let relay = try ForegroundLogRelay(path: logPath(record), maxSize: record.logMaxSize ?? 0)
        attach.outputPipes = relay.writeEnds
        return relay
    }
}
