// The counter files a streaming `stats` keeps open between reports: each read
// again with pread at offset 0 (cgroup and /proc seq files regenerate their text
// there) into one shared buffer, and parsed from its bytes without making strings.
import BerthSystem
import Glibc

/// One counter file, open for the life of the container's watch.
final class CounterFile {
    private let fd: FileDescriptor

    init?(_ path: String) {
        guard let fd = try? FileDescriptor.open(path, O_RDONLY) else { return nil }
        self.fd = fd
    }

    /// The file's bytes now; nil when it is gone (a removed cgroup answers ENODEV).
    func read(_ buffer: inout [UInt8]) -> ArraySlice<UInt8>? {
        let count = buffer.withUnsafeMutableBytes { try? fd.read(into: $0, at: 0) }
        return count.map { buffer[0..<$0] }
    }
}

/// Number parsing over a file's bytes.
enum CounterText {
    private static let space = UInt8(ascii: " "), newline = UInt8(ascii: "\n"), zero = UInt8(ascii: "0"), nine = UInt8(ascii: "9")

    /// The decimal number at the start (leading blanks skipped); nil for "max" or nothing.
    static func number<C: Collection<UInt8>>(_ bytes: C) -> UInt64? {
        var value: UInt64 = 0, digits = 0
        for byte in bytes {
            if byte >= zero && byte <= nine {
                value = value &* 10 &+ UInt64(byte - zero)
                digits += 1
            } else if digits > 0 || (byte != space && byte != newline && byte != UInt8(ascii: "\t")) {
                break
            }
        }
        return digits > 0 ? value : nil
    }

    /// Each line's words (split on blanks), one call per line.
    static func forEachLine(_ bytes: ArraySlice<UInt8>, _ body: ([ArraySlice<UInt8>]) -> Void) {
        for line in bytes.split(separator: newline) {
            body(line.split(whereSeparator: { $0 == space || $0 == UInt8(ascii: "\t") }))
        }
    }

    /// `key value` lines (cpu.stat): the value of `key`.
    static func keyed(_ bytes: ArraySlice<UInt8>, _ key: String) -> UInt64? {
        var found: UInt64?
        let key = Array(key.utf8)
        forEachLine(bytes) { words in
            if found == nil, words.count == 2, words[0].elementsEqual(key) { found = number(words[1]) }
        }
        return found
    }

    /// blkio.throttle.io_service_bytes (`MAJ:MIN Read N`) or io.stat (`MAJ:MIN rbytes=N wbytes=N …`): bytes read, written.
    static func blockBytes(_ bytes: ArraySlice<UInt8>, v2: Bool) -> (UInt64, UInt64) {
        var read: UInt64 = 0, write: UInt64 = 0
        let rbytes = Array("rbytes=".utf8), wbytes = Array("wbytes=".utf8), readWord = Array("Read".utf8), writeWord = Array("Write".utf8)
        forEachLine(bytes) { words in
            if v2 {
                for word in words {
                    if word.starts(with: rbytes) { read &+= number(word.dropFirst(rbytes.count)) ?? 0 }
                    if word.starts(with: wbytes) { write &+= number(word.dropFirst(wbytes.count)) ?? 0 }
                }
            } else if words.count == 3 {
                if words[1].elementsEqual(readWord) { read &+= number(words[2]) ?? 0 }
                if words[1].elementsEqual(writeWord) { write &+= number(words[2]) ?? 0 }
            }
        }
        return (read, write)
    }

    /// /proc/PID/net/dev: bytes received and sent on every interface but `lo`
    /// (after "NAME:", 8 receive counters, then 8 transmit counters).
    static func networkBytes(_ bytes: ArraySlice<UInt8>) -> (UInt64, UInt64) {
        var received: UInt64 = 0, sent: UInt64 = 0
        let colon = UInt8(ascii: ":")
        for line in bytes.split(separator: newline) {
            guard let split = line.firstIndex(of: colon) else { continue }
            let name = line[..<split].filter { $0 != space }
            guard name != Array("lo".utf8) else { continue }
            let fields = line[(split + 1)...].split(separator: space)
            guard fields.count >= 9 else { continue }
            received &+= number(fields[0]) ?? 0
            sent &+= number(fields[8]) ?? 0
        }
        return (received, sent)
    }
}
