// Writes tar archives (ustar, with PAX records for long names and big sizes) for
// `save`, `cp` to standard output and `export`. Output goes straight to a file descriptor.
package import BerthSystem

package final class TarWriter {
    private let fd: FileDescriptor
    private let path: String
    private let mtime: Int64

    package init(fd: FileDescriptor, path: String, mtime: Int64 = 0) {
        self.fd = fd
        self.path = path
        self.mtime = mtime
    }

    private func write(_ bytes: [UInt8]) throws {
        try ImageError.wrap { () throws in try fd.write(bytes, path: path) }
    }

    package func directory(_ name: String) throws {
        try header(name: name.hasSuffix("/") ? name : name + "/", size: 0, typeflag: UInt8(ascii: "5"), mode: 0o755)
    }

    package func file(_ name: String, _ contents: [UInt8]) throws {
        try header(name: name, size: Int64(contents.count), typeflag: UInt8(ascii: "0"), mode: 0o644)
        try write(contents)
        try pad(Int64(contents.count))
    }

    /// Adds an entry of `size` bytes whose data `stream` supplies; throws when it
    /// supplies a different amount.
    package func file(_ name: String, size: Int64, from stream: any ByteStream) throws {
        try header(name: name, size: size, typeflag: UInt8(ascii: "0"), mode: 0o644)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var written: Int64 = 0
        while true {
            let n = try chunk.withUnsafeMutableBytes { (buf) throws in try stream.read(into: buf) }
            if n == 0 { break }
            written += Int64(n)
            guard written <= size else { break }
            try chunk.withUnsafeBytes { (buf) throws in
                try ImageError.wrap { () throws in
                    try fd.write(UnsafeRawBufferPointer(rebasing: buf[0..<n]), path: path)
                }
            }
        }
        guard written == size else {
            throw ImageError.invalidArchive(reason: "\(name): expected \(size) bytes, source had \(written)", location: path)
        }
        try pad(size)
    }

    package func symlink(_ name: String, to target: String) throws {
        try header(name: name, size: 0, typeflag: UInt8(ascii: "2"), mode: 0o777, linkName: target)
    }

    /// One entry of a tree with its own owner, mode and time (`cp`, `export`);
    /// `device` is a device node's major and minor number.
    package func entry(_ name: String, typeflag: UInt8, mode: UInt32, owner: (uid: UInt32, gid: UInt32), mtime: Int64,
                       size: Int64 = 0, linkName: String = "", device: (major: UInt32, minor: UInt32)? = nil) throws {
        try header(name: name, size: size, typeflag: typeflag, mode: mode, linkName: linkName,
                   owner: owner, mtime: mtime, device: device)
    }

    /// Exactly `size` bytes of an entry's data from `fd`: a file a running
    /// container grows meanwhile is cut at the size its header announced, one it
    /// shrinks is padded with zeros, so the archive stays well formed.
    package func data(size: Int64, from fd: FileDescriptor, path: String) throws {
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var written: Int64 = 0
        while written < size {
            let want = Int(min(Int64(chunk.count), size - written))
            var n = try chunk.withUnsafeMutableBytes { (buf) throws in
                try ImageError.wrap { () throws in try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: buf[0..<want]), path: path) }
            }
            if n == 0 {
                n = want
                for i in 0..<n { chunk[i] = 0 }
            }
            try chunk.withUnsafeBytes { (buf) throws in
                try ImageError.wrap { () throws in try self.fd.write(UnsafeRawBufferPointer(rebasing: buf[0..<n]), path: self.path) }
            }
            written += Int64(n)
        }
        try pad(size)
    }

    /// The two zero blocks that end an archive.
    package func finish() throws {
        try write([UInt8](repeating: 0, count: 1024))
    }

    private func pad(_ size: Int64) throws {
        let extra = Int((512 - size % 512) % 512)
        if extra > 0 { try write([UInt8](repeating: 0, count: extra)) }
    }

    private func header(name: String, size: Int64, typeflag: UInt8, mode: UInt32, linkName: String = "",
                        owner: (uid: UInt32, gid: UInt32) = (0, 0), mtime: Int64? = nil,
                        device: (major: UInt32, minor: UInt32)? = nil) throws {
        var pax: [(String, String)] = []
        if name.utf8.count > 100 { pax.append(("path", name)) }
        if linkName.utf8.count > 100 { pax.append(("linkpath", linkName)) }
        if size > 0o77777777777 { pax.append(("size", String(size))) }
        if !pax.isEmpty {
            var data: [UInt8] = []
            for (key, value) in pax { data += TarWriter.paxRecord(key, value) }
            try write(block(name: "PaxHeaders/" + String(name.suffix(80)), size: Int64(data.count), typeflag: UInt8(ascii: "x"), mode: 0o644, linkName: ""))
            try write(data)
            try pad(Int64(data.count))
        }
        try write(block(name: name, size: size > 0o77777777777 ? 0 : size, typeflag: typeflag, mode: mode, linkName: linkName,
                        owner: owner, mtime: mtime ?? self.mtime, device: device))
    }

    static func paxRecord(_ key: String, _ value: String) -> [UInt8] {
        let body = " \(key)=\(value)\n"
        var length = body.utf8.count + 1
        while String(length).utf8.count + body.utf8.count > length { length += 1 }
        return Array((String(length) + body).utf8)
    }

    private func block(name: String, size: Int64, typeflag: UInt8, mode: UInt32, linkName: String,
                       owner: (uid: UInt32, gid: UInt32) = (0, 0), mtime: Int64? = nil,
                       device: (major: UInt32, minor: UInt32)? = nil) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, width: Int) {
            for (i, byte) in text.utf8.prefix(width).enumerated() { b[offset + i] = byte }
        }
        func octal(_ value: Int64, at offset: Int, width: Int) {
            put(String(value, radix: 8).leftPadded(to: width - 1), at: offset, width: width - 1)
        }
        put(name, at: 0, width: 100)
        octal(Int64(mode), at: 100, width: 8)
        octal(Int64(owner.uid), at: 108, width: 8)
        octal(Int64(owner.gid), at: 116, width: 8)
        octal(size, at: 124, width: 12)
        octal(max(0, mtime ?? self.mtime), at: 136, width: 12)
        b[156] = typeflag
        put(linkName, at: 157, width: 100)
        put("ustar", at: 257, width: 6)
        put("00", at: 263, width: 2)
        if let device {
            octal(Int64(device.major), at: 329, width: 8)
            octal(Int64(device.minor), at: 337, width: 8)
        }
        TarEntryEncoder.sealChecksum(&b)
        return b
    }
}
