// Builds tar archives byte by byte for test fixtures.
//
// Deliberately independent of berth's own tar code (BerthImage): a fixture
// written by the code under test would hide the very bugs the tests look for.
// Output is POSIX ustar; anything ustar cannot hold (names or link targets over
// 100 bytes, huge ids) goes into a PAX 'x' header in front of the entry.

/// Every field of one ustar header, settable to anything (including lies) for
/// malicious fixtures. Numeric fields are written as octal, or base-256 when
/// they do not fit (GNU's extension), so negative or huge values are possible.
public struct TarHeaderFields: Sendable {
    public var name: String
    public var mode: Int
    public var uid: Int
    public var gid: Int
    /// What the header claims; `raw(header:data:)` writes the data it is given
    /// regardless, so this can lie.
    public var size: Int
    public var mtime: Int
    /// ASCII type flag: "0" file, "1" hardlink, "2" symlink, "3" char device,
    /// "4" block device, "5" directory, "6" fifo, "x" PAX, "g" global PAX, ...
    public var typeflag: UInt8
    public var linkname: String
    public var magic: String
    public var version: String
    public var uname: String
    public var gname: String
    public var devmajor: Int
    public var devminor: Int
    public var prefix: String
    /// nil: the correct checksum. Set it to write a wrong one.
    public var checksum: Int?

    public init(
        name: String, mode: Int = 0o644, uid: Int = 0, gid: Int = 0, size: Int = 0,
        mtime: Int = 1_700_000_000, typeflag: UInt8 = UInt8(ascii: "0"), linkname: String = "",
        magic: String = "ustar\0", version: String = "00", uname: String = "", gname: String = "",
        devmajor: Int = 0, devminor: Int = 0, prefix: String = "", checksum: Int? = nil
    ) {
        self.name = name
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.size = size
        self.mtime = mtime
        self.typeflag = typeflag
        self.linkname = linkname
        self.magic = magic
        self.version = version
        self.uname = uname
        self.gname = gname
        self.devmajor = devmajor
        self.devminor = devminor
        self.prefix = prefix
        self.checksum = checksum
    }

    /// The 512-byte header block.
    public func block() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 512)
        func put(_ s: String, _ off: Int, _ len: Int) {
            for (i, c) in Array(s.utf8).prefix(len).enumerated() { b[off + i] = c }
        }
        func num(_ v: Int, _ off: Int, _ len: Int) {
            let octal = String(v, radix: 8)
            if v >= 0 && octal.utf8.count <= len - 1 {
                // Zero-padded octal digits and a NUL, like GNU and Go write them.
                put(String(repeating: "0", count: len - 1 - octal.utf8.count) + octal, off, len - 1)
            } else {
                // Base-256: high bit set in the first byte, big-endian two's complement.
                var x = Int64(v)
                for i in stride(from: len - 1, through: 0, by: -1) {
                    b[off + i] = UInt8(truncatingIfNeeded: x)
                    x >>= 8
                }
                b[off] = (b[off] & 0x7f) | 0x80
            }
        }
        put(name, 0, 100)
        num(mode, 100, 8)
        num(uid, 108, 8)
        num(gid, 116, 8)
        num(size, 124, 12)
        num(mtime, 136, 12)
        b[156] = typeflag
        put(linkname, 157, 100)
        put(magic, 257, 6)
        put(version, 263, 2)
        put(uname, 265, 32)
        put(gname, 297, 32)
        num(devmajor, 329, 8)
        num(devminor, 337, 8)
        put(prefix, 345, 155)
        // The checksum is computed with its own field read as eight spaces.
        for i in 148..<156 { b[i] = UInt8(ascii: " ") }
        let sum = checksum ?? b.reduce(0) { $0 + Int($1) }
        let digits = String(sum, radix: 8)
        let field = String(repeating: "0", count: max(0, 6 - digits.utf8.count)) + digits
        for (i, c) in Array(field.utf8).prefix(6).enumerated() { b[148 + i] = c }
        b[154] = 0
        b[155] = UInt8(ascii: " ")
        return b
    }
}

public struct TarBuilder: Sendable {
    private var body: [UInt8] = []
    private var pendingPax: [String: String] = [:]

    public init() {}

    // MARK: entries

    public mutating func directory(_ path: String, mode: Int = 0o755, uid: Int = 0, gid: Int = 0, mtime: Int = 1_700_000_000) {
        let name = path.hasSuffix("/") ? path : path + "/"
        entry(TarHeaderFields(name: name, mode: mode, uid: uid, gid: gid, mtime: mtime, typeflag: UInt8(ascii: "5")), data: [])
    }

    public mutating func file(_ path: String, _ contents: [UInt8], mode: Int = 0o644, uid: Int = 0, gid: Int = 0, mtime: Int = 1_700_000_000) {
        entry(TarHeaderFields(name: path, mode: mode, uid: uid, gid: gid, size: contents.count, mtime: mtime), data: contents)
    }

    public mutating func file(_ path: String, _ contents: String, mode: Int = 0o644, uid: Int = 0, gid: Int = 0, mtime: Int = 1_700_000_000) {
        file(path, Array(contents.utf8), mode: mode, uid: uid, gid: gid, mtime: mtime)
    }

