// One piece of blocking work on a thread of its own, beside the caller's, waited
// for before its result is needed: a container's cgroup is made while the rest of
// its start goes on, and removed while the rest of its removal does. Plain
// pthreads, as ParallelWork: the callers are synchronous code in a short-lived
// process, and the work is a few system calls.
import Glibc
import Synchronization

package final class BackgroundJob: Sendable {
    private let thread: Mutex<pthread_t?>
    private let outcome = Mutex<(any Error)?>(nil)

    /// Starts `body` on a new thread; where no thread can be made, or `here` asks
    /// for it (a caller with nothing to do meanwhile), runs it on this one.
    package init(here: Bool = false, _ body: @escaping @Sendable () throws -> Void) {
        thread = Mutex(nil)
        let box = Unmanaged.passRetained(Work(job: self, body: body))
        var id = pthread_t()
        let rc = here ? -1 : pthread_create(&id, nil, { raw in
            Unmanaged<Work>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, box.toOpaque())
        if rc == 0 {
            thread.withLock { $0 = id }
        } else {
            box.takeRetainedValue().run()
        }
    }

    /// Waits for the work to end and throws its error. Waiting again returns the
    /// same outcome at once (the join happens under the lock: a second caller
    /// waits for the first's).
    package func wait() throws {
        thread.withLock { id in
            if let running = id { pthread_join(running, nil) }
            id = nil
        }
        if let error = outcome.withLock({ $0 }) { throw error }
    }

    private final class Work {
        let job: BackgroundJob
        let body: @Sendable () throws -> Void
        init(job: BackgroundJob, body: @escaping @Sendable () throws -> Void) {
            self.job = job
            self.body = body
        }
        func run() {
            do { try body() } catch { job.outcome.withLock { $0 = error } }
        }
    }
}
