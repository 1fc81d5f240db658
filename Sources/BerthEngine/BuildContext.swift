// The build context: a directory (or a tar on standard input, unpacked through the
// safe unpacker into a scratch directory of the store), the Containerfile to read
// (podman's default order: Containerfile, then Dockerfile; `-f -` reads standard
// input) and the ignore file (.containerignore, then .dockerignore).
import BerthBuild
import BerthImage
import BerthSystem

final class BuildContext: @unchecked Sendable {
    let directory: String
    let dockerfileName: String
    let dockerfileText: String
    let ignore: IgnorePatterns
    /// The scratch directory holding a context read from standard input.
    private let scratch: String?

    private let store: ImageStore

    private init(store: ImageStore, directory: String, dockerfileName: String, dockerfileText: String, ignore: IgnorePatterns, scratch: String?) {
        self.store = store
        self.directory = directory
        self.dockerfileName = dockerfileName
        self.dockerfileText = dockerfileText
        self.ignore = ignore
        self.scratch = scratch
    }

    static let dockerfileLimit = 16 << 20

    static func prepare(_ options: BuildOptions, store: ImageStore) throws -> BuildContext {
        var directory = FileSystem.absolute(options.context)
        var scratch: String?
        var stdinText: String?
        if options.files.first == "-" {
            stdinText = String(decoding: try readStandardInput(limit: dockerfileLimit), as: UTF8.self)
        }
        if options.context == "-" {
            guard stdinText == nil else {
                throw ImageError.invalidArgument("the context and the Containerfile cannot both come from standard input")
            }
            let dir = try store.scratchDirectory(purpose: "build-context")
            scratch = dir
            do {
                let unpacker = try LayerUnpacker(directory: dir, location: "build context on standard input",
                                                 options: UnpackOptions.current())
                let input = try DecompressingStream(StandardInputStream(), location: "build context on standard input")
                try unpacker.unpack(TarReader(input, location: "build context on standard input"))
            } catch {
                store.releaseScratchDirectory(dir)
                throw error
            }
            directory = dir
        } else {
            guard FileSystem.isDirectory(directory) else {
                throw ImageError.invalidArgument("context directory \(options.context) does not exist or is not a directory")
            }
        }
        do {
            let (name, text) = try stdinText.map { ("-", $0) } ?? dockerfile(options.files.first, in: directory)
            let ignore = try ignorePatterns(options.ignoreFile, in: directory)
            return BuildContext(store: store, directory: directory, dockerfileName: name, dockerfileText: text, ignore: ignore, scratch: scratch)
        } catch {
            if let scratch { store.releaseScratchDirectory(scratch) }
            throw error
        }
    }

    func discard() {
        if let scratch { store.releaseScratchDirectory(scratch) }
    }

    /// `-f FILE` (as given, else relative to the context, as podman looks), or the
    /// context's Containerfile, else its Dockerfile.
    private static func dockerfile(_ file: String?, in directory: String) throws -> (String, String) {
        let candidates: [String]
        if let file {
            candidates = file.hasPrefix("/") ? [file] : [FileSystem.absolute(file), directory + "/" + file]
        } else {
            candidates = [directory + "/Containerfile", directory + "/Dockerfile"]
        }
        for path in candidates where FileSystem.exists(path) && !FileSystem.isDirectory(path) {
            let bytes = try FileSystem.readFile(path, limit: dockerfileLimit)
            return (file ?? FileSystem.basename(of: path), String(decoding: bytes, as: UTF8.self))
        }
        if let file { throw ImageError.invalidArgument("the Containerfile \(file) does not exist: no such file or directory") }
        throw ImageError.invalidArgument("no Containerfile or Dockerfile specified or found in context directory, \(directory): no such file or directory")
    }

    private static func ignorePatterns(_ file: String?, in directory: String) throws -> IgnorePatterns {
        let candidates = file.map { [FileSystem.absolute($0)] } ?? [directory + "/.containerignore", directory + "/.dockerignore"]
        for path in candidates where FileSystem.exists(path) {
            let text = String(decoding: try FileSystem.readFile(path, limit: dockerfileLimit), as: UTF8.self)
            return try IgnorePatterns(text: text, file: FileSystem.basename(of: path))
        }
        if let file { throw ImageError.invalidArgument("the ignore file \(file) does not exist: no such file or directory") }
        return try IgnorePatterns(patterns: [])
    }

    private static func readStandardInput(limit: Int) throws -> [UInt8] {
        let input = StandardInputStream()
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try input.read(into: $0) }
            if n == 0 { break }
            bytes += chunk[0..<n]
            if bytes.count > limit { throw ImageError.invalidArgument("the Containerfile on standard input is larger than \(limit) bytes") }
        }
        return bytes
    }
}

/// Standard input as a byte stream (a context tar, a Containerfile).
final class StandardInputStream: ByteStream {
    private let input: FileDescriptor?

    init() { input = try? FileDescriptor.duplicate(StandardStreams.input) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let input else { return 0 }
        return try ImageError.wrap { () throws in try input.read(into: buffer, path: "standard input") }
    }
}
