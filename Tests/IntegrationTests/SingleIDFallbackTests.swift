// Rootless without /etc/subuid ranges (here: the nobody user): berth says so in
// one warning line and goes on with a single-id user namespace.
import Foundation
import Testing
import TestSupport

@Suite struct SingleIDFallbackTests {
    @Test func a_user_without_subordinate_ids_still_imports_and_runs() throws {
        guard geteuid() == 0 else { return } // needs root to act as another user
        let sb = try Sandbox(.root)
        defer { #expect(sb.cleanup().isEmpty) }
        let tarball = try busyboxTarball(sb)
        let store = sb.path("nobody")
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        #expect(chown(store, 65534, 65534) == 0 && chmod(tarball, 0o644) == 0)
        _ = sb.run("/bin/chmod", ["o+rx", sb.dir, sb.work], asTestUser: false)
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
        let pausePID = (try? String(contentsOfFile: store + "/run/pause.pid", encoding: .utf8))
            .flatMap { Int32($0.split(separator: " ").first ?? "") } ?? 0
        if pausePID > 1 { kill(pausePID, SIGKILL) }
    }
}
