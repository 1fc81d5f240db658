// FileLock: flock(2) locks between open files, released on unlock or when the
// holder dies, so a crashed command never leaves a stale lock.
import BerthSystem
import Foundation
import Glibc
import Testing
import TestSupport

@Suite struct FileLockTests {
    @Test func exclusive_creates_the_lock_file_and_excludes_a_second_holder_until_unlock() throws {
        let dir = try TemporaryDirectory("berth-system-test")
        let path = dir.path("store.lock")
        let held = try FileLock.exclusive(path)
        #expect(try permissionBits(path) == 0o600)
        #expect(try FileLock.tryExclusive(path) == nil, "a second open file cannot take a held lock")
        held.unlock()
        let second = try #require(try FileLock.tryExclusive(path), "free again after unlock")
        second.unlock()
    }

    @Test func try_exclusive_does_not_create_a_missing_lock_file() throws {
        let dir = try TemporaryDirectory("berth-system-test")
        #expect(try FileLock.tryExclusive(dir.path("absent.lock")) == nil)
        #expect(try directoryEntries(dir.path).isEmpty)
    }

    @Test func exclusive_waits_for_the_holder() throws {
        let dir = try TemporaryDirectory("berth-system-test")
        let path = dir.path("wait.lock")
        let held = try FileLock.exclusive(path)
        let start = Stopwatch.seconds()
        let releaser = Thread {
            Thread.sleep(forTimeInterval: 0.3)
            held.unlock()
        }
        releaser.start()
        let mine = try FileLock.exclusive(path)
        let waited = Stopwatch.seconds() - start
        mine.unlock()
        #expect(waited >= 0.25, "took the lock after \(waited) s, before the holder let go")
    }

    @Test func a_killed_holder_leaves_no_stale_lock() throws {
        let dir = try TemporaryDirectory("berth-system-test")
        let path = dir.path("crash.lock")
        // Another process holds the lock (a shell takes it with util-linux flock on
        // its own fd 9, then becomes `sleep` keeping that fd), then dies by SIGKILL.
        _ = try requiredTool("flock")
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/bin/sh")
        holder.arguments = ["-c", "exec 9>\"$0\" && flock -x 9 && exec sleep 60", path]
        try holder.run()
        var heldElsewhere = false
        for _ in 0..<250 where !heldElsewhere {
            if FileManager.default.fileExists(atPath: path) {
                // Taken before flock got there: let go, so flock can take it.
                if let early = try FileLock.tryExclusive(path) { early.unlock() } else { heldElsewhere = true }
            }
            if !heldElsewhere { Thread.sleep(forTimeInterval: 0.02) }
        }
        #expect(heldElsewhere, "flock never took the lock")
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        let mine = try #require(try FileLock.tryExclusive(path), "the kernel released the dead holder's lock")
        mine.unlock()
    }
}
