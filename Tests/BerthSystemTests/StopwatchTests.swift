// Stopwatch: the one monotonic clock for deadlines and rates.
import BerthSystem
import Glibc
import Testing

@Suite struct StopwatchTests {
    @Test func seconds_advance_with_real_time_and_never_go_back() {
        let start = Stopwatch.seconds()
        var last = start
        for _ in 0..<1000 {
            let now = Stopwatch.seconds()
            #expect(now >= last)
            last = now
        }
        usleep(50_000)
        let elapsed = Stopwatch.seconds() - start
        #expect(elapsed >= 0.045 && elapsed < 5, "a 50 ms sleep measured as \(elapsed) s")
    }
}
