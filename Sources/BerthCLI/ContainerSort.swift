// `ps --sort` and `ps --last`: podman's order for the container list.
import BerthEngine

enum ContainerSort: String, CaseIterable {
    case command, created, id, image, names, runningfor, status

    init(flag: String?) throws {
        let text = flag ?? "created"
        if text == "size" { throw CLIError("--sort size is not supported yet: \(PendingFeature.sizes.reason)") }
        guard let key = ContainerSort(rawValue: text) else {
            throw CLIError("invalid option for --sort, options are: \((Self.allCases.map(\.rawValue) + ["size"]).joined(separator: ", "))")
        }
        self = key
    }

    /// Newest first for created and running-for (as podman), the rest ascending; ties keep creation order.
    func sorted(_ containers: [ContainerDetails]) -> [ContainerDetails] {
        containers.enumerated().sorted { a, b in
            let (x, y) = (a.element, b.element)
            let (kx, ky): (String, String)
            switch self {
            case .created, .runningfor: (kx, ky) = ("", "")
            case .command: (kx, ky) = (([x.record.path] + x.record.args).joined(separator: " "), ([y.record.path] + y.record.args).joined(separator: " "))
            case .id: (kx, ky) = (x.record.id, y.record.id)
            case .image: (kx, ky) = (x.record.imageName, y.record.imageName)
            case .names: (kx, ky) = (x.record.name, y.record.name)
            case .status: (kx, ky) = (x.state.status.rawValue, y.state.status.rawValue)
            }
            if kx != ky { return kx < ky }
            if x.record.created != y.record.created { return x.record.created > y.record.created }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// `--last N`: the N most recently created; -1 (podman's default) is all.
    static func last(_ flag: String?, of containers: [ContainerDetails]) throws -> [ContainerDetails] {
        guard let flag else { return containers }
        guard let count = Int(flag) else { throw CLIError("invalid argument \"\(flag)\" for \"-n, --last\" flag: not an integer") }
        guard count >= 0 else { return containers }
        return Array(containers.sorted { $0.record.created > $1.record.created }.prefix(count))
    }
}
