// A private message bus for D-Bus client tests: Debian's dbus-daemon on a socket
// in a test directory (EXTERNAL auth, every name ownable, monitoring allowed), and
// dbus-monitor, libdbus's own decoder, as an outside judge of what a client sent.
import Foundation
import Glibc

public final class DBusTestBus: @unchecked Sendable {
    /// The bus's unix socket.
    public let socket: String
    private let directory: String
    private let daemon: ServerProcess
    private var monitor: ServerProcess?

    public init(in directory: String) throws {
        self.directory = directory
        socket = directory + "/bus"
        let config = directory + "/bus.conf"
        try writeBytes(Array("""
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>session</type>
              <listen>unix:path=\(socket)</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow user="*"/>
                <allow own="*"/>
                <allow send_destination="*" eavesdrop="true"/>
                <allow eavesdrop="true"/>
              </policy>
            </busconfig>
            """.utf8), to: config)
        daemon = try ServerProcess(name: "dbus-daemon", argv: [try requiredTool("dbus-daemon"), "--config-file=\(config)", "--nofork", "--nopidfile"],
                                   output: directory + "/daemon.out", errors: directory + "/daemon.err")
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: socket) {
            try daemon.checkRunning(log: directory + "/daemon.err")
            usleep(10_000)
        }
        guard FileManager.default.fileExists(atPath: socket) else { throw TestSupportError("dbus-daemon made no socket at \(socket)") }
    }

    /// Starts dbus-monitor on the bus; its log's path. It prints every message it
    /// sees, arguments decoded, one value per line.
    public func startMonitor() throws -> String {
        let log = directory + "/monitor.log"
        monitor = try ServerProcess(name: "dbus-monitor", argv: [try requiredTool("dbus-monitor"), "--address", "unix:path=\(socket)"],
                                    output: log, errors: directory + "/monitor.err")
        // It says it became a monitor by printing the NameAcquired/NameLost it sees first.
        for _ in 0..<200 {
            if let text = try? String(contentsOfFile: log, encoding: .utf8), text.contains("NameLost") || text.contains("NameAcquired") { return log }
            try monitor?.checkRunning(log: directory + "/monitor.err")
            usleep(10_000)
        }
        throw TestSupportError("dbus-monitor did not start on \(socket)")
    }

    /// Waits until the monitor's log holds `text` (a message is printed whole once seen); the log.
    public func monitorLog(waitingFor text: String) -> String {
        var log = ""
        for _ in 0..<300 {
            log = (try? String(contentsOfFile: directory + "/monitor.log", encoding: .utf8)) ?? ""
            if log.contains(text) { break }
            usleep(10_000)
        }
        return log
    }

    public func stop() {
        monitor?.kill()
        daemon.kill()
    }

    deinit { stop() }

    /// A bus in a temporary directory for `body` (with dbus-monitor watching when
    /// `monitored`), stopped and removed after it.
    public static func withBus(monitored: Bool = false, _ body: (DBusTestBus) throws -> Void) throws {
        let directory = try TemporaryDirectory("berth-dbus")
        defer { directory.remove() }
        let bus = try DBusTestBus(in: directory.path)
        defer { bus.stop() }
        if monitored { _ = try bus.startMonitor() }
        try body(bus)
    }

    /// The texts of `expected` that the monitor's log lacks once it holds `text`, with the log.
    public func monitorMissing(_ expected: [String], waitingFor text: String) -> (missing: [String], log: String) {
        let log = monitorLog(waitingFor: text)
        return (expected.filter { !log.contains($0) }, log)
    }
}
