// Warnings raised below the CLI (a user namespace with a single id, ...). Lower
// targets never print: they hand the text here, and the CLI, which installs its
// printer first thing, shows it at once, before any container output that follows.
// Nothing installed (unit tests, a library caller): warnings wait in `drain()`.
import Synchronization

package enum Warnings {
    private struct State: ~Copyable {
        var printer: (@Sendable (String) -> Void)?
        var pending: [String] = []
    }

    private static let state = Mutex(State())

    /// Hands one warning (a sentence, no `WARN:` prefix, no newline) to the printer.
    package static func report(_ message: String) {
        let printer = state.withLock { state -> (@Sendable (String) -> Void)? in
            if state.printer == nil { state.pending.append(message) }
            return state.printer
        }
        printer?(message)
    }

    /// Makes `printer` show every warning from now on, and the ones already waiting.
    package static func deliver(to printer: @escaping @Sendable (String) -> Void) {
        let waiting = state.withLock { state -> [String] in
            state.printer = printer
            defer { state.pending = [] }
            return state.pending
        }
        waiting.forEach(printer)
    }

    /// The warnings reported while no printer was installed (and forgets them).
    package static func drain() -> [String] {
        state.withLock { state in
            defer { state.pending = [] }
            return state.pending
        }
    }
}
