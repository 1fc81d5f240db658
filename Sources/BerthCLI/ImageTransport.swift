// podman's transport prefixes on pull and push: `docker://` is a registry; the
// archive transports are load and save under another name.
import BerthImage

enum ImageTransport {
    /// An archive named by a transport: `docker-archive:PATH[:REF]`, `oci-archive:…`, `oci:DIR[:REF]`.
    struct Archive {
        var format: ArchiveFormat
        var path: String
        /// What follows PATH: the name to write (push) or the image to take (pull).
        var reference: String?
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
        // PATH[:REF], split at the first colon as containers/image does (so a path
        // cannot hold one): docker-archive:/x/out.tar:name:tag names name:tag.
        let rest = String(text.dropFirst(prefix.count))
        let parts = rest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let path = parts[0]
        let reference = parts.count > 1 && !parts[1].isEmpty ? parts[1] : nil
        guard !path.isEmpty else { throw CLIError("no path in \"\(text)\"") }
        return Archive(format: format, path: path, reference: reference)
    }
}
