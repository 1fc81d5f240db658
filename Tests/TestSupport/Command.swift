// Running a program and capturing what it printed, with a time limit.
import Foundation
import Glibc

/// What a finished command printed and how it ended.
public struct CommandResult: Sendable, CustomStringConvertible {
    public var stdout: String
    public var stderr: String
    /// The exit code, or 128 + the signal number when killed by a signal (as a shell reports it).
    public var status: Int32

    public init(stdout: String, stderr: String, status: Int32) {
        self.stdout = stdout
        self.stderr = stderr
        self.status = status
    }

    /// For failure messages: `#expect(r.status == 0, "\(r)")`.
    public var description: String {
        "status \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)"
    }
}

/// Runs `argv` (argv[0] an absolute path) with exactly `environment`, stdin from
/// `stdin` (or /dev/null), and returns its output. Output goes through files in
/// `scratchDir`, not pipes: a daemonized grandchild holding stdout open cannot
/// hang the test, and concurrently spawned processes cannot keep each other's
/// pipes open. After `timeout` seconds the process is killed (SIGKILL) and the
/// result says so on stderr.
func runCommand(
    _ argv: [String], environment: [String: String], stdin: [UInt8]?,
    scratchDir: String, timeout: Double
) -> CommandResult {
    let id = UUID().uuidString
    let outPath = "\(scratchDir)/\(id).out"
    let errPath = "\(scratchDir)/\(id).err"
    let inPath = "\(scratchDir)/\(id).in"
    defer {
        for p in [outPath, errPath, inPath] { unlink(p) }
    }
    do {
        try FileManager.default.createDirectory(atPath: scratchDir, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: outPath, contents: nil),
              FileManager.default.createFile(atPath: errPath, contents: nil) else {
            throw TestSupportError("cannot create output files in \(scratchDir)")
        }
        let outHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        var inHandle = FileHandle.nullDevice
        if let stdin {
            try Data(stdin).write(to: URL(fileURLWithPath: inPath))
            inHandle = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        }
        defer {
            try? outHandle.close()
            try? errHandle.close()
            if stdin != nil { try? inHandle.close() }
        }

        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        p.environment = environment
        p.standardInput = inHandle
        p.standardOutput = outHandle
        p.standardError = errHandle
        let done = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in done.signal() }
        try p.run()
        var timedOut = false
        if done.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(p.processIdentifier, SIGKILL)
            done.wait()
        }

        let status: Int32 = p.terminationReason == .uncaughtSignal
            ? 128 + p.terminationStatus : p.terminationStatus
        var err = String(decoding: (try? readBytes(errPath)) ?? [], as: UTF8.self)
        if timedOut {
            err += "\nTestSupport: killed after \(timeout) s: \(argv.joined(separator: " "))\n"
        }
        return CommandResult(
            stdout: String(decoding: (try? readBytes(outPath)) ?? [], as: UTF8.self),
            stderr: err, status: status)
    } catch {
        return CommandResult(stdout: "", stderr: "TestSupport: cannot run \(argv.joined(separator: " ")): \(error)\n", status: 127)
    }
}
