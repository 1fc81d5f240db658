// The one error type of BerthRuntime, with the exit code podman would use.
package import BerthSystem

package enum RuntimeError: ExitCoded, CustomStringConvertible {
    case system(SystemError)
    case invalidArgument(String)
    /// The command could not be found (exit 127).
    case commandNotFound(String)
    /// The command exists but cannot be run (exit 126).
    case cannotInvoke(String, reason: String)
    /// Preparing the container failed before its command started.
    case setupFailed(stage: String, detail: String, errno: Int32)
    /// A seccomp profile (a user's file, or the built-in one) berth cannot use: `source`
    /// names the file, `reason` says what is wrong and where.
    case seccompProfile(_ source: String, _ reason: String)
    /// One profile field while JSON decoding, before the file's name is known;
    /// the loader turns it into `seccompProfile` with the field's path.
    case seccompProfileField(_ message: String, hint: String, codingPath: [any CodingKey])
    /// The store's cache of compiled seccomp programs, at `path`, failed.
    case seccompCache(_ path: String, _ reason: String)

    package var description: String {
        switch self {
        case .system(let error): return error.description
        case .invalidArgument(let message): return message
        case .commandNotFound(let command):
            return "executable file `\(command)` not found in $PATH: No such file or directory"
        case .cannotInvoke(let command, let reason): return "cannot invoke `\(command)`: \(reason)"
        case .setupFailed(let stage, let detail, let errno):
            let reason = SystemError("", "", errno: errno).description.dropFirst(2)
            return detail.isEmpty ? "container setup: \(stage): \(reason)" : "container setup: \(stage) \(detail): \(reason)"
        case .seccompProfile(let source, let reason): return "seccomp profile \(source): \(reason)"
        case .seccompProfileField(let message, let hint, _): return "\(message) (\(hint))"
        case .seccompCache(let path, let reason): return "seccomp cache \(path): \(reason)"
        }
    }

    package var exitCode: Int32 {
        switch self {
        case .commandNotFound: return ExitCode.notFound
        case .cannotInvoke: return ExitCode.cannotInvoke
        default: return ExitCode.engineError
        }
    }
}
