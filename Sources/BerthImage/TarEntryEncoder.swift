// Encodes one TarEntry as the header blocks of a PAX archive (what layer tars
// are: ustar headers, with a PAX record in front when a name, link target, size,
// owner or sub-second mtime does not fit ustar, and for xattrs as SCHILY.xattr.*).
// Pure: the same entry always gives the same bytes, which reproducible layers need.
import BerthSystem

package enum TarEntryEncoder {
    /// The header blocks for `entry` (its data, padded, follows them).
    /// `exactMtime`: whether a sub-second mtime is kept (a PAX `mtime` record).
    package static func headers(for entry: TarEntry, exactMtime: Bool) -> [UInt8] {
        var pax: [(String, [UInt8])] = []
        let (name, prefix) = split(entry.path)
        if name == nil { pax.append(("path", Array(entry.path.utf8))) }
        if entry.linkTarget.utf8.count > 100 { pax.append(("linkpath", Array(entry.linkTarget.utf8))) }
        let size = entry.kind == .regular ? entry.size : 0
        if size > maxOctal(12) { pax.append(("size", Array(String(size).utf8))) }
        if Int64(entry.uid) > maxOctal(8) { pax.append(("uid", Array(String(entry.uid).utf8))) }
        if Int64(entry.gid) > maxOctal(8) { pax.append(("gid", Array(String(entry.gid).utf8))) }
        if exactMtime && entry.mtimeNanoseconds != 0 {
            pax.append(("mtime", Array("\(entry.mtime).\(String(entry.mtimeNanoseconds).leftPadded(to: 9))".utf8)))
        }
        // Sorted, so the bytes depend on the entry alone.
        for (key, value) in entry.xattrs.sorted(by: { $0.name < $1.name }) { pax.append(("SCHILY.xattr." + key, value)) }

        var out: [UInt8] = []
        if !pax.isEmpty {
            var data: [UInt8] = []
            for (key, value) in pax { data += record(key, value) }
            var header = TarEntry(path: "", kind: .regular)
            header.mode = 0o644
            header.mtime = entry.mtime
            out += block(header, name: paxName(entry.path), prefix: "", size: Int64(data.count), typeflag: UInt8(ascii: "x"))
            out += data
            out += [UInt8](repeating: 0, count: Int((512 - Int64(data.count) % 512) % 512))
        }
        out += block(entry, name: name ?? String(decoding: entry.path.utf8.prefix(100), as: UTF8.self), prefix: prefix,
                     size: size > maxOctal(12) ? 0 : size, typeflag: typeflag(entry.kind))
        return out
    }

    /// The zeros that pad `size` bytes of data to a whole block.
    package static func padding(_ size: Int64) -> Int { Int((512 - size % 512) % 512) }

    /// ustar's name/prefix split, or nil when the path needs a PAX record.
    static func split(_ path: String) -> (name: String?, prefix: String) {
        let bytes = Array(path.utf8)
        if bytes.count <= 100 { return (path, "") }
        // The prefix ends at a slash; the name after it must fit in 100 bytes.
        var index = bytes.count - 1
        while index > 0 {
            if bytes[index] == UInt8(ascii: "/") && index <= 155 && bytes.count - index - 1 <= 100 && bytes.count - index - 1 > 0 {
                return (String(decoding: bytes[(index + 1)...], as: UTF8.self), String(decoding: bytes[..<index], as: UTF8.self))
            }
            index -= 1
        }
        return (nil, "")
    }

    private static func paxName(_ path: String) -> String {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        let base = trimmed.split(separator: "/").last.map(String.init) ?? trimmed
        return "PaxHeaders.0/" + String(decoding: base.utf8.prefix(80), as: UTF8.self)
    }

    static func record(_ key: String, _ value: [UInt8]) -> [UInt8] {
        let bodyCount = 1 + key.utf8.count + 1 + value.count + 1 // " key=value\n"
        var length = bodyCount + 1
        while String(length).utf8.count + bodyCount > length { length += 1 }
        return Array(String(length).utf8) + [UInt8(ascii: " ")] + Array(key.utf8) + [UInt8(ascii: "=")] + value + [10]
    }

    private static func maxOctal(_ width: Int) -> Int64 { (Int64(1) << (3 * (width - 1))) - 1 }

    static func typeflag(_ kind: TarEntry.Kind) -> UInt8 {
        switch kind {
        case .regular: UInt8(ascii: "0")
        case .hardlink: UInt8(ascii: "1")
        case .symlink: UInt8(ascii: "2")
        case .characterDevice: UInt8(ascii: "3")
        case .blockDevice: UInt8(ascii: "4")
        case .directory: UInt8(ascii: "5")
        case .fifo: UInt8(ascii: "6")
        }
    }

    private static func block(_ entry: TarEntry, name: String, prefix: String, size: Int64, typeflag: UInt8) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, width: Int) {
            for (i, byte) in text.utf8.prefix(width).enumerated() { b[offset + i] = byte }
        }
        func octal(_ value: Int64, at offset: Int, width: Int) {
            let clamped = min(max(value, 0), maxOctal(width))
            put(String(clamped, radix: 8).leftPadded(to: width - 1), at: offset, width: width - 1)
        }
        put(name, at: 0, width: 100)
        octal(Int64(entry.mode & 0o7777), at: 100, width: 8)
        octal(Int64(entry.uid), at: 108, width: 8)
        octal(Int64(entry.gid), at: 116, width: 8)
        octal(size, at: 124, width: 12)
        octal(entry.mtime, at: 136, width: 12)
        b[156] = typeflag
        put(entry.linkTarget, at: 157, width: 100)
        put("ustar", at: 257, width: 6)
        put("00", at: 263, width: 2)
        if entry.kind == .characterDevice || entry.kind == .blockDevice {
            octal(Int64(entry.devMajor), at: 329, width: 8)
            octal(Int64(entry.devMinor), at: 337, width: 8)
        }
        put(prefix, at: 345, width: 155)
        sealChecksum(&b)
        return b
    }

    /// Fills in a header block's checksum: the byte sum with the field taken as
    /// spaces, six octal digits, NUL, space.
    static func sealChecksum(_ b: inout [UInt8]) {
        for i in 148..<156 { b[i] = UInt8(ascii: " ") }
        let digits = Array(String(b.reduce(0) { $0 + Int64($1) }, radix: 8).leftPadded(to: 6).utf8.suffix(6))
        for (i, digit) in digits.enumerated() { b[148 + i] = digit }
        b[154] = 0
        b[155] = UInt8(ascii: " ")
    }
}
