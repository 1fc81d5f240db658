// `logs --color` and inspect's HostConfig.LogConfig, as a podman user reads them.
import Foundation
import Testing
import TestSupport

@Suite struct LogConfigTests {
    @Test(arguments: Mode.available)
    func colors_per_container_and_the_log_config(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        defer { #expect(sb.berth("rm", "-a", "-f", "-t", "0").status == 0) }
        #expect(sb.berth("run", "--name", "a", "img", "echo", "from-a").status == 0)
        #expect(sb.berth("run", "--name", "b", "--log-opt", "max-size=10mb", "--log-opt", "tag=web", "img", "echo", "from-b").status == 0)
        let colored = sb.berth("logs", "--color", "-n", "a", "b")
        #expect(colored.status == 0 && colored.stdout == "\u{1B}[31ma from-a\u{1B}[0m\n\u{1B}[32mb from-b\u{1B}[0m\n", "\(colored)")
        #expect(sb.berth("logs", "a", "b").stdout == "\(sb.berth("inspect", "--format", "{{.Id}}", "a").stdout.prefix(12)) from-a\n"
                + "\(sb.berth("inspect", "--format", "{{.Id}}", "b").stdout.prefix(12)) from-b\n", "no color without --color")

        let a = sb.berth("inspect", "--format", "{{json .HostConfig.LogConfig}}", "a").stdout
        let id = sb.berth("inspect", "--format", "{{.Id}}", "a").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(a == "{\"Type\":\"k8s-file\",\"Config\":null,\"Path\":\"\(sb.root)/containers/\(id)/userdata/ctr.log\",\"Tag\":\"\",\"Size\":\"0B\"}\n", "\(a)")
        let b = sb.berth("inspect", "--format", "{{.HostConfig.LogConfig.Tag}} {{.HostConfig.LogConfig.Size}}", "b").stdout
        #expect(b == "web 10MB\n", "\(b)")
        #expect(sb.berth("create", "--name", "n", "--log-driver", "none", "img", "true").status == 0)
        #expect(sb.berth("inspect", "--format", "{{.HostConfig.LogConfig.Type}}:{{.HostConfig.LogConfig.Path}}", "n").stdout == "none:\n")
    }
}
