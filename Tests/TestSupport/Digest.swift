// SHA-256 for fixtures and for checking what berth stores, through OpenSSL's
// EVP interface (CTLS), the same library the product links (design.md §7).
import CTLS
import Glibc

/// Lower-case hex SHA-256 of `bytes`.
public func sha256Hex(_ bytes: [UInt8]) -> String {
    let ctx = SHA256Context()
    ctx.update(bytes, count: bytes.count)
    return ctx.finalHex()
}

/// "sha256:<hex>" of `bytes`, as OCI descriptors spell digests.
public func sha256Digest(_ bytes: [UInt8]) -> String {
    "sha256:" + sha256Hex(bytes)
}

/// Lower-case hex SHA-256 of a file's contents.
public func sha256Hex(fileAt path: String) throws -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw TestSupportError("open \(path): errno \(errno)") }
    defer { close(fd) }
    let ctx = SHA256Context()
    var buf = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw TestSupportError("read \(path): errno \(errno)")
        }
        if n == 0 { break }
        ctx.update(buf, count: n)
    }
    return ctx.finalHex()
}

/// Owns one EVP_MD_CTX for the length of a digest computation.
private final class SHA256Context {
    private let ctx: OpaquePointer

    init() {
        guard let c = EVP_MD_CTX_new(), EVP_DigestInit_ex(c, EVP_sha256(), nil) == 1 else {
            fatalError("TestSupport: OpenSSL SHA-256 init failed")
        }
        ctx = c
    }

    deinit { EVP_MD_CTX_free(ctx) }

    func update(_ bytes: [UInt8], count: Int) {
        bytes.withUnsafeBytes { _ = EVP_DigestUpdate(ctx, $0.baseAddress, count) }
    }

    func finalHex() -> String {
        var md = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var len: UInt32 = 0
        EVP_DigestFinal_ex(ctx, &md, &len)
        let hex: [Character] = Array("0123456789abcdef")
        var s = ""
        s.reserveCapacity(Int(len) * 2)
        for b in md.prefix(Int(len)) {
            s.append(hex[Int(b >> 4)])
            s.append(hex[Int(b & 0xf)])
        }
        return s
    }
}
