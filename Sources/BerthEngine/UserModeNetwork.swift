// Rootless networking through a user-mode helper (issue 12): pasta (Debian's
// passt, the default) or slirp4netns, started between clone and release on the
// container's network namespace. The helper lives exactly as long as the
// container: it is killed at detach (exit, failed start, rm), and it is bound to
// the thread that started the container (PR_SET_PDEATHSIG), as the container is,
// so a kill -9 of berth or of the monitor takes both along.
import BerthSystem
import Glibc

extension Engine {
    /// Starts pasta or slirp4netns (`mode`: "pasta[:opts]" or "slirp4netns[:opts]")
    /// on the network namespace of `pid`, forwarding `ports`; returns what it set up.
    func attachUserModeNetwork(_ record: ContainerRecord, mode: String, ports: [PortMapping], pid: Int32) throws -> NetworkStatus {
        let parsed = try UserModeNetworkMode(parsing: mode)
        let directory = runtimeDir(record.id)
        let helper: HelperProcess
        switch parsed.helper {
        case .pasta:
            helper = try PastaNetwork.start(parsed, ports: ports, pid: pid, runtimeDir: directory)
        case .slirp4netns:
            helper = try Slirp4netnsNetwork.start(parsed.slirp, ports: ports, pid: pid, runtimeDir: directory)
        }
        Stopwatch.mark(parsed.helper.rawValue)
        var status = NetworkStatus()
        status.ports = ports
        status.helperPID = helper.pid
        status.helperStartTime = ProcessLiveness.startTime(of: helper.pid)
        return status
    }

    /// Ends the helper of `status`; nothing when it is gone.
    func detachUserModeNetwork(_ status: NetworkStatus) {
        guard let pid = status.helperPID, let startTime = status.helperStartTime else { return }
        // Published ports must be free again when this returns (a `run -p` right
        // after); without any, the helper's slow exit (pasta's tap closes after an
        // RCU grace period, 30-45 ms) is not waited for: it holds nothing anyone needs.
        HelperProcess.end(pid: pid, startTime: startTime, waiting: !status.ports.isEmpty)
    }
}

/// What pasta and slirp4netns share: finding the program, its log, its start.
enum UserModeNetwork {
    /// How long a helper may take to set up the namespace (it takes milliseconds).
    static let startTimeout = 10.0

    /// The helper's path (--network-cmd-path, else PATH's), or an error naming the
    /// Debian package to install.
    static func executable(_ name: String, package: String) throws -> String {
        guard let path = try NetworkGlobals.helperExecutable(name) else {
            throw NetworkError.invalid(
                "could not find \(name) in $PATH, the network namespace can't be configured: install Debian's \(package) package")
        }
        return path
    }

    /// The helper's stdout and stderr: a file in the container's runtime
    /// directory, read back when the helper fails.
    static func openLog(_ path: String) throws -> FileDescriptor {
        try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode: 0o600)
    }

    /// The helper once its readiness pipe said so, or an error with the helper's
    /// last words (it is reaped, or killed when it took too long).
    static func checkStarted(_ helper: HelperProcess, _ outcome: HelperProcess.Wait, readiness: FileDescriptor, log: String) throws -> HelperProcess {
        if outcome == .readable {
            var byte: UInt8 = 0
            // Something written means ready; EOF means it closed the pipe and died.
            if (try? withUnsafeMutableBytes(of: &byte) { try readiness.read(into: $0) }) == 1 { return helper }
            _ = helper.waitForExit(seconds: 1)
        }
        if outcome == .timedOut {
            helper.stop()
            throw NetworkError.invalid("\(helper.name) did not set up the network within \(Int(startTimeout)) seconds")
        }
        let code = helper.stop()
        throw NetworkError.invalid("\(helper.name) failed to set up the network (exit code \(code))\(lastWords(log))")
    }

    /// ": MESSAGE" from the last line of a helper's log that says something (pasta
    /// also writes "Failed to send … to syslog" where there is no syslog).
    private static func lastWords(_ log: String) -> String {
        let text = (try? FileSystem.readText(log)) ?? ""
        let lines = text.split(separator: "\n").map { $0.drop(while: \.isWhitespace) }
            .filter { !$0.isEmpty && !$0.hasPrefix("Failed to send") && !$0.hasPrefix("WARNING:") }
        return lines.last.map { ": " + String($0) } ?? ""
    }
}
