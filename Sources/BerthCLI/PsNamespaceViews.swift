// ps --ns: podman's namespace table (CONTAINER ID, NAMES, PID and one column per
// namespace) and the Namespaces of ps's rows and JSON, filled for running containers.
import BerthEngine
import BerthTemplate

enum PsNamespaceViews {
    /// psReporter's field, ps's JSON key and the /proc/PID/ns name of each column, in order.
    private static let kinds: [(field: String, json: String, proc: String, header: String)] = [
        ("Cgroup", "Cgroup", "cgroup", "CGROUPNS"), ("IPC", "Ipc", "ipc", "IPC"), ("MNT", "Mnt", "mnt", "MNT"),
        ("NET", "Net", "net", "NET"), ("PIDNS", "Pidns", "pid", "PIDNS"), ("User", "User", "user", "USERNS"),
        ("UTS", "Uts", "uts", "UTS"),
    ]

    static let columns: [Report.Column] = [
        .init(header: "CONTAINER ID", field: "ID"), .init(header: "NAMES", field: "Names"), .init(header: "PID", field: "Pid"),
    ] + kinds.map { .init(header: $0.header, field: $0.field) }

    /// A ps row with its namespace fields (top-level and under Namespaces) set from `ids`.
    static func row(_ row: TemplateValue, ids: [String: String]) -> TemplateValue {
        guard case .structure(let type, var members) = row else { return row }
        for index in members.indices {
            if let kind = kinds.first(where: { $0.field == members[index].0 }) {
                members[index].1 = .string(ids[kind.proc] ?? "")
            } else if members[index].0 == "Namespaces" {
                members[index].1 = .structure("entities.ListContainerNamespaces", kinds.map { ($0.field, .string(ids[$0.proc] ?? "")) })
            }
        }
        return .structure(type, members)
    }

    /// ps's JSON `Namespaces`: podman's keys, empty ones left out (`{}` for a stopped container).
    static func json(ids: [String: String]) -> TemplateValue {
        .structure(GoStructType("entities.ListContainerNamespaces", omitEmpty: Set(kinds.map(\.json))),
                   kinds.map { ($0.json, .string(ids[$0.proc] ?? "")) })
    }
}
