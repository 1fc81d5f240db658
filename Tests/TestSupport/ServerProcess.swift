// A server a test starts (docker-registry, the token server) as a child with its
// output in files, killed and reaped when the test is done.
import Foundation
import Glibc

/// A long-running child (the registry, the token server) with its output in
/// files; `kill()` sends SIGKILL and reaps it.
final class ServerProcess: @unchecked Sendable {
    let name: String
    private let process = Process()
    private let exited = DispatchSemaphore(value: 0)
    private var reaped = false

    init(name: String, argv: [String], output: String, errors: String) throws {
        self.name = name
        guard FileManager.default.createFile(atPath: output, contents: nil),
              FileManager.default.createFile(atPath: errors, contents: nil),
              let out = FileHandle(forWritingAtPath: output), let err = FileHandle(forWritingAtPath: errors) else {
            throw TestSupportError("cannot create \(output) and \(errors)")
        }
        defer {
            try? out.close()
            try? err.close()
        }
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.environment = ["PATH": Sandbox.path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        let exited = exited
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            throw TestSupportError("cannot start \(argv.joined(separator: " ")): \(error)")
        }
    }

    /// Throws, with the end of its log, when the process has exited.
    func checkRunning(log: String) throws {
        guard !process.isRunning else { return }
        let text = String(decoding: (try? readBytes(log)) ?? [], as: UTF8.self)
        throw TestSupportError("\(name) exited with status \(process.terminationStatus):\n\(text.suffix(4000))")
    }

    func kill() {
        guard !reaped else { return }
        reaped = true
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
        }
        _ = exited.wait(timeout: .now() + 10)
    }
}
