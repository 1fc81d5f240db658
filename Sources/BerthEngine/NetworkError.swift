// What goes wrong with networks, each case naming the network, in podman's words.
import BerthSystem

package enum NetworkError: ExitCoded, CustomStringConvertible {
    case notFound(String)
    case exists(String)
    case invalidName(String)
    /// Bad flags or values (a subnet, a gateway, an option): the message says which.
    case invalid(String)
    case inUse(String, containers: [String])
    case unsupported(String)

    package var description: String {
        switch self {
        case .notFound(let name): return "unable to find network with name or ID \(name): network not found"
        case .exists(let name): return "network name \(name) already used: network already exists"
        case .invalidName(let name):
            return "network name \(name) invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument"
        case .invalid(let message): return message
        case .inUse(let name, let containers):
            return "network \(name) is used by container(s) \(containers.joined(separator: ", ")): use -f to remove them with it: network is being used"
        case .unsupported(let message): return message
        }
    }

    package var exitCode: Int32 { ExitCode.engineError }
}
