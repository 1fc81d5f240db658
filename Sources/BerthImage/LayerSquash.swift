// `--squash`: several overlay-upper directories (bottom first) merged into one
// layer directory with no whiteouts left, as if each had been applied in turn.
// Each directory goes through its own layer tar (LayerTarWriter: fds and
// O_NOFOLLOW, so a container's symlinks are never followed) into the unpacker
// in its squashing mode (LayerUnpacker: everything beneath `into`, resolved by
// the kernel), so a squash is exactly what applying the layers would give.
import BerthSystem
import Glibc

package enum LayerSquash {
    /// Merges `directories` (bottom first) into the empty directory `into`.
    package static func flatten(_ directories: [String], into: String) throws {
        var options = UnpackOptions.current()
        options.appliesWhiteouts = true
        let tarPath = FileSystem.dirname(of: into) + "/.squash-\(RandomID.hex(8)).tar"
        defer { try? FileSystem.unlinkIfPresent(tarPath) }
        for (index, directory) in directories.enumerated() {
            let location = "squash: layer \(index + 1) of \(directories.count)"
            let fd = try ImageError.wrap { () throws in try FileDescriptor.open(tarPath, O_RDWR | O_CREAT | O_TRUNC, mode: 0o600) }
            _ = try LayerTarWriter(directory: directory, location: location).write(to: fd, path: tarPath)
            fd.close()
            let unpacker = try LayerUnpacker(directory: into, location: location, options: options)
            try unpacker.unpack(TarReader(FileStream(path: tarPath), location: location))
        }
    }
}
