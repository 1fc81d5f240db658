// Who the tests run berth as: root, or rootless (design.md §10).
import Glibc

/// The two ways berth runs: as root, or as an ordinary user with subuid ranges.
public enum Mode: String, CaseIterable, Sendable, CustomStringConvertible {
    case root, rootless

    public var description: String { rawValue }

    /// The modes this test process can exercise. As root: `.root`, plus
    /// `.rootless` when `BERTH_TEST_USER` names an existing user (ci/setup
    /// creates `berthtest`). As anyone else: `.rootless`, running as yourself.
    public static var available: [Mode] {
        if geteuid() == 0 {
            return TestUser.configured == nil ? [.root] : [.root, .rootless]
        }
        return [.rootless]
    }
}

/// The unprivileged user named by `BERTH_TEST_USER`.
public struct TestUser: Sendable {
    public let name: String
    public let uid: UInt32
    public let gid: UInt32
    public let home: String

    /// The user `BERTH_TEST_USER` names, if set and existing.
    public static var configured: TestUser? {
        guard let p = getenv("BERTH_TEST_USER") else { return nil }
        let name = String(cString: p)
        return name.isEmpty ? nil : lookup(name)
    }

    /// The passwd entry for `name` (getpwnam_r: tests run on many threads).
    public static func lookup(_ name: String) -> TestUser? {
        var buf = [CChar](repeating: 0, count: 16384)
        // The strings in `pwd` point into `buf`: read them while it is pinned.
        return buf.withUnsafeMutableBufferPointer { b -> TestUser? in
            var pwd = passwd()
            var result: UnsafeMutablePointer<passwd>?
            guard getpwnam_r(name, &pwd, b.baseAddress!, b.count, &result) == 0, result != nil else { return nil }
            return TestUser(name: name, uid: pwd.pw_uid, gid: pwd.pw_gid, home: String(cString: pwd.pw_dir))
        }
    }
}
