// `import`: a root filesystem tarball becomes a one-layer image, with Dockerfile
// instructions from --change applied to its config (as podman import).
package import BerthImage
import BerthSystem
package import FoundationEssentials
import Glibc

package struct ImportOptions: Sendable {
    package var source: String
    package var reference: String?
    package var changes: [String]
    package var message: String?
    /// --arch, --os, --variant: what the image's config claims (podman's defaults: this host).
    package var architecture: String?
    package var os: String?
    package var variant: String?

    package init(source: String, reference: String?, changes: [String], message: String?) {
        self.source = source
        self.reference = reference
        self.changes = changes
        self.message = message
    }
}

extension Engine {
    package func importTarball(_ options: ImportOptions) throws -> ImageRecord {
        if options.source.contains("://") {
            throw ImageError.invalidArgument("importing from a URL is not supported: \(options.source): download the file first")
        }
        let name = try options.reference.map { try ImageReference.parse($0, defaultDomain: .localhost) }
        var changes = ContainerConfig()
        for change in options.changes { try ConfigChange.apply(change, to: &changes) }
        let area = try IngestArea(store: store)
        defer { area.discard() }
        var path = options.source
        var created = Date()
        if path == "-" {
            path = area.newPath("stdin")
            try copyStandardInput(to: path)
        } else {
            guard FileSystem.exists(path) else {
                throw ImageError.invalidArgument("stat \(path): no such file or directory")
            }
            // podman dates an imported image by the tarball's mtime, so the same file
            // imports to the same image ID.
            if let seconds = FileSystem.modificationTime(path) { created = Date(timeIntervalSince1970: Double(seconds)) }
        }
        let createdText = RFC3339.format(created)
        let layer = LayerSource(expectedDigest: nil, mediaType: nil, location: options.source) { () throws in
            try FileStream(path: path)
        }
        var image = PendingImage(manifestBytes: nil, configBytes: [], layers: [layer], names: name.map { [$0] } ?? [],
                                 location: options.source)
        let message = options.message
        let (architecture, os, variant) = (options.architecture ?? HostPlatform.architecture, options.os ?? "linux", options.variant)
        image.makeConfig = { diffIDs in
            var config = ImageConfig(architecture: architecture, os: os, rootfs: RootFS(diffIDs: diffIDs))
            config.variant = variant
            config.created = createdText
            config.config = changes
            config.history = [HistoryEntry(created: createdText, createdBy: "/bin/sh -c #(nop) ADD file:\(diffIDs[0].hex) in / ",
                                           comment: message ?? "imported from tarball")]
            return JSONCoding.encode(config)
        }
        let record = try ImageWriter(store: store).write(image)
        recordEvent(.image("import", id: record.id, name: options.source))
        return record
    }

    func copyStandardInput(to path: String) throws {
        let out = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
        defer { out.close() }
        // A copy: the FileDescriptor closes what it holds, and stdin is the process's.
        let input = try FileDescriptor.duplicate(StandardStreams.input)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try input.read(into: $0, path: "standard input") }
            if n == 0 { break }
            try out.write(Array(chunk[0..<n]), path: path)
        }
    }
}

package enum RFC3339 {
    /// UTC with nanoseconds, as Go's time.RFC3339Nano writes it (podman's format).
    package static func format(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let nanos = Int((date.timeIntervalSince1970 - Double(seconds)) * 1e9)
        let utc = UTCCalendar(epochSeconds: seconds)
        func pad(_ v: Int32, _ w: Int = 2) -> String { String(v).leftPadded(to: w) }
        var text = "\(pad(utc.year, 4))-\(pad(utc.month))-\(pad(utc.day))T\(pad(utc.hour)):\(pad(utc.minute)):\(pad(utc.second))"
        if nanos > 0 {
            var fraction = String(nanos).leftPadded(to: 9)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + "Z"
    }

    /// Parses RFC 3339 timestamps as found in image configs; nil when malformed.
    package static func parse(_ text: String) -> Date? {
        let chars = Array(text.utf8)
        guard chars.count >= 20 else { return nil }
        func num(_ from: Int, _ count: Int) -> Int32? { Int32(String(decoding: chars[from..<from + count], as: UTF8.self)) }
        guard let year = num(0, 4), let month = num(5, 2), let day = num(8, 2),
              let hour = num(11, 2), let minute = num(14, 2), let second = num(17, 2) else { return nil }
        let utc = UTCCalendar(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        var epoch = Double(utc.epochSeconds)
        var index = 19
        if index < chars.count && chars[index] == UInt8(ascii: ".") {
            var digits = ""
            index += 1
            while index < chars.count, chars[index] >= 48, chars[index] <= 57 { digits.append(Character(Unicode.Scalar(chars[index]))); index += 1 }
            epoch += (Double("0." + digits) ?? 0)
        }
        if index < chars.count && (chars[index] == UInt8(ascii: "+") || chars[index] == UInt8(ascii: "-")), index + 6 <= chars.count {
            let sign: Double = chars[index] == UInt8(ascii: "+") ? -1 : 1
            if let h = num(index + 1, 2), let m = num(index + 4, 2) { epoch += sign * Double(h * 3600 + m * 60) }
        }
        return Date(timeIntervalSince1970: epoch)
    }
}
