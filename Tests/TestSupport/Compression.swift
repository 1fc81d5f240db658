// gzip and zstd for layer fixtures, through the command-line tools (ci/setup
// installs them): independent of the product's zlib/zstd code, like TarBuilder.
import Foundation

/// `bytes` compressed by `gzip -n -c` (-n: no name or time stamp, so the output,
/// and with it the blob digest, depends on the content only).
public func gzip(_ bytes: [UInt8]) -> [UInt8] {
    pipeThrough("/bin/gzip", ["-n", "-c"], bytes)
}

/// `bytes` compressed by `zstd -q -c`.
public func zstd(_ bytes: [UInt8]) -> [UInt8] {
    pipeThrough(toolPath("zstd"), ["-q", "-c"], bytes)
}

/// `bytes` decompressed by `gzip -d -c`.
public func gunzip(_ bytes: [UInt8]) -> [UInt8] {
    pipeThrough("/bin/gzip", ["-d", "-c"], bytes)
}

/// `bytes` decompressed by `zstd -d -q -c`.
public func unzstd(_ bytes: [UInt8]) -> [UInt8] {
    pipeThrough(toolPath("zstd"), ["-d", "-q", "-c"], bytes)
}

private func toolPath(_ name: String) -> String {
    for dir in ["/usr/bin", "/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
        return "\(dir)/\(name)"
    }
    return "/usr/bin/\(name)"
}

/// Runs `tool` with `input` on stdin and returns its stdout. Input and output go
/// through temporary files rather than pipes: no deadlock on large data, and no
/// pipe ends leaking into processes other tests spawn at the same moment.
/// A missing tool is a broken test machine (run ci/setup), hence the trap.
private func pipeThrough(_ tool: String, _ args: [String], _ input: [UInt8]) -> [UInt8] {
    do {
        let dir = try TemporaryDirectory("berth-testsupport")
        defer { dir.remove() }
        let inURL = URL(fileURLWithPath: dir.path("in"))
        let outURL = URL(fileURLWithPath: dir.path("out"))
        try Data(input).write(to: inURL)
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        let inHandle = try FileHandle(forReadingFrom: inURL)
        let outHandle = try FileHandle(forWritingTo: outURL)
        defer {
            try? inHandle.close()
            try? outHandle.close()
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.standardInput = inHandle
        p.standardOutput = outHandle
        p.standardError = FileHandle.standardError
        try p.run()
        p.waitUntilExit()
        guard p.terminationReason == .exit, p.terminationStatus == 0 else {
            fatalError("TestSupport: \(tool) \(args.joined(separator: " ")) failed with status \(p.terminationStatus)")
        }
        return [UInt8](try Data(contentsOf: outURL))
    } catch {
        fatalError("TestSupport: \(tool) \(args.joined(separator: " ")): \(error) (run ci/setup)")
    }
}
