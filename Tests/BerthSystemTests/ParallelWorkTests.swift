// ParallelWork: results in index order, at most `width` jobs at a time, and the
// first failure stops new jobs from starting.
import BerthSystem
import Foundation
import Synchronization
import Testing

private struct JobFailure: Error, Equatable {
    let index: Int
}

@Suite struct ParallelWorkTests {
    @Test func results_come_back_in_index_order_with_at_most_width_running() throws {
        let running = Atomic<Int>(0)
        let peak = Atomic<Int>(0)
        let results = try ParallelWork.map(24, width: 3) { index in
            let now = running.add(1, ordering: .relaxed).newValue
            peak.max(now, ordering: .relaxed)
            usleep(UInt32(1_000 * (index % 5 + 1)))
            running.subtract(1, ordering: .relaxed)
            return index * index
        }
        #expect(results == (0..<24).map { $0 * $0 })
        let most = peak.load(ordering: .relaxed)
        #expect(most <= 3, "never more than width at once: \(most)")
        #expect(most >= 2, "the jobs did run side by side: \(most)")
    }

    @Test func the_first_failure_by_index_is_thrown_and_stops_new_jobs() {
        let started = Atomic<Int>(0)
        #expect(throws: JobFailure(index: 1)) {
            _ = try ParallelWork.map(200, width: 2) { index in
                started.add(1, ordering: .relaxed)
                if index == 1 || index == 3 { throw JobFailure(index: index) }
                usleep(2_000)
                return index
            }
        }
        let count = started.load(ordering: .relaxed)
        #expect(count < 20, "jobs kept starting after the failure: \(count) of 200")
    }

    @Test func no_jobs_and_one_wide_run_on_the_calling_thread() throws {
        #expect(try ParallelWork.map(0, width: 4) { $0 } == [])
        let caller = pthread_self()
        let sameThread = try ParallelWork.map(3, width: 1) { _ in pthread_equal(pthread_self(), caller) != 0 }
        #expect(sameThread == [true, true, true])
    }
}
