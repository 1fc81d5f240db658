// Reads tar archives for the tests' judgements (what `save` wrote, what podman
// wrote): ustar, GNU long names and PAX records, base-256 numbers.
//
// Deliberately independent of berth's own tar reader (BerthImage), as TarBuilder
// is of its writer: the judge must not share the code it judges.

/// One member of an archive, its data included.
public struct TarMember: Sendable {
    /// The name without a leading "./" or "/" and without a trailing "/".
    public var path: String
    /// ASCII type flag: "0" file, "1" hardlink, "2" symlink, "3" char, "4" block, "5" dir, "6" fifo.
    public var typeflag: UInt8
    public var mode: Int
    public var uid: Int
    public var gid: Int
    public var mtime: Int
    public var linkname: String
    public var devmajor: Int
    public var devminor: Int
    /// PAX `SCHILY.xattr.*` records, by attribute name.
    public var xattrs: [String: String]
    public var data: [UInt8]
}

/// Every member of the archive `bytes`, in order. Global PAX headers are skipped;
/// a truncated archive or a bad header checksum is an error.
public func tarMembers(_ bytes: [UInt8]) throws -> [TarMember] {
    var members: [TarMember] = []
    var offset = 0
    var pax: [String: String] = [:]
    var longName: String?
    var longLink: String?
    while offset + 512 <= bytes.count {
        let header = Array(bytes[offset..<(offset + 512)])
        if header.allSatisfy({ $0 == 0 }) { return members }
        guard tarChecksumMatches(header) else {
            throw TestSupportError("tar header at offset \(offset): bad checksum")
        }
        let size = tarNumber(header[124..<136])
        let dataStart = offset + 512
        guard size >= 0, dataStart + size <= bytes.count else {
            throw TestSupportError("tar member at offset \(offset): truncated (size \(size))")
        }
        let data = Array(bytes[dataStart..<(dataStart + size)])
        offset = dataStart + (size + 511) / 512 * 512
        let typeflag = header[156]
        switch typeflag {
        case UInt8(ascii: "x"):
            pax.merge(parsePaxRecords(data)) { _, new in new }
            continue
        case UInt8(ascii: "g"):
            continue
        case UInt8(ascii: "L"):
            longName = tarString(data[...])
            continue
        case UInt8(ascii: "K"):
            longLink = tarString(data[...])
            continue
        default:
            break
        }
        var name = tarString(header[0..<100])
        let prefix = tarString(header[345..<500])
        if !prefix.isEmpty && header[257..<262].elementsEqual("ustar".utf8) { name = prefix + "/" + name }
        name = pax["path"] ?? longName ?? name
        var member = TarMember(
            path: normalizedTarPath(name), typeflag: typeflag == 0 ? UInt8(ascii: "0") : typeflag,
            mode: tarNumber(header[100..<108]) & 0o7777,
            uid: pax["uid"].flatMap { Int($0) } ?? tarNumber(header[108..<116]),
            gid: pax["gid"].flatMap { Int($0) } ?? tarNumber(header[116..<124]),
            mtime: pax["mtime"].flatMap { Int($0.split(separator: ".").first ?? "") } ?? tarNumber(header[136..<148]),
            linkname: pax["linkpath"] ?? longLink ?? tarString(header[157..<257]),
            devmajor: tarNumber(header[329..<337]), devminor: tarNumber(header[337..<345]),
            xattrs: [:], data: data)
        for (key, value) in pax where key.hasPrefix("SCHILY.xattr.") {
            member.xattrs[String(key.dropFirst("SCHILY.xattr.".count))] = value
        }
        members.append(member)
        pax = [:]
        longName = nil
        longLink = nil
    }
    throw TestSupportError("tar archive ends without its two zero blocks (\(bytes.count) bytes)")
}

/// "./a/b/" → "a/b"; "/" and "./" → "".
func normalizedTarPath(_ name: String) -> String {
    var s = Substring(name)
    while s.hasPrefix("./") { s = s.dropFirst(2) }
    while s.hasPrefix("/") { s = s.dropFirst() }
    while s.hasSuffix("/") { s = s.dropLast() }
    return s == "." ? "" : String(s)
}

private func tarString(_ field: ArraySlice<UInt8>) -> String {
    String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
}

/// Octal (spaces and NULs around it), or GNU base-256 when the high bit is set.
private func tarNumber(_ field: ArraySlice<UInt8>) -> Int {
    guard let first = field.first else { return 0 }
    if first & 0x80 != 0 {
        var value = Int(first & 0x7f)
        for b in field.dropFirst() { value = value << 8 | Int(b) }
        return value
    }
    var value = 0
    for b in field where b >= UInt8(ascii: "0") && b <= UInt8(ascii: "7") {
        value = value * 8 + Int(b - UInt8(ascii: "0"))
    }
    return value
}

private func tarChecksumMatches(_ header: [UInt8]) -> Bool {
    var sum = 0
    for (i, b) in header.enumerated() { sum += (148..<156).contains(i) ? 32 : Int(b) }
    return tarNumber(header[148..<156]) == sum
}

/// "LEN key=value\n" records.
private func parsePaxRecords(_ data: [UInt8]) -> [String: String] {
    var records: [String: String] = [:]
    var i = 0
    while i < data.count {
        guard let space = data[i...].firstIndex(of: UInt8(ascii: " ")),
              let length = Int(String(decoding: data[i..<space], as: UTF8.self)), length > 0,
              i + length <= data.count else { break }
        let record = data[(space + 1)..<(i + length - 1)]
        if let eq = record.firstIndex(of: UInt8(ascii: "=")) {
            records[String(decoding: record[..<eq], as: UTF8.self)] =
                String(decoding: record[(eq + 1)...], as: UTF8.self)
        }
        i += length
    }
    return records
}
