// `logs`: what a detached container wrote, from the log its monitor keeps.
import BerthSystem

package struct LogsOptions: Sendable {
    package var container: String
    package init(container: String) { self.container = container }
}

extension Engine {
    /// The container's output as its monitor logged it; nothing for a container
    /// that never ran detached.
    package func containerLogs(_ options: LogsOptions) throws -> [UInt8] {
        let record = try resolveContainer(options.container)
        let path = logPath(record.id)
        guard FileSystem.exists(path) else { return [] }
        return try FileSystem.readFile(path)
    }
}
