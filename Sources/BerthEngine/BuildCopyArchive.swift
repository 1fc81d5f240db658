// ADD's local archives: a regular file that is a tar (plain, gzip or zstd) is
// unpacked into the destination through LayerUnpacker, the same safe unpacker
// layers go through (every entry resolved beneath the destination directory in
// the new layer); anything else is copied as a file. bzip2 and xz are refused
// when the name says tar, as berth has no decompressor for them.
import BerthImage
import BerthSystem

enum CopyArchive {
    static let tarBlock = 512

    /// Whether ADD unpacks `item` rather than copying it.
    static func isArchive(_ item: MergedRootfs.Item, name: String) throws -> Bool {
        let fd = try item.openForReading()
        var head = [UInt8](repeating: 0, count: tarBlock)
        let n = try ImageError.wrap { try head.withUnsafeMutableBytes { (buffer) throws in try fd.read(into: buffer) } }
        let bytes = Array(head[0..<n])
        if bytes.starts(with: [0x42, 0x5a, 0x68]) || bytes.starts(with: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) {
            let lower = name.lowercased()
            if [".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz"].contains(where: { lower.hasSuffix($0) }) {
                throw ContainerError.invalid("ADD \(name): bzip2 and xz archives are not supported (gzip, zstd and plain tar are): unpack it or recompress it")
            }
            return false
        }
        guard let format = Compression.detect(bytes) else { return false }
        if format == .none { return isTarHeader(bytes) }
        // Compressed: a tar only if what it inflates to starts with a tar header.
        do {
            let stream = try DecompressingStream(DescriptorStream(try item.openForReading()), location: name)
            var inflated = [UInt8](repeating: 0, count: tarBlock)
            guard try inflated.withUnsafeMutableBytes({ (buffer) throws in try stream.readFully(into: buffer, what: name) }) else {
                return false
            }
            return isTarHeader(inflated)
        } catch is ImageError {
            return false // not valid gzip/zstd after all: copied as a file, as docker does
        }
    }

    /// A tar header block: "ustar" magic, or an old-style header whose checksum holds.
    static func isTarHeader(_ block: [UInt8]) -> Bool {
        guard block.count >= tarBlock, block.contains(where: { $0 != 0 }) else { return false }
        if Array(block[257..<262]) == Array("ustar".utf8) { return true }
        var sum = 0
        for (index, byte) in block.prefix(tarBlock).enumerated() {
            sum += (148..<156).contains(index) ? 32 : Int(byte)
        }
        let field = block[148..<156].drop { $0 == 32 }.prefix { $0 != 0 && $0 != 32 }
        guard let stored = Int(String(decoding: field, as: UTF8.self), radix: 8) else { return false }
        return stored == sum
    }

    /// Unpacks the archive `item` beneath the canonical directory `path` of the
    /// layer `writer` is writing.
    static func extract(_ item: MergedRootfs.Item, into path: String, writer: RootfsWriter, location: String) throws {
        let directory = try writer.directoryDescriptor(path)
        let options = UnpackOptions(opaqueXattr: UnpackOptions.currentOpaqueXattr,
                                    canChown: writer.options.canChown,
                                    canCreateDevices: writer.options.canCreateDevices)
        let unpacker = LayerUnpacker(directory: directory, location: location, options: options)
        let stream = try DecompressingStream(DescriptorStream(try item.openForReading()), location: location)
        try unpacker.unpack(TarReader(stream, location: location))
    }
}

/// A ByteStream over an open file descriptor (an inode MergedRootfs opened).
final class DescriptorStream: ByteStream {
    private let fd: FileDescriptor

    init(_ fd: FileDescriptor) { self.fd = fd }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try ImageError.wrap { try fd.read(into: buffer) }
    }
}
