// The words the C monitor execs berth with when the container exits (monitor.c's
// exec_berth): the exit code, and whether it saw the OOM killer end a process of it.
@testable import BerthEngine
import Testing

@Suite struct MonitorStepTests {
    @Test func exited_reads_the_code_and_the_oom_kill_the_monitor_saw() {
        guard case .exited(137, oomKilled: true)? = MonitorStep(words: ["--exited", "137", "--oom-killed"]) else {
            Issue.record("--exited 137 --oom-killed was not read as an OOM-killed exit")
            return
        }
        guard case .exited(0, oomKilled: false)? = MonitorStep(words: ["--exited", "0"]) else {
            Issue.record("--exited 0 was not read as a plain exit")
            return
        }
        #expect(MonitorStep(words: ["--exited", "137", "--bogus"]) == nil)
        #expect(MonitorStep(words: ["--exited", "x", "--oom-killed"]) == nil)
    }
}
