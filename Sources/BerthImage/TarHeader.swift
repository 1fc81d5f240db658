// Decoding and encoding of one 512-byte ustar header block.
package struct TarHeader {
    var name: String
    var mode: UInt32
    var uid: UInt32
    var gid: UInt32
    var size: Int64
    var mtime: Int64
    var typeflag: UInt8
    var linkName: String
    var devMajor: UInt32
    var devMinor: UInt32

    init(block: [UInt8], location: String) throws {
        func fail(_ reason: String) -> ImageError { ImageError.malformedTar(reason: reason, location: location) }
        // The checksum is the byte sum with the checksum field taken as spaces;
        // some old writers summed signed chars, so accept either.
        var unsigned: Int64 = 0
        var signed: Int64 = 0
        for (i, byte) in block.enumerated() {
            let b = (148..<156).contains(i) ? UInt8(ascii: " ") : byte
            unsigned += Int64(b)
            signed += Int64(Int8(bitPattern: b))
        }
        guard let stored = TarHeader.number(block[148..<156]), stored == unsigned || stored == signed else {
            throw fail("header checksum mismatch")
        }
        func field(_ range: Range<Int>, _ name: String) throws -> Int64 {
            guard let value = TarHeader.number(block[range]) else { throw fail("bad \(name) field in header") }
            return value
        }
        typeflag = block[156]
        let prefix = TarHeader.cString(block[345..<500])
        let base = TarHeader.cString(block[0..<100])
        let isUstar = block[257..<262].elementsEqual("ustar".utf8)
        name = isUstar && !prefix.isEmpty ? prefix + "/" + base : base
        mode = UInt32(truncatingIfNeeded: try field(100..<108, "mode") & 0o7777)
        uid = UInt32(truncatingIfNeeded: try field(108..<116, "uid"))
        gid = UInt32(truncatingIfNeeded: try field(116..<124, "gid"))
        size = try field(124..<136, "size")
        guard size >= 0 else { throw fail("negative entry size") }
        mtime = try field(136..<148, "mtime")
        linkName = TarHeader.cString(block[157..<257])
        devMajor = UInt32(truncatingIfNeeded: (try? field(329..<337, "devmajor")) ?? 0)
        devMinor = UInt32(truncatingIfNeeded: (try? field(337..<345, "devminor")) ?? 0)
    }

    func entry() throws -> TarEntry {
        let kind: TarEntry.Kind
        switch typeflag {
        case UInt8(ascii: "0"), 0, UInt8(ascii: "7"): kind = .regular
        case UInt8(ascii: "1"): kind = .hardlink
        case UInt8(ascii: "2"): kind = .symlink
        case UInt8(ascii: "3"): kind = .characterDevice
        case UInt8(ascii: "4"): kind = .blockDevice
        case UInt8(ascii: "5"): kind = .directory
        case UInt8(ascii: "6"): kind = .fifo
        default:
            throw ImageError.malformedTar(reason: "unsupported entry type '\(Character(Unicode.Scalar(typeflag)))' for \"\(name)\"", location: "tar")
        }
        var entry = TarEntry(path: name, kind: kind)
        entry.linkTarget = linkName
        entry.mode = mode
        entry.uid = uid
        entry.gid = gid
        entry.size = size
        entry.mtime = mtime
        entry.devMajor = devMajor
        entry.devMinor = devMinor
        return entry
    }

    /// Octal ASCII (NUL/space terminated) or GNU base-256 (high bit set).
    static func number(_ bytes: ArraySlice<UInt8>) -> Int64? {
        guard let first = bytes.first else { return nil }
        if first & 0x80 != 0 {
            var value: Int64 = Int64(first & 0x7f)
            for byte in bytes.dropFirst() {
                guard value < (Int64.max >> 8) else { return nil }
                value = value << 8 | Int64(byte)
            }
            return value
        }
        var value: Int64 = 0
        var seenDigit = false
        for byte in bytes {
            if byte == 0 || (byte == UInt8(ascii: " ") && seenDigit) { break }
            if byte == UInt8(ascii: " ") { continue }
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "7") else { return nil }
            guard value < (Int64.max >> 3) else { return nil }
            value = value * 8 + Int64(byte - UInt8(ascii: "0"))
            seenDigit = true
        }
        return value
    }

    static func cString(_ bytes: ArraySlice<UInt8>) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
    }
}
