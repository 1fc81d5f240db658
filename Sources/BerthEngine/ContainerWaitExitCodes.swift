// The exit codes of containers removed by --rm, kept a while so that `wait` finds
// them: docker's and podman's `wait` return the code of a container --rm removed
// (podman keeps removed containers' codes for minutes). The removal writes
// RUNROOT/exits/MINUTE/ID just before the container's files go: one small file in a
// directory that exists but once a minute, no fsync (a code lost to a crash costs
// only that code). The first removal of a minute makes its directory and drops the
// directories past the retention, so no run ever scans the kept codes.
import BerthSystem
import Glibc

extension Engine {
    /// How long a removed container's exit code is kept, in minutes (at least).
    static let exitCodeRetentionMinutes = 5

    private var exitCodesDir: String { paths.runroot + "/exits" }

    /// Keeps `code` as container `id`'s exit code; a failure only loses it for `wait`.
    func keepExitCode(_ code: Int32, of id: String) {
        let minute = Int(time(nil) / 60)
        let bucket = exitCodesDir + "/\(minute)"
        let text = Array("\(code)\n".utf8)
        do {
            try writeExitCode(text, to: bucket + "/" + id)
        } catch let error as SystemError where error.isNotFound {
            pruneExitCodes(before: minute - Engine.exitCodeRetentionMinutes)
            try? FileSystem.makeDirectories(bucket, mode: 0o700)
            try? writeExitCode(text, to: bucket + "/" + id)
        } catch {}
    }

    /// The exit code kept for container `id` when --rm removed it; nil when none is.
    func keptExitCode(of id: String) -> Int32? {
        for bucket in ((try? FileSystem.list(exitCodesDir)) ?? []).sorted(by: >) {
            guard let text = try? FileSystem.readText(exitCodesDir + "/" + bucket + "/" + id) else { continue }
            return Int32(text.prefix { $0 != "\n" })
        }
        return nil
    }

    private func writeExitCode(_ text: [UInt8], to path: String) throws {
        let file = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode: 0o600)
        try file.write(text, path: path)
    }

    private func pruneExitCodes(before minute: Int) {
        for bucket in (try? FileSystem.list(exitCodesDir)) ?? [] where (Int(bucket) ?? 0) < minute {
            try? FileSystem.removeTree(exitCodesDir + "/" + bucket)
        }
    }
}
