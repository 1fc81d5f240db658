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

    /// How this process chose the XDG_RUNTIME_DIR it exported, for `berth info`.
    nonisolated(unsafe) package static var exportedRuntimeSource: String?

    /// XDG_RUNTIME_DIR, else /run/user/UID when it is ours, else a private /tmp dir:
    /// nothing creates XDG_RUNTIME_DIR on machines without logind. The /tmp dir is
    /// used only when it is ours alone (a directory, owner us, mode 0700): another
    /// user who made it first could otherwise plant auth.json or the runroot there.
    /// Failing that, one under $HOME (podman falls back to $HOME the same way).
    package static func runtimeDirectory(uid: UInt32) -> (String, String) {
        if let dir = Environment.get("XDG_RUNTIME_DIR"), !dir.isEmpty { return (dir, exportedRuntimeSource ?? "XDG_RUNTIME_DIR") }
        var st = stat()
        let runUser = "/run/user/\(uid)"
        if stat(runUser, &st) == 0 && st.st_uid == uid { return (runUser, runUser) }
        let tmp = "/tmp/berth-runtime-\(uid)"
        _ = mkdir(tmp, 0o700)
        if lstat(tmp, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, st.st_uid == uid, st.st_mode & 0o077 == 0 {
            return (tmp, "fallback: no XDG_RUNTIME_DIR and no \(runUser)")
        }
        let home = (Environment.get("HOME") ?? "/tmp") + "/.cache/berth-runtime"
        _ = mkdir((Environment.get("HOME") ?? "/tmp") + "/.cache", 0o700)
        _ = mkdir(home, 0o700)
        return (home, "fallback: \(tmp) is not ours alone")
    }
}
