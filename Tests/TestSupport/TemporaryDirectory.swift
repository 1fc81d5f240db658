// The one temporary directory of the tests: made by mkdtemp under /tmp with a
// prefix saying whose it is, removed (symlinks unlinked, never followed) with
// everything in it when the value goes or `remove()` is called.
import Foundation
import Glibc

public final class TemporaryDirectory: @unchecked Sendable {
    /// The directory, /tmp/PREFIX-XXXXXX.
    public let path: String
    private let lock = NSLock()
    private var removed = false

    /// A fresh directory /tmp/PREFIX-XXXXXX (mode 0700, as mkdtemp makes it).
    public init(_ prefix: String = "berth-test-tmp") throws {
        path = try Self.make(prefix)
    }

    deinit { remove() }

    /// Makes /tmp/PREFIX-XXXXXX and returns its path, for owners that remove the
    /// directory their own way (a sandbox holding a rootless store, a registry's
    /// orphan sweep).
    public static func make(_ prefix: String) throws -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buf -> String? in
            mkdtemp(buf.baseAddress!).map { String(cString: $0) }
        }
        guard let made else { throw TestSupportError("mkdtemp /tmp/\(prefix)-XXXXXX: errno \(errno)") }
        return made
    }

    /// `relative` inside the directory.
    public func path(_ relative: String) -> String {
        path + "/" + relative
    }

    /// Writes `text` to `relative`, creating the directories on the way; returns the full path.
    @discardableResult
    public func write(_ text: String, to relative: String) throws -> String {
        let full = path(relative)
        try writeBytes(Array(text.utf8), to: full)
        return full
    }

    /// Removes the tree now; later calls (and deinit) do nothing.
    public func remove() {
        lock.lock()
        defer { lock.unlock() }
        guard !removed else { return }
        removed = true
        // removeItem unlinks a symlink rather than following it.
        try? FileManager.default.removeItem(atPath: path)
    }
}
