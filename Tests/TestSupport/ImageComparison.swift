// Two images compared as a user sees them (issue 10's side-by-side check):
// the file trees path by path and the config fields a Dockerfile sets, with a
// readable list of differences. What legitimately differs between two engines
// is left out here, each item with the reason, and nowhere else.
import Foundation

public enum ImageComparison {
    /// The config fields compared: what a Dockerfile's instructions set.
    public static let configFields = [
        "Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Labels",
        "Volumes", "StopSignal", "Healthcheck", "OnBuild", "Shell",
    ]

    /// Labels left out: buildah stamps its own version into every image it makes.
    public static let ignoredLabels: Set<String> = ["io.buildah.version"]

    /// Paths left out of the tree comparison, and why:
    /// - not compared at all: mtimes (directories a RUN or COPY passes through are
    ///   touched at build time by both; `--timestamp` is checked on its own) and
    ///   xattrs (security.capability aside, none is set by these Dockerfiles).
    /// - `/etc/hosts`, `/etc/resolv.conf`, `/etc/hostname`, `/run/.containerenv`:
    ///   the runtime bind-mounts them into a RUN container; buildah may leave an
    ///   empty mount-point file in the layer where berth leaves none (or the
    ///   reverse). Their content never comes from the build.
    /// - `/dev`, `/proc`, `/sys` and what is below: mount points a runtime may
    ///   create in a RUN container's root.
    /// - the `/run` directory itself (not what is in it): buildah creates it for
    ///   the `/run/.containerenv` mount point of every RUN.
    public static func isIgnoredPath(_ path: String) -> Bool {
        let files: Set<String> = ["/etc/hosts", "/etc/resolv.conf", "/etc/hostname", "/run/.containerenv", "/run"]
        if files.contains(path) { return true }
        for dir in ["/dev", "/proc", "/sys"] where path == dir || path.hasPrefix(dir + "/") { return true }
        return false
    }

    /// Every difference between `a` (named `aName`) and `b`, one readable line
    /// (or block) each; empty when the two images are the same to a user.
    public static func differences(_ a: ImageTree, _ aName: String, _ b: ImageTree, _ bName: String) -> [String] {
        var out: [String] = []
        let pad = max(aName.count, bName.count)
        func name(_ n: String) -> String { n.padding(toLength: pad, withPad: " ", startingAt: 0) }
        let paths = Set(a.nodes.keys).union(b.nodes.keys).sorted()
        for path in paths where !isIgnoredPath("/" + path) {
            switch (a.nodes[path], b.nodes[path]) {
            case let (x?, y?) where x != y:
                out.append("/\(path) differs:\n    \(name(aName)): \(x.summary)\n    \(name(bName)): \(y.summary)")
            case let (x?, nil):
                out.append("/\(path) only in \(aName): \(x.summary)")
            case let (nil, y?):
                out.append("/\(path) only in \(bName): \(y.summary)")
            default:
                break
            }
        }
        for field in configFields {
            let x = canonical(field, a.config[field]), y = canonical(field, b.config[field])
            if x != y {
                out.append("config \(field) differs:\n    \(name(aName)): \(x)\n    \(name(bName)): \(y)")
            }
        }
        return out
    }

    /// A field as sorted compact JSON; a missing field, null, "" and an empty
    /// list or map read the same ("-"): engines differ in which they write for
    /// "not set", and a user of the image cannot tell them apart.
    static func canonical(_ field: String, _ value: Any?) -> String {
        guard var value, !(value is NSNull) else { return "-" }
        if field == "Labels", var labels = value as? [String: Any] {
            for key in ignoredLabels { labels[key] = nil }
            value = labels
        }
        if let s = value as? String, s.isEmpty { return "-" }
        if let list = value as? [Any], list.isEmpty { return "-" }
        if let map = value as? [String: Any], map.isEmpty { return "-" }
        guard JSONSerialization.isValidJSONObject([value]),
              let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return "\(value)"
        }
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }
}