    public mutating func symlink(_ path: String, to target: String, uid: Int = 0, gid: Int = 0, mtime: Int = 1_700_000_000) {
        entry(TarHeaderFields(name: path, mode: 0o777, uid: uid, gid: gid, mtime: mtime, typeflag: UInt8(ascii: "2"), linkname: target), data: [])
    }

    public mutating func hardlink(_ path: String, to target: String, uid: Int = 0, gid: Int = 0, mtime: Int = 1_700_000_000) {
        entry(TarHeaderFields(name: path, mode: 0o644, uid: uid, gid: gid, mtime: mtime, typeflag: UInt8(ascii: "1"), linkname: target), data: [])
    }

    /// A character ("3") or block ("4") device node, or a fifo ("6").
    public mutating func node(_ path: String, type: Character, major: Int = 0, minor: Int = 0, mode: Int = 0o666) {
        entry(TarHeaderFields(name: path, mode: mode, typeflag: type.asciiValue ?? UInt8(ascii: "3"), devmajor: major, devminor: minor), data: [])
    }

    /// An OCI whiteout deleting `path` from lower layers: empty file `dir/.wh.name`.
    public mutating func whiteout(_ path: String) {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        if let slash = trimmed.lastIndex(of: "/") {
            let dir = trimmed[..<slash]
            let base = trimmed[trimmed.index(after: slash)...]
            file("\(dir)/.wh.\(base)", [UInt8]())
        } else {
            file(".wh.\(trimmed)", [UInt8]())
        }
    }

    /// An OCI opaque marker: hides everything lower layers have under `dir`.
    public mutating func opaque(_ dir: String) {
        let d = dir.hasSuffix("/") ? String(dir.dropLast()) : dir
        file(d.isEmpty ? ".wh..wh..opq" : "\(d)/.wh..wh..opq", [UInt8]())
    }

    /// PAX records (e.g. "SCHILY.xattr.user.foo", "path", "linkpath", "mtime")
    /// for the next entry; they override what the builder would write itself,
    /// so a harmless ustar name can carry an escaping PAX path.
    public mutating func pax(_ records: [String: String]) {
        pendingPax.merge(records) { _, new in new }
    }

    /// `pax(records)` followed by a regular file at `path`.
    public mutating func pax(_ path: String, records: [String: String], contents: [UInt8] = [], mode: Int = 0o644) {
        pax(records)
        file(path, contents, mode: mode)
    }

    /// One header exactly as given, followed by `data` padded to 512 bytes. No PAX
    /// header is added and the header's size is not checked against `data`.
    public mutating func raw(header: TarHeaderFields, data: [UInt8]) {
        body += header.block()
        appendPadded(data)
    }

    /// Arbitrary bytes, unpadded (garbage, truncation tests).
    public mutating func rawBytes(_ bytes: [UInt8]) {
        body += bytes
    }

    // MARK: output

    /// The archive. `terminated: false` leaves out the two zero blocks that end it.
    public func bytes(terminated: Bool = true) -> [UInt8] {
        terminated ? body + [UInt8](repeating: 0, count: 1024) : body
    }

    public func write(to path: String, terminated: Bool = true) throws {
        try writeBytes(bytes(terminated: terminated), to: path)
    }

    // MARK: internals

    /// Writes `header` with `data`, preceded by a PAX header when needed.
    private mutating func entry(_ header: TarHeaderFields, data: [UInt8]) {
        var h = header
        var records = [String: String]()
        if h.name.utf8.count > 100 {
            records["path"] = h.name
            h.name = String(decoding: Array(h.name.utf8).prefix(100), as: UTF8.self)
        }
        if h.linkname.utf8.count > 100 {
            records["linkpath"] = h.linkname
            h.linkname = String(decoding: Array(h.linkname.utf8).prefix(100), as: UTF8.self)
        }
        let maxID = 0o7777777
        if h.uid > maxID || h.uid < 0 { records["uid"] = String(h.uid); h.uid = 0 }
        if h.gid > maxID || h.gid < 0 { records["gid"] = String(h.gid); h.gid = 0 }
        records.merge(pendingPax) { _, explicit in explicit }
        pendingPax = [:]
        if !records.isEmpty {
            let paxData = Self.encodePax(records)
            let paxName = "PaxHeaders/" + String(decoding: Array(h.name.utf8).suffix(80), as: UTF8.self)
            body += TarHeaderFields(name: paxName, size: paxData.count, mtime: h.mtime, typeflag: UInt8(ascii: "x")).block()
            appendPadded(paxData)
        }
        body += h.block()
        appendPadded(data)
    }

    private mutating func appendPadded(_ data: [UInt8]) {
        body += data
        let rem = data.count % 512
        if rem != 0 { body += [UInt8](repeating: 0, count: 512 - rem) }
    }

    /// PAX records: "LEN key=value\n", where LEN counts the whole record, itself included.
    static func encodePax(_ records: [String: String]) -> [UInt8] {
        var out = [UInt8]()
        for key in records.keys.sorted() {
            let rest = " \(key)=\(records[key]!)\n".utf8.count
            var len = rest + 1
            while String(len).utf8.count + rest != len { len = String(len).utf8.count + rest }
            out += Array("\(len) \(key)=\(records[key]!)\n".utf8)
        }
        return out
    }
}
