// What the build tests read from `berth build`'s output (podman's layout:
// `STEP n/m: …`, `--> Using cache <id>`, `COMMIT name`, `--> <short id>`, the
// full image ID last) and the host-visible witness of a RUN step having run.
import Foundation
import Testing
import TestSupport

/// One build's output as a user reads it.
struct BuildOutput {
    let result: CommandResult

    init(_ result: CommandResult) { self.result = result }

    var lines: [String] { result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }

    /// The `STEP n/m: …` lines, the `STEP n/m: ` prefix dropped.
    var steps: [String] {
        lines.compactMap { line in
            guard line.hasPrefix("STEP "), let colon = line.firstIndex(of: ":") else { return nil }
            return String(line[line.index(colon, offsetBy: 2)...])
        }
    }

    /// For every step but the FROMs: whether `--> Using cache <id>` followed it.
    var cacheUse: [(step: String, cached: Bool)] {
        var out: [(String, Bool)] = []
        var current: String?
        var cached = false
        for line in lines {
            if line.hasPrefix("STEP ") {
                if let current { out.append((current, cached)) }
                let step = String(line[line.index(line.firstIndex(of: ":")!, offsetBy: 2)...])
                current = step.hasPrefix("FROM ") ? nil : step
                cached = false
            } else if line.hasPrefix("--> Using cache ") {
                cached = true
            }
        }
        if let current { out.append((current, cached)) }
        return out
    }

    /// Every step after FROM said `--> Using cache` (and there was at least one).
    var allCached: Bool {
        let use = cacheUse
        return !use.isEmpty && use.allSatisfy { $0.cached }
    }

    /// The full image ID, the last line of the output.
    var imageID: String {
        lines.last(where: { !$0.isEmpty }) ?? ""
    }
}

extension Sandbox {
    /// `berth build ARGS CONTEXT`.
    func build(_ args: [String], context: String, env: [String: String] = [:]) -> BuildOutput {
        BuildOutput(berth(["build"] + args + [context], env: env))
    }
}

/// A host directory that RUN steps append to through `build -v DIR:/witness`:
/// each line in its log is one RUN that really ran. Owned by the user berth
/// runs as, so a rootless build's root can write it.
struct RunWitness {
    let directory: String

    init(_ sb: Sandbox) throws {
        directory = sb.path("witness")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try sb.handOver(directory)
    }

    var volumeArguments: [String] { ["-v", "\(directory):/witness"] }

    /// The lines RUN steps appended so far.
    func runs() -> [String] {
        guard let text = try? readText(directory + "/log") else { return [] }
        return text.split(separator: "\n").map(String.init)
    }
}

/// What the store's scratch area (ROOT/tmp: layers being made) holds; a store
/// that never made one has none.
func scratchEntries(_ sb: Sandbox) throws -> [String] {
    guard FileManager.default.fileExists(atPath: sb.root + "/tmp") else { return [] }
    return try directoryEntries(sb.root + "/tmp")
}
