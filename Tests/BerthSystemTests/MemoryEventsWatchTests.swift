// MemoryEventsWatch against a stand-in memory.events (a regular file, rewritten in place
// as the kernel's changes): the oom_kill count a foreground run's thread and the final read
// report. The POLLPRI wake-ups and a cgroup removed under it need a real cgroup v2 under
// systemd: ci/cgroupv2-check asserts those.
import BerthSystem
import Glibc
import Testing
import TestSupport

@Suite struct MemoryEventsWatchTests {
    private func writeEvents(_ dir: TemporaryDirectory, oomKills: Int) throws {
        let text = "low 0\nhigh 0\nmax 12\noom 1\noom_kill \(oomKills)\noom_group_kill 0\n"
        let fd = open(dir.path("memory.events"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        #expect(fd >= 0)
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }

    /// A child of this process that lives `seconds` (the watched container's stand-in).
    private func spawnSleep(_ seconds: String) throws -> pid_t {
        var pid = pid_t()
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup(seconds), nil]
        defer { argv.forEach { free($0) } }
        #expect(posix_spawn(&pid, "/bin/sleep", nil, nil, argv, environ) == 0)
        return pid
    }

    private func reap(_ pid: pid_t) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// What the watch reports for a process that lives `seconds`, memory.events's
    /// oom_kill going from 0 to `kills` while it runs.
    private func watchedRun(seconds: String, kills: Int) throws -> Bool {
        let dir = try TemporaryDirectory("berth-memory-events")
        try writeEvents(dir, oomKills: 0)
        let watch = try #require(MemoryEventsWatch(directory: dir.path))
        let pid = try spawnSleep(seconds)
        watch.watch(untilExitOf: pid)
        if kills > 0 { try writeEvents(dir, oomKills: kills) }
        reap(pid)
        return watch.finish()
    }

    @Test func a_kill_counted_while_the_process_ran_reads_as_oom_killed() throws {
        #expect(try watchedRun(seconds: "0.3", kills: 2))
    }

    @Test func no_kill_reads_as_not_oom_killed() throws {
        #expect(try !watchedRun(seconds: "0.1", kills: 0))
    }

    @Test func handing_over_stops_the_thread_while_the_process_runs() throws {
        let dir = try TemporaryDirectory("berth-memory-events")
        try writeEvents(dir, oomKills: 1)
        let watch = try #require(MemoryEventsWatch(directory: dir.path))
        let pid = try spawnSleep("5")
        defer { kill(pid, SIGKILL); reap(pid) }
        watch.watch(untilExitOf: pid)
        let started = Stopwatch.seconds()
        let handed = try watch.handOver()
        // Without the stop the thread (and handOver's join) would last until the sleep ends.
        #expect(Stopwatch.seconds() - started < 4)
        #expect(handed.kills == 1)
        #expect(fcntl(handed.fd, F_GETFD) & FD_CLOEXEC == 0)
    }

    @Test func a_cgroup_without_memory_events_has_no_watch() throws {
        let dir = try TemporaryDirectory("berth-memory-events")
        #expect(MemoryEventsWatch(directory: dir.path) == nil)
    }
}
