// gzip compression of a layer for a push: registries and Docker schema 2 expect
// compressed layers, and berth keeps layers from archives uncompressed. The output
// has no name and no timestamp in its header, so the same layer always compresses
// to the same blob and a second push finds it already there.
import BerthSystem
import CZlib
import Glibc

package enum GzipCompressor {
    /// Compresses `source` into the new file `path`; returns the blob's digest and size.
    package static func compress(_ source: any ByteStream, to path: String, level: Int32 = 6) throws -> (Digest, Int64) {
        let out = try ImageError.wrap { () throws in try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600) }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { deflateEnd(stream); stream.deallocate() }
        // 15 + 16: the largest window, gzip framing.
        guard deflateInit2_(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ImageError.decompression(reason: "cannot initialise zlib for compression", location: path)
        }
        let hasher = SHA256Hasher()
        var size: Int64 = 0
        var input = [UInt8](repeating: 0, count: 1 << 20)
        var output = [UInt8](repeating: 0, count: 1 << 20)
        var done = false
        while !done {
            let n = try input.withUnsafeMutableBytes { (raw) throws in try source.read(into: raw) }
            let flush = n == 0 ? Z_FINISH : Z_NO_FLUSH
            try input.withUnsafeMutableBytes { (inRaw) throws in
                stream.pointee.next_in = inRaw.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_in = UInt32(n)
                repeat {
                    let (rc, produced) = output.withUnsafeMutableBytes { outRaw -> (Int32, Int) in
                        stream.pointee.next_out = outRaw.baseAddress!.assumingMemoryBound(to: Bytef.self)
                        stream.pointee.avail_out = UInt32(outRaw.count)
                        let rc = deflate(stream, flush)
                        return (rc, outRaw.count - Int(stream.pointee.avail_out))
                    }
                    guard rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR else {
                        throw ImageError.decompression(reason: "zlib deflate failed (\(rc))", location: path)
                    }
                    if produced > 0 {
                        try output.withUnsafeBytes { (raw) throws in
                            let slice = UnsafeRawBufferPointer(rebasing: raw[..<produced])
                            hasher.update(slice)
                            try ImageError.wrap { () throws in try out.write(slice, path: path) }
                        }
                        size += Int64(produced)
                    }
                    if rc == Z_STREAM_END { done = true }
                } while stream.pointee.avail_out == 0 || (flush == Z_FINISH && !done)
            }
        }
        try ImageError.wrap { () throws in try out.sync(path: path) }
        return (hasher.finish(), size)
    }
}
