// How networks look to users and templates: podman's network JSON (its config file's
// keys and order) for `network inspect` and `--format json`, its Go field names for
// templates, and the `network ls` row.
import BerthEngine
import BerthTemplate
import FoundationEssentials

enum NetworkViews {
    /// `KEY=VALUE` (or a bare `KEY`, an empty value) of --label and --opt; no comma splitting
    /// (podman's stringArray).
    static func pairs(_ items: [String], flag: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for item in items {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard !parts[0].isEmpty else { throw CLIError("invalid --\(flag) \"\(item)\": the key is empty") }
            result[parts[0]] = parts.count == 2 ? parts[1] : ""
        }
        return result
    }

    private static func map(_ values: [String: String]?) -> TemplateValue {
        .map((values ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }

    /// The network as podman's JSON writes it: nil fields left out (Go's omitempty).
    static func json(_ n: NetworkConfig) -> TemplateValue {
        var fields: [(String, TemplateValue)] = [("name", .string(n.name)), ("id", .string(n.id)), ("driver", .string(n.driver))]
        if let interface = n.networkInterface { fields.append(("network_interface", .string(interface))) }
        fields.append(("created", .string(n.created)))
        if !n.subnets.isEmpty { fields.append(("subnets", .array(n.subnets.map(subnetJSON)))) }
        fields += [("ipv6_enabled", .bool(n.ipv6Enabled)), ("internal", .bool(n.internal)), ("dns_enabled", .bool(n.dnsEnabled))]
        if let labels = n.labels, !labels.isEmpty { fields.append(("labels", map(labels))) }
        if let options = n.options, !options.isEmpty { fields.append(("options", map(options))) }
        if let ipam = n.ipamOptions, !ipam.isEmpty { fields.append(("ipam_options", map(ipam))) }
        // A structure keeps podman's field order (a map's keys are written sorted).
        return .structure("types.Network", fields)
    }

    private static func subnetJSON(_ s: NetworkSubnet) -> TemplateValue {
        var fields: [(String, TemplateValue)] = [("subnet", .string(s.subnet))]
        if let gateway = s.gateway { fields.append(("gateway", .string(gateway))) }
        if let range = s.leaseRange {
            var ends: [(String, TemplateValue)] = []
            if let start = range.startIP { ends.append(("start_ip", .string(start))) }
            if let end = range.endIP { ends.append(("end_ip", .string(end))) }
            fields.append(("lease_range", .structure("types.LeaseRange", ends)))
        }
        return .structure("types.Subnet", fields)
    }

    /// podman's types.Network with its Go field names, for templates.
    static func template(_ n: NetworkConfig) -> TemplateValue {
        .structure("types.Network", [
            ("Name", .string(n.name)), ("ID", .string(n.id)), ("Driver", .string(n.driver)),
            ("NetworkInterface", .string(n.networkInterface ?? "")),
            ("Created", .string(created(n))),
            ("Subnets", .array(n.subnets.map { s in
                .structure("types.Subnet", [("Subnet", .string(s.subnet)), ("Gateway", s.gateway.map { .string($0) } ?? .null),
                                            ("LeaseRange", s.leaseRange.map { .string("\($0.startIP ?? "")-\($0.endIP ?? "")") } ?? .null)])
            })),
            ("IPv6Enabled", .bool(n.ipv6Enabled)), ("Internal", .bool(n.internal)), ("DNSEnabled", .bool(n.dnsEnabled)),
            ("Labels", map(n.labels)), ("Options", map(n.options)), ("IPAMOptions", map(n.ipamOptions)),
        ])
    }

    /// One `network ls` row: the network's fields, ID cut to 12 unless --no-trunc, and
    /// the labels as podman's ListPrintReports prints them ("a=b,c=d").
    static func row(_ n: NetworkConfig, truncate: Bool) -> TemplateValue {
        guard case .structure(let type, var fields) = template(n) else { return .null }
        fields = fields.map { name, value in
            switch name {
            case "ID": return (name, .string(truncate ? String(n.id.prefix(12)) : n.id))
            case "Labels": return (name, .string((n.labels ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")))
            default: return (name, value)
            }
        }
        return .structure(type, fields)
    }

    /// Go's time.Time as a template prints it.
    private static func created(_ n: NetworkConfig) -> String {
        RFC3339.parse(n.created).map(ImageViews.goTime) ?? n.created
    }
}
