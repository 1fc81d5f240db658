// Is a recorded process still the same process? Its pid plus its start time
// (field 22 of /proc/PID/stat) and the boot ID defeat pid reuse and reboots,
// which matters here: /run is ext4 and survives a reboot (design.md §11).
package enum ProcessLiveness {
    package static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = try? FileSystem.readText("/proc/\(pid)/stat"),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after "comm)": state is field 3; starttime is field 22. A zombie
        // (or dead) process is gone for berth's purposes, whoever has yet to reap it.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
        return UInt64(fields[19])
    }

    /// This boot's ID. BERTH_TEST_BOOT_ID stands in for it, so a test can show what
    /// a reboot does to recorded state without rebooting (containers from "before"
    /// read as exited, and start again).
    package static var bootID: String {
        if let simulated = Environment.get(simulatedBootIDVariable), !simulated.isEmpty { return simulated }
        return ((try? FileSystem.readText("/proc/sys/kernel/random/boot_id")) ?? "").filter { !$0.isWhitespace }
    }

    package static let simulatedBootIDVariable = "BERTH_TEST_BOOT_ID"

    package static func isAlive(pid: Int32, startTime: UInt64, bootID: String) -> Bool {
        guard pid > 0, bootID == ProcessLiveness.bootID else { return false }
        return ProcessLiveness.startTime(of: pid) == startTime
    }
}
