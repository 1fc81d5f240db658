// An index of a tar file's members (name → byte range) built by reading only the
// headers, so `load` can read manifest.json first and then each layer in place
// with pread, whatever order the archive writer chose.
import BerthSystem
import Glibc

package struct TarIndex {
    package struct Member {
        package var offset: Int64
        package var size: Int64
        package var linkTarget: String?
    }

    package let path: String
    private var members: [String: Member] = [:]

    package init(path: String) throws {
        self.path = path
        let fd = try ImageError.wrap { () throws in try FileDescriptor.open(path, O_RDONLY) }
        let fileSize = try ImageError.wrap { () throws in Int64(try fd.status(path: path).st_size) }
        var offset: Int64 = 0
        var longName: String?
        var paxPath: String?
        var block = [UInt8](repeating: 0, count: 512)
        while offset + 512 <= fileSize {
            let n = block.withUnsafeMutableBytes { pread(fd.raw, $0.baseAddress, 512, Int(offset)) }
            guard n == 512 else { throw ImageError.malformedTar(reason: "short read at offset \(offset)", location: path) }
            if block.allSatisfy({ $0 == 0 }) { return }
            let header = try TarHeader(block: block, location: path)
            let dataOffset = offset + 512
            guard dataOffset + header.size <= fileSize else {
                throw ImageError.malformedTar(reason: "member \"\(header.name)\" extends past the end of the file", location: path)
            }
            offset = dataOffset + (header.size + 511) / 512 * 512
            switch header.typeflag {
            case UInt8(ascii: "L"), UInt8(ascii: "x"):
                guard header.size <= TarReader.maxMetaSize else { throw ImageError.malformedTar(reason: "oversized header record", location: path) }
                var data = [UInt8](repeating: 0, count: Int(header.size))
                _ = data.withUnsafeMutableBytes { pread(fd.raw, $0.baseAddress, Int(header.size), Int(dataOffset)) }
                if header.typeflag == UInt8(ascii: "L") {
                    longName = TarHeader.cString(data[...])
                } else {
                    for (key, value) in try TarReader.parsePax(data, location: path) where key == "path" {
                        paxPath = String(decoding: value, as: UTF8.self)
                    }
                }
            case UInt8(ascii: "g"):
                continue
            default:
                let name = TarIndex.clean(paxPath ?? longName ?? header.name)
                longName = nil; paxPath = nil
                let isLink = header.typeflag == UInt8(ascii: "2") || header.typeflag == UInt8(ascii: "1")
                members[name] = Member(offset: dataOffset, size: isLink ? 0 : header.size,
                                       linkTarget: isLink ? header.linkName : nil)
            }
        }
    }

    static func clean(_ name: String) -> String {
        name.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }

    /// The member named `name`, following symlinks and hardlinks inside the archive.
    package func member(_ name: String) -> Member? {
        var current = TarIndex.clean(name)
        for _ in 0..<16 {
            guard let member = members[current] else { return nil }
            guard let target = member.linkTarget else { return member }
            if target.hasPrefix("/") {
                current = TarIndex.clean(target)
            } else if members[TarIndex.clean(target)] != nil, !target.hasPrefix("..") {
                current = TarIndex.clean(target) // hardlinks name archive-root paths
            } else {
                let dir = current.split(separator: "/").dropLast().joined(separator: "/")
                current = TarIndex.resolve(dir.isEmpty ? target : dir + "/" + target)
            }
        }
        return nil
    }

    private static func resolve(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }

    package func contains(_ name: String) -> Bool { member(name) != nil }

    package func read(_ name: String, limit: Int = 16 << 20) throws -> [UInt8] {
        guard let member = member(name) else { throw ImageError.invalidArchive(reason: "missing \(name)", location: path) }
        return try stream(member).readAll(limit: limit, what: "\(path): \(name)")
    }

    package func stream(_ member: Member) throws -> any ByteStream {
        try FileStream(path: path, offset: member.offset, length: member.size)
    }
}
