// What pull and push print on standard error while they work: on a terminal a
// line per blob redrawn with bytes and rate; otherwise plain lines as each blob
// finishes, podman's wording, so logs stay readable.
import BerthEngine
import BerthImage
import BerthSystem
import Synchronization

final class TransferProgress: Sendable {
    private struct Blob {
        var digest: Digest
        var size: Int64
        var bytes: Int64 = 0
        var state = "" // "", "done", "skipped: already exists"
        var started: Double
    }

    private struct State {
        var blobs: [Blob] = []
        var drawnLines = 0
        var lastDraw = 0.0
    }

    private let quiet: Bool
    private let isTerminal: Bool
    private let state = Mutex(State())

    init(quiet: Bool) {
        self.quiet = quiet
        isTerminal = StandardStreams.isTerminal(StandardStreams.error) && (Environment.get("TERM") ?? "dumb") != "dumb"
    }

    var observer: TransferObserver { { [self] event in handle(event) } }

    private func handle(_ event: TransferEvent) {
        if case .warning(let text) = event {
            // Shown even with --quiet, as podman's WARNING lines are.
            state.withLock { _ in Output.err("WARNING: \(text)\n") }
            return
        }
        if quiet { return }
        state.withLock { state in
            switch event {
            case .trying(let name):
                Output.err("Trying to pull \(name)...\n")
            case .gettingSignatures:
                Output.err("Getting image source signatures\n")
            case .blobSkipped(let digest):
                if let index = state.blobs.firstIndex(where: { $0.digest == digest }) {
                    state.blobs[index].state = "skipped: already exists"
                } else {
                    state.blobs.append(Blob(digest: digest, size: 0, state: "skipped: already exists", started: Self.now()))
                }
                finishLine(digest, &state)
            case .blobStarted(let digest, let size):
                if let index = state.blobs.firstIndex(where: { $0.digest == digest }) {
                    if state.blobs[index].state.isEmpty { state.blobs[index].size = size }
                } else {
                    state.blobs.append(Blob(digest: digest, size: size, started: Self.now()))
                }
                redraw(&state, force: true)
            case .blobProgress(let digest, let bytes):
                if let index = state.blobs.firstIndex(where: { $0.digest == digest }) { state.blobs[index].bytes = bytes }
                redraw(&state, force: false)
            case .blobDone(let digest):
                if let index = state.blobs.firstIndex(where: { $0.digest == digest }), state.blobs[index].state.isEmpty {
                    state.blobs[index].state = "done"
                    state.blobs[index].bytes = state.blobs[index].size
                    finishLine(digest, &state)
                }
            case .config(let digest):
                for index in state.blobs.indices where state.blobs[index].state.isEmpty {
                    state.blobs[index].state = "done"
                    state.blobs[index].bytes = state.blobs[index].size
                    finishLine(state.blobs[index].digest, &state)
                }
                redraw(&state, force: true)
                state.drawnLines = 0
                state.blobs.removeAll()
                Output.err("Copying config \(digest) done\n")
            case .writingManifest:
                Output.err("Writing manifest to image destination\n")
            case .warning:
                break
            }
        }
    }

    private static func now() -> Double { Stopwatch.seconds() }

    /// Without a terminal a blob gets one line, when it is finished.
    private func finishLine(_ digest: Digest, _ state: inout State) {
        if isTerminal {
            redraw(&state, force: true)
        } else if let blob = state.blobs.first(where: { $0.digest == digest }) {
            Output.err("Copying blob \(digest) \(blob.state)\n")
        }
    }

    /// Rewrites the block of blob lines in place, at most ten times a second.
    private func redraw(_ state: inout State, force: Bool) {
        guard isTerminal else { return }
        let now = Self.now()
        if !force && now - state.lastDraw < 0.1 { return }
        state.lastDraw = now
        var text = state.drawnLines > 0 ? "\u{1B}[\(state.drawnLines)A" : ""
        for blob in state.blobs {
            text += "\u{1B}[2KCopying blob \(blob.digest.short) "
            if !blob.state.isEmpty {
                text += blob.state + "\n"
                continue
            }
            let fraction = blob.size > 0 ? min(1, Double(blob.bytes) / Double(blob.size)) : 0
            let filled = Int(fraction * 30)
            let elapsed = max(now - blob.started, 0.001)
            text += "[" + String(repeating: "=", count: filled) + String(repeating: "-", count: 30 - filled) + "] "
            text += "\(HumanUnits.size(blob.bytes)) / \(HumanUnits.size(blob.size)) | \(HumanUnits.size(Int64(Double(blob.bytes) / elapsed)))/s\n"
        }
        state.drawnLines = state.blobs.count
        Output.err(text)
    }
}
