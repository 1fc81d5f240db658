// Rootless commands that write the store (load, import, rmi, rm, unshare, a
// `run --rm` cleaning up subordinate-owned files) join the pause process's user
// namespace instead of making a new one whose maps newuidmap/newgidmap must write.
import Foundation
import Testing
import TestSupport

@Suite struct UserNamespaceJoinTests {
    /// A newuidmap first on PATH (berth looks there first) that counts its runs in
    /// `log` and then runs the real one.
    private func countingNewuidmap(_ sb: Sandbox) throws -> (env: [String: String], log: String) {
        let log = sb.path("newuidmap.log")
        let wrapper = try sb.makeFile("bin/newuidmap", "#!/bin/sh\necho run >> \(log)\nexec /usr/bin/newuidmap \"$@\"\n")
        #expect(chmod(wrapper, 0o755) == 0)
        return (["PATH": sb.path("bin") + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], log)
    }

    private func runs(_ log: String) -> Int {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    private func pausePID(_ sb: Sandbox) -> Int32? {
        (try? String(contentsOfFile: sb.runroot + "/pause.pid", encoding: .utf8))
            .flatMap { Int32($0.split(separator: " ").first ?? "") }
    }

    /// Removes the running container `name` and waits for its monitor (the
    /// container's parent) to exit, so the sandbox's cleanup finds nothing left.
    private func removeRunning(_ sb: Sandbox, _ name: String, containerPID: String) {
        let stat = (try? String(contentsOfFile: "/proc/\(containerPID)/stat", encoding: .utf8)) ?? ""
        let monitor = stat.split(separator: ")").last?.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        #expect(sb.berth("rm", "-f", name).status == 0)
        for _ in 0..<100 {
            let state = (try? String(contentsOfFile: "/proc/\(monitor)/stat", encoding: .utf8))?.split(separator: ")").last?.dropFirst()
            if state == nil || state?.first == "Z" { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("the monitor \(monitor) of \(name) is still running")
    }

    @Test(arguments: Mode.available)
    func store_writing_commands_join_the_pause_process_without_new_id_maps(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let (env, log) = try countingNewuidmap(sb)
        let archive = sb.path("img.tar")
        #expect(sb.berth("save", "-o", archive, "img").status == 0)
        let long = sb.berth("run", "-d", "--name", "long", "img", "sleep", "60")
        #expect(long.status == 0, "\(long)")
        let containerPID = sb.berth("inspect", "--format", "{{.State.Pid}}", "long").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let containerNS = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(containerPID)/ns/user")) ?? "?"
        let pauseBefore = pausePID(sb)

        let loaded = sb.berth(["load", "-i", archive], env: env)
        #expect(loaded.status == 0 && loaded.stdout.contains("Loaded image"), "\(loaded)")
        let imported = sb.berth(["import", try busyboxTarball(sb, name: "spare.tar"), "spare"], env: env)
        #expect(imported.status == 0, "\(imported)")
        let untagged = sb.berth(["rmi", "spare"], env: env)
        #expect(untagged.status == 0 && untagged.stdout.contains("Untagged: localhost/spare:latest"), "\(untagged)")
        #expect(sb.berth(["create", "--name", "gone", "img", "true"], env: env).status == 0)
        let removed = sb.berth(["rm", "gone"], env: env)
        #expect(removed.status == 0 && removed.stdout == "gone\n", "\(removed)")
        // Files of a subordinate id in the upper dir: the --rm cleanup needs the namespace.
        let cleaned = sb.berth(["run", "--rm", "--name", "owned", "img", "sh", "-c", "mkdir /d && touch /d/f && chown -R 5:5 /d"], env: env)
        #expect(cleaned.status == 0, "\(cleaned)")
        #expect(sb.berth("ps", "-a", "--format", "{{.Names}}").stdout == "long\n", "only the long-running container is left")

        #expect(runs(log) == 0, "no command ran newuidmap")
        guard mode == .rootless else {
            #expect(pauseBefore == nil, "root needs no pause process")
            removeRunning(sb, "long", containerPID: containerPID)
            return
        }
        #expect(pauseBefore != nil && pausePID(sb) == pauseBefore, "the same pause process throughout")
        let inside = sb.berth(["unshare", "readlink", "/proc/self/ns/user"], env: env)
        #expect(inside.status == 0 && inside.stdout == containerNS + "\n",
                "unshare runs in the containers' user namespace \(containerNS): \(inside)")
        let map = sb.berth(["unshare", "cat", "/proc/self/uid_map"], env: env).stdout
        #expect(map.split(separator: "\n").count == 2, "the user and the subordinate range: \(map)")
        #expect(runs(log) == 0, "unshare ran no newuidmap")

        // The counting wrapper does count: without a pause process, one is made, once.
        if let pid = pauseBefore { kill(pid, SIGKILL) }
        Thread.sleep(forTimeInterval: 0.1)
        #expect(sb.berth(["load", "-i", archive], env: env).status == 0)
        #expect(sb.berth(["load", "-i", archive], env: env).status == 0)
        #expect(runs(log) == 1, "a new pause process has its maps written once, for both loads")
        #expect(pausePID(sb) != pauseBefore)
        removeRunning(sb, "long", containerPID: containerPID)
    }
}
