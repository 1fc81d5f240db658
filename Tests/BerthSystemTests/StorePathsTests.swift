// StorePaths: where root and rootless berth keep their store by default.
import BerthSystem
import Glibc
import Testing

@Suite struct StorePathsTests {
    @Test func defaults_follow_who_runs_berth() {
        let paths = StorePaths.defaults()
        if geteuid() == 0 && UserNamespace.isInitial {
            #expect(paths.root == "/var/lib/berth" && paths.runroot == "/run/berth", "\(paths)")
            #expect(paths.runrootSource == "default for root")
            #expect(!StorePaths.isRootless)
        } else {
            #expect(paths.root.hasSuffix("/berth") && paths.runroot.hasSuffix("/berth"), "\(paths)")
            #expect(StorePaths.isRootless)
        }
    }

    @Test func the_runtime_directory_is_never_one_another_user_made() throws {
        // An unused uid: /run/user/UID does not exist, and /tmp/berth-runtime-UID is
        // planted by this process (not that user), as an attacker would.
        let uid: UInt32 = 4_000_000_000 - UInt32(getpid() % 1000)
        let planted = "/tmp/berth-runtime-\(uid)"
        #expect(mkdir(planted, 0o777) == 0 || errno == EEXIST)
        defer { rmdir(planted) }
        let (dir, source) = StorePaths.runtimeDirectory(uid: uid)
        if let exported = getenv("XDG_RUNTIME_DIR").map({ String(cString: $0) }), !exported.isEmpty {
            #expect(dir == exported, "XDG_RUNTIME_DIR wins: \(source)")
        } else {
            #expect(dir != planted, "a /tmp directory owned by someone else is refused: \(source)")
            #expect(source.contains("not ours alone"), "\(source)")
        }
    }
}
