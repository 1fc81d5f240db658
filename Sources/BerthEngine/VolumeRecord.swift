// A named volume as stored: ROOT/volumes/NAME/volume.json beside its data directory
// ROOT/volumes/NAME/_data (podman's Mountpoint), and the one error type of the volume verbs.
import BerthSystem

package struct VolumeRecord: Codable, Sendable {
    package var name: String
    package var driver: String            // "local"
    package var createdAt: Double
    package var labels: [String: String]
    package var options: [String: String] // --opt type=, device=, o=, and podman's uid=, gid=, size=…
    package var uid: UInt32?               // podman's UID/GID options: owner of the volume's root
    package var gid: UInt32?
    package var anonymous: Bool
    package var needsCopyUp: Bool          // true until the first container mount filled it (or nocopy said no)

    package init(name: String, driver: String = "local", createdAt: Double, labels: [String: String] = [:],
                 options: [String: String] = [:], uid: UInt32? = nil, gid: UInt32? = nil,
                 anonymous: Bool = false, needsCopyUp: Bool = true) {
        self.name = name
        self.driver = driver
        self.createdAt = createdAt
        self.labels = labels
        self.options = options
        self.uid = uid
        self.gid = gid
        self.anonymous = anonymous
        self.needsCopyUp = needsCopyUp
    }
}

package enum VolumeError: ExitCoded, CustomStringConvertible {
    case notFound(String)
    case exists(String)
    case invalidName(String)
    case invalidOption(String)
    case inUse(String, containers: [String])
    case unsupported(String)
    case failed(String)

    package var description: String {
        switch self {
        case .notFound(let name): return "no volume with name \"\(name)\" found: no such volume"
        case .exists(let name): return "volume with name \(name) already exists: volume already exists"
        case .invalidName(let name):
            return "running volume create option: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: \"\(name)\": invalid argument"
        case .invalidOption(let message): return message
        case .inUse(let name, let containers):
            return "volume \(name) is being used by the following container(s): \(containers.joined(separator: ", ")): volume is being used"
        case .unsupported(let message): return message
        case .failed(let message): return message
        }
    }

    package var exitCode: Int32 {
        switch self {
        case .inUse: return 2
        default: return ExitCode.engineError
        }
    }
}
