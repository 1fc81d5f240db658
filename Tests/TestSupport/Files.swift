// Small file helpers shared by the fixture builders.
import Foundation

/// An error from TestSupport itself (a fixture could not be made), with the
/// operation and path in its message.
public struct TestSupportError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Writes `bytes` to `path`, creating missing parent directories.
public func writeBytes(_ bytes: [UInt8], to path: String) throws {
    let url = URL(fileURLWithPath: path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(bytes).write(to: url)
}

/// The whole contents of the file at `path`.
public func readBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// The file at `path` as UTF-8 text.
public func readText(_ path: String) throws -> String {
    String(decoding: try readBytes(path), as: UTF8.self)
}

/// The names in the directory at `path` (without "." and ".."). A directory that
/// is missing or cannot be listed is an error naming it, never an empty list: a
/// test asserting "nothing left behind" must not pass because the directory
/// itself is gone or was never where the test looks.
public func directoryEntries(_ path: String) throws -> [String] {
    do {
        return try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    } catch {
        throw TestSupportError("cannot list \(path): \(error.localizedDescription)")
    }
}

/// The permission bits (and set-id, sticky bits) of `path`, following symlinks.
public func permissionBits(_ path: String) throws -> UInt32 {
    var status = stat()
    guard stat(path, &status) == 0 else { throw TestSupportError("stat \(path): errno \(errno)") }
    return UInt32(status.st_mode) & 0o7777
}
