// --ulimit NAME=SOFT[:HARD] with podman's names.

package enum Ulimit {
    /// RLIMIT_* numbers of the Linux ABI (some are hidden from Swift's Glibc module).
    static let resources: [String: Int32] = [
        "cpu": 0, "fsize": 1, "data": 2, "stack": 3, "core": 4, "rss": 5, "nproc": 6, "nofile": 7,
        "memlock": 8, "locks": 10, "sigpending": 11, "msgqueue": 12, "nice": 13, "rtprio": 14, "rttime": 15,
    ]

    package static func parse(_ spec: String) throws -> ResourceLimit {
        let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let resource = resources[parts[0]] else {
            throw RuntimeError.invalidArgument("invalid ulimit \"\(spec)\": use NAME=SOFT[:HARD] with NAME one of \(resources.keys.sorted().joined(separator: ", "))")
        }
        let values = parts[1].split(separator: ":").map(String.init)
        func value(_ text: String) throws -> UInt64 {
            if text == "-1" || text == "unlimited" { return UInt64.max }
            guard let v = UInt64(text) else { throw RuntimeError.invalidArgument("invalid ulimit value \"\(text)\" in \"\(spec)\"") }
            return v
        }
        let soft = try value(values[0])
        let hard = values.count > 1 ? try value(values[1]) : soft
        guard soft <= hard else { throw RuntimeError.invalidArgument("ulimit \"\(spec)\": soft limit is above the hard limit") }
        return ResourceLimit(resource: resource, soft: soft, hard: hard)
    }
}
