// OOM kills of a cgroup v2 whose directory may vanish before its process is reaped:
// systemd removes a scope's cgroup as soon as it empties, and a read of memory.events
// after that fails with ENODEV even through an fd opened earlier (kernfs). The kernel
// notifies POLLPRI on every change of memory.events, the oom_kill count included, while
// the killed process is still dying (measured in the systemd 252 guest: 12 of 12 kills
// seen 8–160 ms before the exit, where a read at the exit failed 4 times in 12), so the
// count is taken from those notifications, as conmon does with inotify.
// The thread of `watch(untilExitOf:)` starts before the container runs an instruction (a
// fast allocation can be killed, and its scope removed, before berth gets to wait for it);
// a detached container's monitor stops it and polls the handed-over fd itself.
import CBerth
import Glibc

package final class MemoryEventsWatch: @unchecked Sendable {
    /// memory.events, read with pread at offset 0 (kernfs regenerates it on each read).
    private let fd: Int32
    /// The largest oom_kill count read. Written by the thread until finish() joins it.
    private var kills: UInt64 = 0
    private var thread = pthread_t()
    private var isWatching = false
    /// Written to stop the thread before the process exits (handOver).
    private var stopPipe: (read: FileDescriptor, write: FileDescriptor)?

    /// Opens `directory`/memory.events; nil where it cannot be opened (no memory
    /// controller in the cgroup).
    package init?(directory: String) {
        let fd = Glibc.open(directory + "/memory.events", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        self.fd = fd
        _ = read()
    }

    deinit {
        if isWatching { pthread_join(thread, nil) }
        Glibc.close(fd)
    }

    /// Whether the OOM killer killed a process of the cgroup, from what was read so
    /// far and one read now (nothing more once the cgroup is gone). Joins the thread
    /// of `watch(untilExitOf:)`, which has ended or ends at once: the process exited.
    package func finish() -> Bool {
        if isWatching { pthread_join(thread, nil) }
        isWatching = false
        _ = read()
        return kills > 0
    }

    /// Stops the thread (the process still runs) and returns the fd, inheritable, and the
    /// count read so far, for the C monitor that polls it from now on (`oom-events=FD`,
    /// `oom-kills=N`).
    package func handOver() throws -> (fd: Int32, kills: UInt64) {
        if isWatching {
            _ = try? stopPipe?.write.write([1])
            pthread_join(thread, nil)
            isWatching = false
        }
        try FileDescriptor.setInheritable(unowned: fd)
        return (fd, kills)
    }

    /// A thread that reads the count at every change until `pid` (a child of this
    /// process, unreaped) exits, then once more. finish() joins it; handOver() stops it.
    package func watch(untilExitOf pid: Int32) {
        guard !isWatching, let pipe = try? FileDescriptor.pipe("memory.events watch stop pipe") else { return }
        let pidfd = berth_pidfd_open(pid)
        guard pidfd >= 0 else { return }
        stopPipe = pipe
        let job = Unmanaged.passRetained(Job(watch: self, pidfd: pidfd, stop: pipe.read.raw))
        if pthread_create(&thread, nil, { raw in
            Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, job.toOpaque()) == 0 {
            isWatching = true
        } else {
            job.release()
        }
    }

    /// Reads oom_kill now; false once the file is unreadable (the cgroup is gone).
    private func read() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return false }
        for line in buffer[..<count].split(separator: UInt8(ascii: "\n")) {
            let words = line.split(separator: UInt8(ascii: " "))
            if words.count == 2, words[0].elementsEqual("oom_kill".utf8),
               let value = UInt64(String(decoding: words[1], as: UTF8.self)) {
                kills = max(kills, value)
            }
        }
        return true
    }

    private final class Job {
        /// Unretained: the watch joins this thread before it goes (finish, deinit).
        unowned(unsafe) let watch: MemoryEventsWatch
        let pidfd: Int32
        /// The stop pipe's read end (owned by the watch).
        let stop: Int32

        init(watch: MemoryEventsWatch, pidfd: Int32, stop: Int32) { (self.watch, self.pidfd, self.stop) = (watch, pidfd, stop) }

        func run() {
            defer { Glibc.close(pidfd) }
            var events = pollfd(fd: watch.fd, events: Int16(POLLPRI), revents: 0)
            while true {
                var fds = [pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0), events, pollfd(fd: stop, events: Int16(POLLIN), revents: 0)]
                let ready = poll(&fds, 3, -1)
                if ready < 0 && errno != EINTR { return }
                // A removed cgroup reports POLLERR|POLLPRI for good: stop polling it.
                if fds[1].revents != 0 && !watch.read() { events.fd = -1 }
                if fds[0].revents != 0 {
                    _ = watch.read()
                    return
                }
                if fds[2].revents != 0 { return }
            }
        }
    }
}
