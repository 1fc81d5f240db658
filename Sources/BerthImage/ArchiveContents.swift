// The files of an image archive, whether a tar (docker-archive, oci-archive) or an
// OCI layout directory, behind one interface for the loader.
import BerthSystem

package protocol ArchiveContents {
    var location: String { get }
    func contains(_ name: String) -> Bool
    func read(_ name: String, limit: Int) throws -> [UInt8]
    func opener(_ name: String) throws -> () throws -> any ByteStream
}

extension TarIndex: ArchiveContents {
    package var location: String { path }

    package func opener(_ name: String) throws -> () throws -> any ByteStream {
        guard let member = member(name) else { throw ImageError.invalidArchive(reason: "missing \(name)", location: path) }
        let path = self.path
        return { () throws in try FileStream(path: path, offset: member.offset, length: member.size) }
    }
}

package struct DirectoryContents: ArchiveContents {
    package let location: String

    package init(directory: String) { location = directory }

    private func full(_ name: String) -> String { location + "/" + name }

    package func contains(_ name: String) -> Bool { FileSystem.exists(full(name)) }

    package func read(_ name: String, limit: Int) throws -> [UInt8] {
        guard contains(name) else { throw ImageError.invalidArchive(reason: "missing \(name)", location: location) }
        return try FileStream(path: full(name)).readAll(limit: limit, what: full(name))
    }

    package func opener(_ name: String) throws -> () throws -> any ByteStream {
        let path = full(name)
        guard FileSystem.exists(path) else { throw ImageError.invalidArchive(reason: "missing \(name)", location: location) }
        return { () throws in try FileStream(path: path) }
    }
}
