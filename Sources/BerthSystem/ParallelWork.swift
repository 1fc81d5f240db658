// Runs independent jobs on a few threads (a pull's layers, a push's blobs) and
// hands back every result or the first error. Plain pthreads: the callers are
// synchronous code in a short-lived process, and the work is blocking I/O.
import Glibc
import Synchronization

package enum ParallelWork {
    /// Runs `body(0..<count)` with at most `width` at a time; results in index order.
    /// After a failure no new job starts, and the first error (by index) is thrown.
    package static func map<T: Sendable>(_ count: Int, width: Int, _ body: @escaping @Sendable (Int) throws -> T) throws -> [T] {
        if count == 0 { return [] }
        if count == 1 || width <= 1 { return try (0..<count).map(body) }
        let shared = Shared<T>(count: count)
        let threads = min(width, count)
        var ids: [pthread_t] = []
        for _ in 0..<threads {
            let box = Unmanaged.passRetained(Job(shared: shared, count: count, body: body))
            var thread = pthread_t()
            let rc = pthread_create(&thread, nil, { raw in
                let job = Unmanaged<AnyObject>.fromOpaque(raw!).takeRetainedValue() as! any Runnable
                job.run()
                return nil
            }, box.toOpaque())
            if rc != 0 {
                box.release()
                // Out of threads: this one does the work itself.
                Job(shared: shared, count: count, body: body).run()
            } else {
                ids.append(thread)
            }
        }
        for thread in ids { pthread_join(thread, nil) }
        return try shared.results()
    }

    private protocol Runnable: AnyObject { func run() }

    private final class Shared<T: Sendable>: Sendable {
        let next = Atomic<Int>(0)
        let failed = Atomic<Bool>(false)
        let slots: Mutex<[Result<T, any Error>?]>

        init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

        func results() throws -> [T] {
            let all = slots.withLock { $0 }
            for slot in all { if case .failure(let error) = slot { throw error } }
            return all.map { slot in
                guard case .success(let value) = slot else { preconditionFailure("ParallelWork: job never ran") }
                return value
            }
        }
    }

    private final class Job<T: Sendable>: Runnable {
        let shared: Shared<T>
        let count: Int
        let body: @Sendable (Int) throws -> T

        init(shared: Shared<T>, count: Int, body: @escaping @Sendable (Int) throws -> T) {
            self.shared = shared
            self.count = count
            self.body = body
        }

        func run() {
            while !shared.failed.load(ordering: .relaxed) {
                let index = shared.next.add(1, ordering: .relaxed).oldValue
                if index >= count { return }
                let result = Result { try body(index) }
                if case .failure = result { shared.failed.store(true, ordering: .relaxed) }
                shared.slots.withLock { $0[index] = result }
            }
        }
    }
}

/// Carries a value that is not Sendable across a thread boundary the caller has
/// reasoned about (each job touches its own part, joined before use).
package struct UncheckedSendable<T>: @unchecked Sendable {
    package var value: T
    package init(_ value: T) { self.value = value }
}
