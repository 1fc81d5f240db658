// The entry point of berth's use cases: one per command invocation, bound to the
// store chosen by --root/--runroot (or the root/rootless defaults).
package import BerthImage
package import BerthSystem

package struct EngineOptions: Sendable {
    package var root: String?
    package var runroot: String?
    /// `--events-backend none`: this command records no events.
    package var recordsEvents = true
    /// `--network-config-dir` and `--network-cmd-path` (NetworkGlobals.swift).
    package var networkConfigDir: String?
    package var networkCommandPath: String?

    package init(root: String? = nil, runroot: String? = nil) {
        self.root = root
        self.runroot = runroot
    }
}

package final class Engine {
    package let paths: StorePaths
    package let store: ImageStore
    package let recordsEvents: Bool

    package init(options: EngineOptions) {
        var paths = StorePaths.defaults()
        if let root = options.root { paths.root = FileSystem.absolute(root) }
        if let runroot = options.runroot {
            paths.runroot = FileSystem.absolute(runroot)
            paths.runrootSource = "--runroot"
        }
        self.paths = paths
        recordsEvents = options.recordsEvents
        NetworkGlobals.apply(configDir: options.networkConfigDir, commandPath: options.networkCommandPath)
        store = ImageStore(root: paths.root, isRootless: StorePaths.isRootless)
    }

    /// Commands that create or delete files in the store run rootless inside a user
    /// namespace with the subordinate ids, so layer files get their real owners.
    package static var needsUserNamespaceForWrites: Bool {
        StorePaths.isRootless && UserNamespace.isInitial
    }
}
