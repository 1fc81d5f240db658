// AtomicFile: a record is replaced whole by rename, never rewritten in place, and
// a failed write leaves neither a torn record nor a temp file behind.
@testable import BerthSystem
import Glibc
import Testing
import TestSupport

@Suite struct AtomicFileTests {
    @Test(arguments: [true, false])
    func write_creates_the_file_with_its_mode_and_leaves_no_temp_file(durable: Bool) throws {
        let dir = try TemporaryDirectory("berth-system-test")
        let path = dir.path("record.json")
        try AtomicFile.write("{\"a\":1}", to: path, mode: 0o600, durable: durable)
        #expect(try readText(path) == "{\"a\":1}")
        #expect(try permissionBits(path) == 0o600, "the mode asked for, whatever the umask")
        #expect(try directoryEntries(dir.path) == ["record.json"])
    }

    @Test func a_reader_holding_the_old_version_keeps_reading_it_whole() throws {
        let dir = try TemporaryDirectory("berth-system-test")
        let path = dir.path("state.json")
        try AtomicFile.write("old version", to: path)
        let reader = try FileDescriptor.open(path, O_RDONLY)
        defer { reader.close() }
        try AtomicFile.write("the new, longer version", to: path)
        // Rewritten in place, the open file would now read the new bytes (or a torn mix).
        #expect(String(decoding: try reader.readAll(path: path), as: UTF8.self) == "old version")
        #expect(try readText(path) == "the new, longer version")
        #expect(try directoryEntries(dir.path) == ["state.json"])
    }

    @Test func a_failed_write_names_the_file_and_leaves_the_directory_as_it_was() throws {
        let dir = try TemporaryDirectory("berth-system-test")
        let error = try #require(throws: SystemError.self) {
            try AtomicFile.write("x", to: dir.path("missing/record.json"))
        }
        #expect(error.errno == ENOENT)
        #expect(error.description.contains(dir.path("missing/")), "\(error)")
        #expect(try directoryEntries(dir.path).isEmpty)
        // A directory where the record should be: the rename fails, the temp file goes.
        try FileSystem.makeDirectories(dir.path("busy/inner"))
        #expect(throws: SystemError.self) { try AtomicFile.write("x", to: dir.path("busy")) }
        #expect(try directoryEntries(dir.path) == ["busy"])
    }

    @Test func random_ids_are_lowercase_hex_of_the_asked_length_and_differ() {
        let a = RandomID.hex(8), b = RandomID.hex(8)
        #expect(a.count == 16 && a.allSatisfy { $0.isHexDigit && !$0.isUppercase }, "\(a)")
        #expect(a != b)
        #expect("7".leftPadded(to: 3) == "007" && "1234".leftPadded(to: 2) == "1234")
    }
}
