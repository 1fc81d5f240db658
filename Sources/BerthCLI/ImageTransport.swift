// podman's transport prefixes on pull and push: `docker://` is a registry; the
// archive transports are load and save under another name.
import BerthImage
import BerthSystem

enum ImageTransport {
    /// An archive named by a transport: `docker-archive:PATH[:REF]`, `oci-archive:…`, `oci:DIR[:REF]`.
    struct Archive {
        var format: ArchiveFormat
        var path: String
    }

    private static let archives: [(String, ArchiveFormat)] = [
        ("docker-archive:", .dockerArchive), ("oci-archive:", .ociArchive), ("oci:", .ociDir),
    ]
    private static let unsupported = ["dir:", "containers-storage:", "docker-daemon:", "sif:"]

    /// nil for a registry reference (with or without `docker://`).
    static func archive(_ text: String) throws -> Archive? {
        for prefix in unsupported where text.hasPrefix(prefix) {
            throw CLIError("unsupported transport \"\(prefix.dropLast())\" in \"\(text)\": berth moves images through docker://, docker-archive:, oci-archive: and oci:")
        }
        guard let (prefix, format) = archives.first(where: { text.hasPrefix($0.0) }) else { return nil }
        var path = String(text.dropFirst(prefix.count))
        // PATH:REF: the reference is what follows the last colon, unless the whole
        // text names an existing file (paths may hold colons).
        if !FileSystem.exists(path), let colon = path.lastIndex(of: ":"), !path[path.index(after: colon)...].contains("/") {
            path = String(path[..<colon])
        }
        guard !path.isEmpty else { throw CLIError("no path in \"\(text)\"") }
        return Archive(format: format, path: path)
    }
}
