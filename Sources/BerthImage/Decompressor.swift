// Streaming decompression of layers: gzip (zlib, multi-member) and zstd, picked
// by the stream's magic bytes, as the OCI media types allow all three forms.
import CZlib
import CZstd

package enum Compression: String, Sendable {
    case none, gzip, zstd

    /// The compression a layer media type declares.
    package static func promised(by mediaType: String) -> Compression? {
        if mediaType.hasSuffix("+gzip") || mediaType.hasSuffix(".tar.gzip") { return .gzip }
        if mediaType.hasSuffix("+zstd") { return .zstd }
        if mediaType.hasSuffix(".tar") { return Compression.none }
        return nil
    }

    /// Recognises the format from the first bytes of a stream.
    package static func detect(_ head: [UInt8]) -> Compression? {
        if head.count >= 2 && head[0] == 0x1f && head[1] == 0x8b { return .gzip }
        if head.count >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd { return .zstd }
        if head.count >= 3 && head[0] == 0x42 && head[1] == 0x5a && head[2] == 0x68 { return nil } // bzip2
        if head.count >= 6 && head[0] == 0xfd && head[1] == 0x37 && head[2] == 0x7a { return nil } // xz
        return Compression.none
    }
}

/// Peeks at the start of `source` and returns a stream of its decompressed bytes.
package final class DecompressingStream: ByteStream {
    private let source: any ByteStream
    private let location: String
    package private(set) var format: Compression = .none
    private var input = [UInt8](repeating: 0, count: 1 << 17)
    private var inputStart = 0
    private var inputEnd = 0
    private var sourceDone = false
    private var zlib = z_stream()
    private var zstd: OpaquePointer?
    private var finished = false

    package init(_ source: any ByteStream, location: String) throws {
        self.source = source
        self.location = location
        try fill()
        let head = Array(input[0..<min(inputEnd, 8)])
        guard let format = Compression.detect(head) else {
            throw ImageError.decompression(reason: "unsupported compression (only gzip, zstd and plain tar layers are supported)", location: location)
        }
        self.format = format
        switch format {
        case .gzip:
            // 15 + 32: the largest window, with gzip/zlib header detection.
            if inflateInit2_(&zlib, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) != Z_OK {
                throw ImageError.decompression(reason: "cannot initialise zlib", location: location)
            }
        case .zstd:
            zstd = ZSTD_createDStream()
            ZSTD_initDStream(zstd)
        case .none:
            break
        }
    }

    deinit {
        if format == .gzip { inflateEnd(&zlib) }
        if let zstd { ZSTD_freeDStream(zstd) }
    }

    private func fill() throws {
        if inputStart == inputEnd { inputStart = 0; inputEnd = 0 }
        guard !sourceDone, inputEnd < input.count else { return }
        let n = try input.withUnsafeMutableBytes { (buf) throws in
            try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buf[inputEnd...]))
        }
        if n == 0 { sourceDone = true }
        inputEnd += n
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if buffer.count == 0 { return 0 }
        switch format {
        case .none: return try readPlain(into: buffer)
        case .gzip: return try readGzip(into: buffer)
        case .zstd: return try readZstd(into: buffer)
        }
    }

    private func readPlain(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if inputStart == inputEnd { try fill() }
        let n = min(buffer.count, inputEnd - inputStart)
        if n == 0 { return 0 }
        input.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + inputStart, byteCount: n) }
        inputStart += n
        return n
    }

    private func readGzip(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while !finished {
            if inputStart == inputEnd { try fill() }
            let available = inputEnd - inputStart
            let (status, consumed, produced) = input.withUnsafeMutableBytes { inBuf in
                zlib.next_in = inBuf.baseAddress!.assumingMemoryBound(to: UInt8.self) + inputStart
                zlib.avail_in = UInt32(available)
                zlib.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
                zlib.avail_out = UInt32(buffer.count)
                let status = inflate(&zlib, Z_NO_FLUSH)
                return (status, available - Int(zlib.avail_in), buffer.count - Int(zlib.avail_out))
            }
            inputStart += consumed
            switch status {
            case Z_STREAM_END:
                // Another gzip member may follow (pigz and some tools write several).
                if inputStart == inputEnd { try fill() }
                if inputStart == inputEnd { finished = true } else { inflateReset(&zlib) }
            case Z_OK, Z_BUF_ERROR:
                if produced == 0 && consumed == 0 && sourceDone && inputStart == inputEnd {
                    throw ImageError.decompression(reason: "truncated gzip stream", location: location)
                }
            default:
                let message = zlib.msg.map { String(cString: $0) } ?? "error \(status)"
                throw ImageError.decompression(reason: "corrupt gzip stream: \(message)", location: location)
            }
            if produced > 0 { return produced }
        }
        return 0
    }

    private func readZstd(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            if inputStart == inputEnd { try fill() }
            let available = inputEnd - inputStart
            if available == 0 && sourceDone {
                if finished { return 0 }
                throw ImageError.decompression(reason: "truncated zstd stream", location: location)
            }
            var result = 0
            var produced = 0
            input.withUnsafeMutableBytes { inBuf in
                var inb = ZSTD_inBuffer(src: inBuf.baseAddress! + inputStart, size: available, pos: 0)
                var outb = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
                result = ZSTD_decompressStream(zstd, &outb, &inb)
                inputStart += inb.pos
                produced = outb.pos
            }
            if ZSTD_isError(result) != 0 {
                let name = String(cString: ZSTD_getErrorName(result))
                throw ImageError.decompression(reason: "corrupt zstd stream: \(name)", location: location)
            }
            // 0 means a frame ended; the stream may hold more frames.
            finished = result == 0
            if produced > 0 { return produced }
        }
    }
}
