// The exit codes berth shares with podman, docker and the shell, defined once, and
// the protocol through which an error tells the CLI which one it means.
import Glibc

package enum ExitCode {
    /// berth itself failed: bad input, a store, registry or runtime error.
    package static let engineError: Int32 = 125
    /// The container's command was found but cannot be run.
    package static let cannotInvoke: Int32 = 126
    /// The container's command was not found.
    package static let notFound: Int32 = 127

    /// Ends berth with `status` (exit(3): buffered output flushed, atexit run).
    package static func exitProcess(_ status: Int32) -> Never {
        exit(status)
    }
}

/// An error that knows the exit code it means; the CLI prints `Error: \(error)`
/// and exits with it. Errors that do not adopt it mean `ExitCode.engineError`.
package protocol ExitCoded: Error {
    var exitCode: Int32 { get }
}
