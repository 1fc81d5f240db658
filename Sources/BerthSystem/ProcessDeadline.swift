// --timeout: a thread that sends a signal to the container's first process once
// its time is up. It waits on the pidfd, so it wakes at once when the process
// exits; the supervisor joins it before reaping, so the pid it signals can never
// have been reused by then. The thread, the poll and the signal are raw calls,
// so this lives in the syscall layer.
import Glibc

package final class ProcessDeadline {
    private var thread = pthread_t()
    private var isRunning = false

    /// Starts the countdown; without a pidfd (kernels before 5.3, which berth does
    /// not support) the thread could not notice the exit, so none is started.
    package init(pid: Int32, pidfd: Int32, signal: Int32, seconds: UInt) {
        guard pidfd >= 0 else { return }
        let job = Job(pid: pid, pidfd: pidfd, signal: signal, seconds: seconds)
        let box = Unmanaged.passRetained(job)
        let rc = pthread_create(&thread, nil, { raw in
            Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, box.toOpaque())
        if rc == 0 { isRunning = true } else { box.release() }
    }

    /// Called once the process has exited (not yet reaped): the thread has woken or will at once.
    package func finish() {
        if isRunning { pthread_join(thread, nil) }
        isRunning = false
    }

    private final class Job {
        let pid: pid_t, pidfd: Int32, signal: Int32, seconds: UInt

        init(pid: pid_t, pidfd: Int32, signal: Int32, seconds: UInt) {
            (self.pid, self.pidfd, self.signal, self.seconds) = (pid, pidfd, signal, seconds)
        }

        func run() {
            let deadline = Stopwatch.seconds() + Double(seconds)
            while true {
                let left = deadline - Stopwatch.seconds()
                if left <= 0 { break }
                var entry = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
                let rc = poll(&entry, 1, Int32(min(left * 1000 + 1, Double(Int32.max))))
                if rc > 0 { return }  // exited before its time
                if rc < 0 && errno != EINTR { return }
            }
            try? Subprocess.send(signal, to: pid)
        }
    }
}
