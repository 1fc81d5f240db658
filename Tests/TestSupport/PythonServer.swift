// A Python stdlib server for tests: the script is written to a temporary file,
// run as `python3 SCRIPT ARGS…`, and prints its port on its first line once it
// listens. Stopped by `stop()` or deinit (SIGKILL: a child of a Swift Testing
// worker thread inherits a signal mask that blocks SIGTERM).
import Foundation
import Glibc

public final class PythonServer: @unchecked Sendable {
    public let port: Int
    private let process: Process

    public init(script: String, arguments: [String], in directory: String) throws {
        let path = directory + "/server-\(UUID().uuidString.prefix(8)).py"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [path] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            line += data
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TestSupportError("python server \(arguments) did not start")
        }
        self.port = port
    }

    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}
