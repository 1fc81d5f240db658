// podman's global flags --network-config-dir (where the network config files are)
// and --network-cmd-path (the pasta or slirp4netns binary). Both reach the processes
// berth starts itself through its environment: a detached container's monitor and
// the cleanup it runs at the exit are given only --root and --runroot, and must read
// the same networks and start the same helper as the command that started them.
import BerthSystem

package enum NetworkGlobals {
    static let configDirVariable = "_BERTH_NETWORK_CONFIG_DIR"
    static let commandPathVariable = "_BERTH_NETWORK_CMD_PATH"

    /// Takes the flags' values (nil: not given, so an inherited value stays).
    static func apply(configDir: String?, commandPath: String?) {
        if let configDir { Environment.set(configDirVariable, FileSystem.absolute(configDir)) }
        if let commandPath { Environment.set(commandPathVariable, FileSystem.absolute(commandPath)) }
    }

    /// --network-config-dir; nil: the store's ROOT/networks.
    static var configDir: String? { value(configDirVariable) }

    /// --network-cmd-path; nil: pasta or slirp4netns from PATH.
    static var commandPath: String? { value(commandPathVariable) }

    /// The helper program to start for `name`: --network-cmd-path when given (it must
    /// be an executable file), else `name` from PATH.
    static func helperExecutable(_ name: String) throws -> String? {
        guard let path = commandPath else { return Subprocess.which(name) }
        guard Subprocess.isExecutable(path), !FileSystem.isDirectory(path) else {
            throw NetworkError.invalid("--network-cmd-path \(path): not an executable file, so \(name) cannot be started")
        }
        return path
    }

    private static func value(_ name: String) -> String? {
        Environment.get(name).flatMap { $0.isEmpty ? nil : $0 }
    }
}
