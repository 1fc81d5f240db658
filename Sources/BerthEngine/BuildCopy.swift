// Build's COPY and ADD: docker's semantics (Dockerfile reference) carried out
// by reading a source tree through MergedRootfs and writing a fresh layer
// directory through RootfsWriter, so neither side can leave its root.
package import BerthBuild
package import BerthImage

/// Where COPY and ADD read from.
package enum CopySource {
    /// The build context: `exclude` says whether the ignore file hides a
    /// context-relative path (no leading `/`), `mayIncludeBelow` whether an
    /// ignored directory may still hold `!`-re-included entries.
    case context(root: String, exclude: (String) -> Bool, mayIncludeBelow: (String) -> Bool)
    /// COPY --from=stage|image: that tree's files.
    case rootfs(MergedRootfs)
}

/// One COPY or ADD, its words already expanded by the builder.
package struct CopyRequest {
    package var sources: [String]
    /// Sources named by heredocs (`COPY <<EOF /dst`), content already expanded.
    package var heredocs: [Heredoc]
    package var destination: String
    /// The stage's WORKDIR: a relative destination is relative to it.
    package var workingDirectory: String
    package var chown: String?
    package var chmod: String?
    package var parents: Bool
    package var link: Bool
    package var excludes: [String]
    package var isAdd: Bool
    package var checksum: String?
    package var keepGitDir: Bool
    /// Sets every written file's mtime (reproducible builds).
    package var timestamp: Int64?

    package init(sources: [String], heredocs: [Heredoc] = [], destination: String, workingDirectory: String = "/",
                 chown: String? = nil, chmod: String? = nil, parents: Bool = false, link: Bool = false,
                 excludes: [String] = [], isAdd: Bool = false, checksum: String? = nil, keepGitDir: Bool = false,
                 timestamp: Int64? = nil) {
        self.sources = sources
        self.heredocs = heredocs
        self.destination = destination
        self.workingDirectory = workingDirectory
        self.chown = chown
        self.chmod = chmod
        self.parents = parents
        self.link = link
        self.excludes = excludes
        self.isAdd = isAdd
        self.checksum = checksum
        self.keepGitDir = keepGitDir
        self.timestamp = timestamp
    }

    var instruction: String { isAdd ? "ADD" : "COPY" }

    /// The destination made absolute against WORKDIR, and whether it names a
    /// directory by its form (a trailing `/`, `.` or `..`).
    var resolvedDestination: (path: String, isDirectory: Bool) {
        let text = destination.isEmpty ? "." : destination
        let absolute = text.hasPrefix("/") ? text : (workingDirectory.hasSuffix("/") ? workingDirectory : workingDirectory + "/") + text
        let last = text.split(separator: "/").last
        let isDirectory = text.hasSuffix("/") || last == "." || last == ".."
        return (RootfsWriter.clean(absolute), isDirectory)
    }
}

package enum CopyStep {
    /// Writes what `request` copies from `source` into `layerDirectory`, a
    /// fresh directory that becomes the top layer of `image`.
    package static func perform(_ request: CopyRequest, from source: CopySource, into layerDirectory: String,
                                image: MergedRootfs) throws {
        try perform(request, from: source, into: layerDirectory, image: image,
                    options: RootfsWriteOptions.current(timestamp: request.timestamp))
    }

    /// `perform` with the writer's abilities given (tests run unprivileged).
    static func perform(_ request: CopyRequest, from source: CopySource, into layerDirectory: String,
                        image: MergedRootfs, options: RootfsWriteOptions, fetcher: RemoteFetcher = RemoteFetcher()) throws {
        try validate(request)
        let owner = try request.chown.map { try CopyOwner.resolve($0, in: image) }
        let mode = try request.chmod.map { try CopyMode.parse($0) }
        let reader = try CopySourceReader(source, excludes: request.excludes)
        let writer = try wrap(request) {
            try RootfsWriter(layerDirectory: layerDirectory, image: image, location: "the \(request.instruction) layer", options: options)
        }
        if let owner { writer.newDirectoryOwner = (owner.uid, owner.gid) }
        var remote: [String] = []
        var selections: [CopySelection] = []
        for argument in request.sources {
            if RemoteFetcher.isRemote(argument) {
                guard request.isAdd else {
                    throw ContainerError.invalid("source can't be a URL for COPY: \(argument)")
                }
                remote.append(argument)
            } else {
                selections += try reader.select(argument)
            }
        }
        let destination = request.resolvedDestination
        if selections.count + remote.count + request.heredocs.count > 1 && !destination.isDirectory {
            throw ContainerError.invalid("When using \(request.instruction) with more than one source file, the destination must be a directory and end with a /")
        }
        var copier = TreeCopier(request: request, reader: reader, writer: writer, owner: owner, mode: mode,
                                destination: destination)
        try wrap(request) {
            for selection in selections { try copier.copy(selection) }
            for heredoc in request.heredocs { try copier.copy(heredoc) }
            for url in remote { try copier.fetch(url, with: fetcher) }
            try writer.finish()
        }
    }

    /// Refusals that need no file: flags that do not go together.
    static func validate(_ request: CopyRequest) throws {
        if request.sources.isEmpty && request.heredocs.isEmpty {
            throw ContainerError.invalid("\(request.instruction) requires at least two arguments")
        }
        for source in request.sources where RemoteFetcher.isGit(source) {
            throw ContainerError.invalid("\(request.instruction) \(source): git sources are not supported yet")
        }
        if request.keepGitDir {
            throw ContainerError.invalid("\(request.instruction) --keep-git-dir: git sources are not supported yet")
        }
        if let checksum = request.checksum {
            guard request.isAdd, request.sources.allSatisfy(RemoteFetcher.isRemote) else {
                throw ContainerError.invalid("checksum can't be specified for non-HTTP(S) sources")
            }
            guard Digest(parsing: checksum) != nil else {
                throw ContainerError.invalid("invalid checksum \"\(checksum)\": only sha256:<64 hex digits> is supported")
            }
        }
    }

    /// Image-side failures (an unwritable entry, an escape refused) become the
    /// engine's error, naming the instruction.
    static func wrap<T>(_ request: CopyRequest, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ImageError {
            throw ContainerError.invalid("\(request.instruction): \(error)")
        }
    }
}
