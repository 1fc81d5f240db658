// The one error type of BerthSystem: a failed syscall, named with its operation
// and the object it acted on, carrying errno.
import Glibc

package struct SystemError: Error, CustomStringConvertible, Sendable {
    package let operation: String
    package let path: String
    package let errno: Int32

    package init(_ operation: String, _ path: String, errno: Int32 = Glibc.errno) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    /// The object (a file, a program) does not exist.
    package var isNotFound: Bool { errno == ENOENT }

    /// The object to be created is already there (EEXIST).
    package var isAlreadyExisting: Bool { errno == EEXIST }

    /// What errno says, in words ("No such file or directory").
    package var reason: String { Self.reason(errno) }

    /// What `errno` says, in words, for an errno reported by another process
    /// (the child path's failure record).
    package static func reason(_ errno: Int32) -> String { String(cString: strerror(errno)) }

    package var description: String {
        return path.isEmpty ? "\(operation): \(reason)" : "\(operation) \(path): \(reason)"
    }
}

/// Runs a syscall returning -1 on failure, retrying on EINTR; throws with the
/// errno captured on the very next line.
@discardableResult
package func check(_ operation: String, _ path: String, _ call: () -> Int32) throws -> Int32 {
    while true {
        let result = call()
        if result >= 0 { return result }
        let saved = Glibc.errno
        if saved == EINTR { continue }
        throw SystemError(operation, path, errno: saved)
    }
}
