// The values of run/create flags the CLI turns into numbers (podman's syntax).
@testable import BerthCLI
import Testing

@Suite struct ContainerFlagsTests {
    @Test func shm_sizes_use_podmans_binary_units() throws {
        let sizes: [(String, UInt64)] = [
            ("64m", 64 << 20), ("1048576", 1 << 20), ("1b", 1), ("2k", 2048), ("2KB", 2048), ("3MiB", 3 << 20),
            ("1g", 1 << 30), ("1 g", 1 << 30), ("1.5k", 1536), ("2t", 2 << 40),
        ]
        for (text, bytes) in sizes { #expect(try ContainerFlags.sizeInBytes(text) == bytes, "\(text)") }
        for text in ["", "m", "1x", "-1m", "1..5k", "1e3", "k1", "99999999999p"] {
            #expect(throws: CLIError.self, "\(text)") { try ContainerFlags.sizeInBytes(text) }
        }
    }
}
