// What a container verb did to each container it was asked about, as podman's
// verbs report it: a line per success, an `Error:` line per failure, and one exit
// code for the whole command.
import BerthSystem
package struct ContainerReport {
    /// What to print for the container: the name or ID as given, else the full ID.
    package var input: String
    package var id: String?
    package var error: (any Error)?
    /// `wait`: the container's exit code; `start --attach`: the code to exit with.
    package var exitCode: Int32?

    init(input: String, id: String?, error: (any Error)? = nil, exitCode: Int32? = nil) {
        self.input = input
        self.id = id
        self.error = error
        self.exitCode = exitCode
    }
}

package enum ContainerReportRule: Sendable {
    /// stop, start, wait: any failure is exit 125.
    case plain
    /// rm: podman's setExitCode: 1 once any container was missing, else 2 when one
    /// was in the wrong state (running without --force), else 125.
    case removal
}

extension [ContainerReport] {
    package var failures: [any Error] { compactMap(\.error) }

    package func exitCode(_ rule: ContainerReportRule) -> Int32 {
        let errors = failures
        guard !errors.isEmpty else { return 0 }
        guard rule == .removal else { return ExitCode.engineError }
        if errors.contains(where: { if case ContainerError.notFound = $0 { return true }; return false }) { return 1 }
        if errors.contains(where: { if case ContainerError.running = $0 { return true }; return false }) { return 2 }
        return ExitCode.engineError
    }
}

extension Engine {
    /// Runs `act` on every selected container, keeping going after a failure.
    func eachContainer(_ selection: ContainerSelection,
                       _ act: (ContainerTarget, ContainerRecord) throws -> Int32?) throws -> [ContainerReport] {
        try select(selection).map { target in
            switch target.record {
            case .failure(let error):
                return ContainerReport(input: target.input, id: nil, error: error)
            case .success(let record):
                do {
                    return ContainerReport(input: target.input, id: record.id, exitCode: try act(target, record))
                } catch {
                    return ContainerReport(input: target.input, id: record.id, error: error)
                }
            }
        }
    }
}
