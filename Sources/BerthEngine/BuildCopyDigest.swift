// The cache key of a COPY or ADD: the request's options and, for every source
// the same selection perform() would copy, each entry's relative path, type,
// mode, size, content sha256 and symlink target (owners too for another
// stage's or image's files; the context's are always written as 0:0). Never a
// context file's timestamps: touching a file keeps the key, changing one byte
// changes it. File contents come through ContextDigestCache, so a rebuild with
// nothing changed reads no file content.
package import BerthImage

extension CopyStep {
    package static func cacheDigest(_ request: CopyRequest, from source: CopySource,
                                    digestCache: ContextDigestCache) throws -> Digest {
        try cacheDigest(request, from: source, digestCache: digestCache, fetcher: RemoteFetcher())
    }

    static func cacheDigest(_ request: CopyRequest, from source: CopySource, digestCache: ContextDigestCache,
                            fetcher: RemoteFetcher) throws -> Digest {
        try validate(request)
        var key = CacheKeyWriter()
        key.field("berth-copy-v1")
        key.field(request.instruction)
        key.field(request.destination)
        key.field(request.workingDirectory)
        key.field(request.chown ?? "-")
        key.field(request.chmod ?? "-")
        key.field(request.parents ? "parents" : "-")
        key.field(request.link ? "link" : "-")
        key.field(request.checksum ?? "-")
        key.field(request.timestamp.map { String($0) } ?? "-")
        key.field("excludes \(request.excludes.count)")
        request.excludes.forEach { key.field($0) }
        for heredoc in request.heredocs {
            key.field("heredoc")
            key.field(heredoc.name)
            key.field(heredoc.content)
        }
        let reader = try CopySourceReader(source, excludes: request.excludes)
        let isContext = reader.isContext
        for argument in request.sources {
            key.field("source")
            key.field(argument)
            if RemoteFetcher.isRemote(argument) {
                // With --checksum the content is named; without, it must be fetched.
                if let checksum = request.checksum {
                    key.field(checksum)
                } else {
                    let download = try fetcher.open(argument)
                    let hashed = TeeHashStream(download.body)
                    try hashed.drain()
                    key.field(hashed.finish().description)
                    key.field(download.lastModified.map { String($0) } ?? "-")
                }
                continue
            }
            for selection in try reader.select(argument) {
                key.field("select")
                key.field(selection.path)
                key.field(selection.parentsPath)
                guard let item = try reader.rootfs.item(selection.path, followFinal: true) else {
                    throw ContainerError.invalid("checking on sources under \"\(reader.rootName)\": copier: stat: \"\(selection.path)\": no such file or directory")
                }
                try describe(item, relative: ".", isContext: isContext, cache: digestCache, into: &key)
                guard item.entry.kind == .directory else { continue }
                try reader.walkContents(of: item) { child, relative, isPassThrough in
                    if isPassThrough { return }
                    try describe(child, relative: relative, isContext: isContext, cache: digestCache, into: &key)
                }
            }
        }
        try digestCache.save()
        return key.finish()
    }

    /// One entry's line of the key.
    private static func describe(_ item: MergedRootfs.Item, relative: String, isContext: Bool,
                                 cache: ContextDigestCache, into key: inout CacheKeyWriter) throws {
        let entry = item.entry
        var text = "\(relative) \(entry.kind) \(String(entry.permissions, radix: 8))"
        if !isContext { text += " \(entry.uid):\(entry.gid)" }
        switch entry.kind {
        case .regular:
            text += " \(entry.size) \(try cache.digest(of: item))"
        case .symlink:
            text += " -> \(try item.linkTarget())"
        case .characterDevice, .blockDevice:
            text += " \(entry.device)"
        case .directory, .fifo, .socket:
            break
        }
        key.field(text)
    }
}

/// Length-prefixed fields into one sha256: no two different field lists hash alike.
struct CacheKeyWriter {
    private let hasher = SHA256Hasher()

    mutating func field(_ text: String) {
        let bytes = Array(text.utf8)
        hasher.update(Array("\(bytes.count):".utf8))
        hasher.update(bytes)
    }

    func finish() -> Digest { hasher.finish() }
}
