// A streaming tar reader (ustar, GNU long names, PAX) that validates every header:
// checksums, number fields, sizes of meta records. It never touches the filesystem.
package final class TarReader {
    private let source: any ByteStream
    private let location: String
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    private var start = 0
    private var end = 0
    private var remaining: Int64 = 0
    private var padding: Int64 = 0
    private var globalPax: [String: [UInt8]] = [:]

    /// Meta records (PAX, GNU long names) larger than this are refused: a real
    /// one is a few hundred bytes, and a huge one is an attempt to exhaust memory.
    static let maxMetaSize: Int64 = 1 << 20

    package init(_ source: any ByteStream, location: String) {
        self.source = source
        self.location = location
    }

    private func fail(_ reason: String) -> ImageError { ImageError.malformedTar(reason: reason, location: location) }

    /// Refills the internal buffer; returns false at the end of the source.
    private func refill() throws -> Bool {
        if start > 0 && start == end { start = 0; end = 0 }
        if start > buffer.count / 2 {
            buffer.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: $0.baseAddress! + start, byteCount: end - start) }
            end -= start; start = 0
        }
        let n = try buffer.withUnsafeMutableBytes { (buf) throws in
            try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buf[end...]))
        }
        end += n
        return n > 0
    }

    private func readBlock() throws -> [UInt8]? {
        while end - start < 512 {
            if try !refill() {
                if end == start { return nil }
                throw fail("truncated header (archive ends inside a 512-byte block)")
            }
        }
        let block = Array(buffer[start..<start + 512])
        start += 512
        return block
    }

    private func skip(_ count: Int64) throws {
        var left = count
        while left > 0 {
            if start == end, try !refill() { throw fail("unexpected end of archive inside an entry") }
            let n = min(Int64(end - start), left)
            start += Int(n)
            left -= n
        }
    }

    /// Reads the current entry's data; 0 at its end.
    package func readData(into out: UnsafeMutableRawBufferPointer) throws -> Int {
        if remaining == 0 { return 0 }
        if start == end, try !refill() { throw fail("unexpected end of archive inside an entry") }
        let n = min(out.count, end - start, Int(clamping: remaining))
        buffer.withUnsafeBytes { out.baseAddress!.copyMemory(from: $0.baseAddress! + start, byteCount: n) }
        start += n
        remaining -= Int64(n)
        return n
    }

    private func readMeta(size: Int64, what: String) throws -> [UInt8] {
        guard size <= TarReader.maxMetaSize else { throw fail("\(what) record of \(size) bytes is too large") }
        var data = [UInt8](repeating: 0, count: Int(size))
        var done = 0
        while done < data.count {
            let n = try data.withUnsafeMutableBytes { (buf) throws in
                try readData(into: UnsafeMutableRawBufferPointer(rebasing: buf[done...]))
            }
            done += n
        }
        try skip(padding)
        padding = 0
        return data
    }

    /// Advances to the next entry, skipping unread data; nil at the end of the archive.
    package func next() throws -> TarEntry? {
        try skip(remaining + padding)
        remaining = 0; padding = 0
        var pax: [String: [UInt8]] = globalPax
        var longName: String?
        var longLink: String?
        while true {
            guard let block = try readBlock() else { return nil }
            if block.allSatisfy({ $0 == 0 }) { return nil }
            let header = try TarHeader(block: block, location: location)
            remaining = header.size
            padding = (512 - header.size % 512) % 512
            switch header.typeflag {
            case UInt8(ascii: "x"):
                for (key, value) in try parsePax(readMeta(size: header.size, what: "PAX")) { pax[key] = value }
            case UInt8(ascii: "g"):
                for (key, value) in try parsePax(readMeta(size: header.size, what: "PAX global")) {
                    globalPax[key] = value
                    pax[key] = value
                }
            case UInt8(ascii: "L"):
                longName = TarHeader.cString(try readMeta(size: header.size, what: "GNU long name")[...])
            case UInt8(ascii: "K"):
                longLink = TarHeader.cString(try readMeta(size: header.size, what: "GNU long link")[...])
            default:
                var entry = try header.entry()
                if let longName { entry.path = longName }
                if let longLink { entry.linkTarget = longLink }
                try apply(pax, to: &entry)
                remaining = entry.size
                padding = (512 - entry.size % 512) % 512
                if entry.kind != .regular {
                    // Links and devices carry no data, but a writer may still
                    // have stored some: step over it.
                    try skip(remaining + padding)
                    remaining = 0; padding = 0; entry.size = 0
                }
                return entry
            }
        }
    }

    private func parsePax(_ data: [UInt8]) throws -> [(String, [UInt8])] {
        try TarReader.parsePax(data, location: location)
    }

    static func parsePax(_ data: [UInt8], location: String) throws -> [(String, [UInt8])] {
        func fail(_ reason: String) -> ImageError { ImageError.malformedTar(reason: reason, location: location) }
        // Each record: "<length> <key>=<value>\n", length counting the whole record.
        var records: [(String, [UInt8])] = []
        var index = 0
        while index < data.count {
            guard let space = data[index...].firstIndex(of: UInt8(ascii: " ")),
                  let length = Int(String(decoding: data[index..<space], as: UTF8.self)),
                  length > 0, index + length <= data.count, data[index + length - 1] == UInt8(ascii: "\n"),
                  let equals = data[(space + 1)..<(index + length)].firstIndex(of: UInt8(ascii: "=")) else {
                throw fail("malformed PAX record")
            }
            let key = String(decoding: data[(space + 1)..<equals], as: UTF8.self)
            records.append((key, Array(data[(equals + 1)..<(index + length - 1)])))
            index += length
        }
        return records
    }

    private func apply(_ pax: [String: [UInt8]], to entry: inout TarEntry) throws {
        for (key, value) in pax {
            let text = String(decoding: value, as: UTF8.self)
            switch key {
            case "path": entry.path = text
            case "linkpath": entry.linkTarget = text
            case "size":
                guard let size = Int64(text), size >= 0 else { throw fail("bad PAX size \"\(text)\"") }
                entry.size = size
            case "uid": entry.uid = try paxID(text, key)
            case "gid": entry.gid = try paxID(text, key)
            case "mtime":
                let parts = text.split(separator: ".", maxSplits: 1)
                guard let seconds = Int64(parts.first ?? "") else { throw fail("bad PAX mtime \"\(text)\"") }
                entry.mtime = seconds
                if parts.count == 2 {
                    var digits = String(parts[1].prefix(9))
                    while digits.count < 9 { digits += "0" }
                    entry.mtimeNanoseconds = Int64(digits) ?? 0
                }
            default:
                if key.hasPrefix("SCHILY.xattr.") {
                    entry.xattrs.append((String(key.dropFirst(13)), value))
                }
            }
        }
    }

    private func paxID(_ text: String, _ key: String) throws -> UInt32 {
        guard let id = UInt32(text) else { throw fail("bad PAX \(key) \"\(text)\"") }
        return id
    }
}
