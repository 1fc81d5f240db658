// How volumes look to users and templates: podman's field names for `volume ls`,
// `volume inspect` and `--format json`, and the small parsing the volume flags share.
import BerthEngine
import BerthSystem
import BerthTemplate
import FoundationEssentials

enum VolumeViews {
    /// `KEY=VALUE` (or a bare `KEY`, an empty value) pairs of --label and --opt.
    static func pairs(_ items: [String], flag: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for item in items.flatMap({ flag == "label" ? $0.split(separator: ",").map(String.init) : [$0] }) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard !parts[0].isEmpty else { throw CLIError("invalid --\(flag) \"\(item)\": the key is empty") }
            result[parts[0]] = parts.count == 2 ? parts[1] : ""
        }
        return result
    }

    /// podman's `--filter` of ls is a string slice: commas separate filters too.
    static func splitFilter(_ text: String) -> [String] { text.split(separator: ",").map(String.init) }

    /// `until=`: an RFC 3339 time, a duration before now, or seconds since the epoch.
    static func time(_ text: String) -> Double? { try? LogsCommand.time(text, flag: "filter") }

    /// podman's prune question on standard output, the answer one line of standard input.
    static func confirm(_ question: String) -> Bool {
        Output.out(question)
        let answer = readLine(strippingNewline: true) ?? ""
        return ["y", "yes"].contains(answer.lowercased())
    }

    private static func map(_ values: [String: String]) -> TemplateValue {
        .map(values.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }

    private static func created(_ v: VolumeDetails) -> Date { Date(timeIntervalSince1970: v.record.createdAt) }

    /// One row of `volume ls` (podman's entities.VolumeListReport).
    static func row(_ v: VolumeDetails) -> TemplateValue {
        .structure("entities.VolumeListReport", [
            ("Name", .string(v.record.name)), ("Driver", .string(v.record.driver)), ("Mountpoint", .string(v.mountpoint)),
            ("CreatedAt", .string(ImageViews.goTime(created(v)))), ("Status", .null), ("Labels", map(v.record.labels)),
            ("Scope", .string("local")), ("Options", map(v.record.options)), ("UID", .int(Int64(v.record.uid ?? 0))),
            ("GID", .int(Int64(v.record.gid ?? 0))), ("Anonymous", .bool(v.record.anonymous)), ("MountCount", .int(Int64(v.mountCount))),
            ("NeedsCopyUp", .bool(v.record.needsCopyUp)), ("NeedsChown", .bool(v.record.needsCopyUp)), ("Timeout", .int(0)),
        ])
    }

    /// podman's define.InspectVolumeData: `json` leaves out the fields Go's omitempty drops,
    /// a template sees them all (Go's struct has them).
    private static func fields(_ v: VolumeDetails, json: Bool) -> [(String, TemplateValue)] {
        var fields: [(String, TemplateValue)] = [
            ("Name", .string(v.record.name)), ("Driver", .string(v.record.driver)), ("Mountpoint", .string(v.mountpoint)),
            ("CreatedAt", .string(json ? RFC3339.format(created(v)) : ImageViews.goTime(created(v)))), ("Labels", map(v.record.labels)),
            ("Scope", .string("local")), ("Options", map(v.record.options)),
        ]
        let uid = Int64(v.record.uid ?? 0), gid = Int64(v.record.gid ?? 0)
        if !json || uid != 0 { fields.append(("UID", .int(uid))) }
        if !json || gid != 0 { fields.append(("GID", .int(gid))) }
        if !json || v.record.anonymous { fields.append(("Anonymous", .bool(v.record.anonymous))) }
        fields.append(("MountCount", .int(Int64(v.mountCount))))
        // podman clears both at the first mount by a container; berth's record keeps one flag.
        if !json || v.record.needsCopyUp { fields += [("NeedsCopyUp", .bool(v.record.needsCopyUp)), ("NeedsChown", .bool(v.record.needsCopyUp))] }
        return fields
    }

    static func inspect(_ v: VolumeDetails) -> TemplateValue { .structure("*define.InspectVolumeData", fields(v, json: false)) }
    static func json(_ v: VolumeDetails) -> TemplateValue { .structure("*define.InspectVolumeData", fields(v, json: true)) }
}
