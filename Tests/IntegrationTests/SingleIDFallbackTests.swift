// Rootless without /etc/subuid ranges (here: the nobody user): berth says so in
// one warning line and goes on with a single-id user namespace.
import Foundation
import Testing
import TestSupport

@Suite struct SingleIDFallbackTests {
    // Acting as another user needs root. CI runs the suite as root, so this runs
    // there; run as anyone else, Swift Testing lists it as skipped with this reason.
    @Test(.enabled(if: Mode.available.contains(.root), "needs root, to run berth as the nobody user"))
    func a_user_without_subordinate_ids_still_imports_and_runs() throws {
        let sb = try Sandbox(.root)
        defer { #expect(sb.cleanup().isEmpty) }
        let subuid = try readText("/etc/subuid")
        try #require(!subuid.split(separator: "\n").contains { $0.hasPrefix("nobody:") }, "nobody must have no subordinate ids")
        let tarball = try busyboxTarball(sb)
        let store = sb.path("nobody")
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        #expect(chown(store, 65534, 65534) == 0 && chmod(tarball, 0o644) == 0)
        let opened = sb.run("/bin/chmod", ["o+rx", sb.dir, sb.work], asTestUser: false)
        try #require(opened.status == 0, "\(opened)")
        func asNobody(_ args: [String]) -> Sandbox.Result {
            sb.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--reset-env", "/usr/bin/env",
                                        "HOME=\(store)", "XDG_RUNTIME_DIR=\(store)/xdg", Sandbox.binary,
                                        "--root", store + "/root", "--runroot", store + "/run"] + args, asTestUser: false)
        }
        let imported = asNobody(["import", tarball, "img"])
        #expect(imported.status == 0, "\(imported)")
        #expect(imported.stderr.contains("WARN: no subordinate ids for nobody"), "one clear warning: \(imported)")
        let run = asNobody(["run", "--rm", "img", "cat", "/proc/self/uid_map"])
        #expect(run.status == 0 && run.stdout.split(separator: "\n").count == 1, "a single-id map: \(run)")
        // The pause process (if the single-id namespace got one) goes with the test.
        if let text = try? readText(store + "/run/pause.pid"), let pid = Int32(text.split(separator: " ").first ?? ""), pid > 1 {
            kill(pid, SIGKILL)
        }
    }
}
