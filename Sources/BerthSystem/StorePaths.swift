// Where berth keeps its state by default (design.md §3, §11): root and rootless
// locations, with the XDG fallbacks a machine without logind needs.
import Glibc

package struct StorePaths: Sendable {
    package var root: String
    package var runroot: String
    /// How the runroot was chosen, for `berth info`.
    package var runrootSource: String

    package static var isRootless: Bool { geteuid() != 0 || !UserNamespace.isInitial }

    package static func defaults() -> StorePaths {
        if geteuid() == 0 && UserNamespace.isInitial {
            return StorePaths(root: "/var/lib/berth", runroot: "/run/berth", runrootSource: "default for root")
        }
        let uid = getuid()
        let home = Environment.get("HOME") ?? "/tmp"
        let dataHome = Environment.get("XDG_DATA_HOME").flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.local/share"
        let (runtimeDir, source) = runtimeDirectory(uid: uid)
        return StorePaths(root: dataHome + "/berth", runroot: runtimeDir + "/berth", runrootSource: source)
    }

    /// XDG_RUNTIME_DIR, else /run/user/UID when it is ours, else a private /tmp dir:
    /// nothing creates XDG_RUNTIME_DIR on machines without logind.
    package static func runtimeDirectory(uid: UInt32) -> (String, String) {
        if let dir = Environment.get("XDG_RUNTIME_DIR"), !dir.isEmpty { return (dir, "XDG_RUNTIME_DIR") }
        var st = stat()
        let runUser = "/run/user/\(uid)"
        if stat(runUser, &st) == 0 && st.st_uid == uid { return (runUser, runUser) }
        return ("/tmp/berth-runtime-\(uid)", "fallback: no XDG_RUNTIME_DIR and no \(runUser)")
    }
}
