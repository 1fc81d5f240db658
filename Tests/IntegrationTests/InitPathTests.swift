// run --init --init-path PATH as podman runs it: the given init binary is bound
// read-only at /run/podman-init and is the container's pid 1, started as
// `/run/podman-init -- COMMAND`. Root and rootless.
import Foundation
import Testing
import TestSupport

@Suite struct InitPathTests {
    @Test(arguments: Mode.available)
    func init_path_makes_the_given_init_pid_1(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        // A script init: it says who it is, then execs the command as tini does after its work.
        let initScript = try sb.makeFile("my-init", "#!/bin/sh\n[ \"$1\" = -- ] && shift\necho \"init $$: $*\"\nexec \"$@\"\n")
        chmod(initScript, 0o755)
        let run = sb.berth("run", "--rm", "--init", "--init-path", initScript, "img", "sh", "-c", "echo cmd; touch /run/podman-init 2>/dev/null || echo read-only")
        #expect(run.status == 0 && run.stdout == "init 1: sh -c echo cmd; touch /run/podman-init 2>/dev/null || echo read-only\ncmd\nread-only\n", "\(run)")
        // create records it for every start.
        #expect(sb.berth("create", "--name", "later", "--init", "--init-path", initScript, "img", "echo", "hi").status == 0)
        let started = sb.berth("start", "-a", "later")
        #expect(started.status == 0 && started.stdout == "init 1: echo hi\nhi\n", "\(started)")
        #expect(sb.berth("rm", "later").status == 0)
        // Without --init the path does nothing, as in podman.
        let plain = sb.berth("run", "--rm", "--init-path", initScript, "img", "sh", "-c", "echo $$")
        #expect(plain.status == 0 && plain.stdout == "1\n", "\(plain)")
        let missing = sb.berth("run", "--rm", "--init", "--init-path", sb.path("nothing"), "img", "true")
        #expect(missing.status == 125 && missing.stderr == "Error: --init-path \(sb.path("nothing")): no such file\n", "\(missing)")
        #expect(sb.berth("ps", "-a", "-q").stdout.isEmpty)
    }
}
