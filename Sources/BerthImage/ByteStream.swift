// Pull-based byte streams: a layer flows from a file through digest checks and
// decompression into the tar reader in one pass, without temporary copies.
package import BerthSystem
import Glibc

package protocol ByteStream: AnyObject {
    /// Fills up to `buffer.count` bytes; returns 0 only at the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

extension ByteStream {
    /// Reads exactly `buffer.count` bytes or throws naming `what` as truncated.
    package func readFully(into buffer: UnsafeMutableRawBufferPointer, what: String) throws -> Bool {
        var done = 0
        while done < buffer.count {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
            if n == 0 {
                if done == 0 { return false }
                throw ImageError.malformedTar(reason: "unexpected end of data", location: what)
            }
            done += n
        }
        return true
    }

    /// Reads everything up to `limit` bytes; throws when the stream is longer.
    package func readAll(limit: Int, what: String) throws -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = try chunk.withUnsafeMutableBytes { (buf) throws in try read(into: buf) }
            if n == 0 { return result }
            result.append(contentsOf: chunk[0..<n])
            if result.count > limit { throw ImageError.invalidDocument(reason: "larger than \(limit) bytes", location: what) }
        }
    }

    /// Reads and drops the rest of the stream.
    package func drain() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while try chunk.withUnsafeMutableBytes({ (buf) throws in try read(into: buf) }) > 0 {}
    }
}

/// A file, or a byte range of one (a layer inside an archive), read with pread.
package final class FileStream: ByteStream {
    private let fd: FileDescriptor
    private var offset: Int64
    private let end: Int64
    let path: String

    package init(path: String, offset: Int64 = 0, length: Int64? = nil) throws {
        let file = try ImageError.wrap { () throws in try FileDescriptor.open(path, O_RDONLY) }
        fd = file
        self.path = path
        self.offset = offset
        if let length {
            end = offset + length
        } else {
            end = try ImageError.wrap { () throws in Int64(try file.status(path: path).st_size) }
        }
        posix_fadvise(fd.raw, Int(offset), Int(end - offset), POSIX_FADV_SEQUENTIAL)
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let want = min(Int64(buffer.count), end - offset)
        if want <= 0 { return 0 }
        while true {
            let n = pread(fd.raw, buffer.baseAddress, Int(want), Int(offset))
            if n < 0 {
                if errno == EINTR { continue }
                throw ImageError.system(SystemError("read", path))
            }
            if n == 0 { throw ImageError.malformedTar(reason: "file ends \(end - offset) bytes early", location: path) }
            offset += Int64(n)
            return n
        }
    }
}

/// A stream over bytes already in memory.
package final class MemoryStream: ByteStream {
    private let bytes: [UInt8]
    private var position = 0

    package init(_ bytes: [UInt8]) { self.bytes = bytes }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - position)
        if n > 0 {
            bytes.withUnsafeBytes { src in
                buffer.baseAddress!.copyMemory(from: src.baseAddress! + position, byteCount: n)
            }
            position += n
        }
        return n
    }
}

/// Hashes and counts everything read through it; optionally copies it to a file.
package final class TeeHashStream: ByteStream {
    private let source: any ByteStream
    private let hasher = SHA256Hasher()
    private let copy: FileDescriptor?
    private let copyPath: String
    package private(set) var count: Int64 = 0

    package init(_ source: any ByteStream, copyTo: FileDescriptor? = nil, copyPath: String = "") {
        self.source = source
        self.copy = copyTo
        self.copyPath = copyPath
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try source.read(into: buffer)
        if n > 0 {
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            hasher.update(chunk)
            if let copy { try ImageError.wrap { () throws in try copy.write(chunk, path: copyPath) } }
            count += Int64(n)
        }
        return n
    }

    /// The digest of everything read so far; ends hashing.
    package func finish() -> Digest { hasher.finish() }
}
