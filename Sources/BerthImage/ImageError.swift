// The one error type of BerthImage. Each case names the object it is about, so
// the CLI can print `Error: <description>` and nothing else.
package import BerthSystem

package enum ImageError: Error, CustomStringConvertible {
    case system(SystemError)
    /// A tar stream that is not well formed; `location` names the archive or layer.
    case malformedTar(reason: String, location: String)
    /// A tar entry that would land outside its layer, or that berth refuses to create.
    case unsafeEntry(path: String, reason: String, location: String)
    case digestMismatch(what: String, expected: String, actual: String)
    case decompression(reason: String, location: String)
    case invalidReference(String, reason: String)
    case imageNotKnown(String)
    case invalidDocument(reason: String, location: String)
    case invalidArchive(reason: String, location: String)
    case imageInUse(image: String, containers: [String])
    case conflict(String)
    case invalidArgument(String)
    /// An entry of a container's or image's tree that berth will not read as asked
    /// (MergedRootfs); `location` names the tree ("container web"), `problem` reads
    /// on from the path ("is larger than 4 MiB").
    case rootfsEntry(path: String, location: String, problem: String)

    package var description: String {
        switch self {
        case .system(let error): return error.description
        case .malformedTar(let reason, let location): return "\(location): malformed tar: \(reason)"
        case .unsafeEntry(let path, let reason, let location): return "\(location): refusing tar entry \"\(path)\": \(reason)"
        case .digestMismatch(let what, let expected, let actual):
            return "\(what): digest mismatch: expected \(expected), got \(actual)"
        case .decompression(let reason, let location): return "\(location): \(reason)"
        case .invalidReference(let name, let reason): return "invalid reference format \"\(name)\": \(reason)"
        case .imageNotKnown(let name): return "\(name): image not known"
        case .invalidDocument(let reason, let location): return "\(location): \(reason)"
        case .invalidArchive(let reason, let location): return "\(location): \(reason)"
        case .imageInUse(let image, let containers):
            return "image \(image) is in use by container(s) \(containers.joined(separator: ", ")): remove them first or use --force"
        case .conflict(let message): return message
        case .invalidArgument(let message): return message
        case .rootfsEntry(let path, let location, let problem): return "\(path) in \(location) \(problem)"
        }
    }
}

extension ImageError {
    /// Runs `body`, turning a SystemError into `.system` so callers see one type.
    package static func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as SystemError { throw ImageError.system(error) }
    }
}
