// `RUN --mount=…` in BuildKit's grammar (type=cache|bind|tmpfs|secret; ssh is
// refused): validated here, before anything is created, with the text the step's
// cache key takes from it.
import BerthSystem

package struct RunMountSpec: Sendable, Equatable {
    package enum Kind: String, Sendable { case bind, cache, tmpfs, secret }
    package enum Sharing: String, Sendable { case shared, `private`, locked }

    package var kind: Kind
    /// Where it appears in the container (a secret's default: /run/secrets/ID).
    package var target: String
    /// A path in the context (or in `from`), a cache's subdirectory, a secret's id fallback.
    package var source: String?
    /// bind and cache: a stage name or index, or an image.
    package var from: String?
    /// cache: which cache directory (default: the target); secret: which --secret.
    package var id: String?
    package var readOnly: Bool
    package var sharing = Sharing.shared
    package var mode: UInt32?
    package var uid: UInt32?
    package var gid: UInt32?
    /// tmpfs: its size in bytes (nil: no limit, as BuildKit).
    package var size: UInt64?
    /// secret: fail when the build has no such secret.
    package var required = false
    /// secret: exported as this variable instead of a file.
    package var env: String?

    /// The secret's id: `id=`, else the target's last component (BuildKit's rule).
    package var secretID: String { id ?? FileSystem.basename(of: target) }

    /// The target in the container: a relative one from `workingDirectory`.
    package func resolvedTarget(workingDirectory: String) -> String {
        // Empty: a secret given only as a variable.
        if target.isEmpty || target.hasPrefix("/") { return target }
        return (workingDirectory.hasSuffix("/") ? workingDirectory : workingDirectory + "/") + target
    }

    /// What the step's cache key takes from this mount: every option, never a
    /// secret's value (BuildKit keys a step by its mounts' options too).
    package var cacheKey: String {
        var fields = ["type=\(kind.rawValue)", "target=\(target)"]
        if let source { fields.append("source=\(source)") }
        if let from { fields.append("from=\(from)") }
        if let id { fields.append("id=\(id)") }
        fields.append(readOnly ? "ro" : "rw")
        if kind == .cache { fields.append("sharing=\(sharing.rawValue)") }
        if let mode { fields.append("mode=" + String(mode, radix: 8)) }
        if let uid { fields.append("uid=\(uid)") }
        if let gid { fields.append("gid=\(gid)") }
        if let size { fields.append("size=\(size)") }
        if required { fields.append("required") }
        if let env { fields.append("env=\(env)") }
        return fields.joined(separator: ",")
    }

    package static func parse(_ text: String) throws -> RunMountSpec {
        func fail(_ why: String) -> ContainerError { .invalid("invalid RUN --mount=\(text): \(why)") }
        var fields: [(String, String?)] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: true) {
            let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
            fields.append((kv[0].lowercased(), kv.count > 1 ? kv[1] : nil))
        }
        let typeName = fields.last { $0.0 == "type" }?.1 ?? "bind"
        if typeName == "ssh" { throw fail("type=ssh is not supported: berth has no SSH agent forwarding; use a secret") }
        guard let kind = Kind(rawValue: typeName) else { throw fail("unknown type \"\(typeName)\" (bind, cache, tmpfs, secret)") }
        var spec = RunMountSpec(kind: kind, target: "", readOnly: kind == .bind || kind == .secret)
        var target: String?
        func flag(_ value: String?, _ key: String) throws -> Bool {
            guard let value else { return true }
            switch value.lowercased() {
            case "true", "1": return true
            case "false", "0": return false
            default: throw fail("\(key) takes true or false, not \"\(value)\"")
            }
        }
        func number(_ value: String?, _ key: String, radix: Int = 10) throws -> UInt32 {
            guard let value, let n = UInt32(value, radix: radix) else { throw fail("\(key) needs a number, not \"\(value ?? "")\"") }
            return n
        }
        for (key, value) in fields {
            switch key {
            case "type": continue
            case "target", "dst", "destination": target = value
            case "source", "src": spec.source = value
            case "from": spec.from = value
            case "id": spec.id = value
            case "ro", "readonly": spec.readOnly = try flag(value, key)
            case "rw", "readwrite": spec.readOnly = !(try flag(value, key))
            case "sharing":
                guard let value, let sharing = Sharing(rawValue: value) else { throw fail("sharing must be shared, private or locked") }
                spec.sharing = sharing
            case "mode": spec.mode = try number(value, key, radix: 8)
            case "uid": spec.uid = try number(value, key)
            case "gid": spec.gid = try number(value, key)
            case "size":
                guard let value, let bytes = ByteSize.parse(value) else { throw fail("size needs a size such as 64m, not \"\(value ?? "")\"") }
                spec.size = bytes
            case "required": spec.required = try flag(value, key)
            case "env": spec.env = value
            default: throw fail("unknown option \"\(key)\"")
            }
            if value?.isEmpty == true { throw fail("\(key) needs a value") }
        }
        try check(&spec, target: target, fail: fail)
        return spec
    }

    /// The options each type allows, and the target rules.
    private static func check(_ spec: inout RunMountSpec, target: String?, fail: (String) -> ContainerError) throws {
        let allowed: Set<String>
        switch spec.kind {
        case .bind: allowed = ["source", "from", "readOnly"]
        case .cache: allowed = ["source", "from", "id", "readOnly", "sharing", "mode", "uid", "gid"]
        case .tmpfs: allowed = ["size", "readOnly"]
        case .secret: allowed = ["id", "readOnly", "mode", "uid", "gid", "required", "env", "source"]
        }
        let given: [(String, Bool)] = [("source", spec.source != nil), ("from", spec.from != nil), ("id", spec.id != nil),
                                       ("sharing", spec.sharing != .shared), ("mode", spec.mode != nil), ("uid", spec.uid != nil),
                                       ("gid", spec.gid != nil), ("size", spec.size != nil), ("required", spec.required),
                                       ("env", spec.env != nil)]
        for (name, isGiven) in given where isGiven && !allowed.contains(name) {
            throw fail("\(name) is not an option of type=\(spec.kind.rawValue)")
        }
        if spec.kind == .secret {
            if spec.id == nil, let source = spec.source { spec.id = source }
            spec.source = nil
            guard spec.id != nil || target != nil else { throw fail("a secret needs id= or target=") }
            spec.target = target ?? (spec.env != nil ? "" : "/run/secrets/" + (spec.id ?? ""))
            if spec.mode == nil { spec.mode = 0o400 }
        } else {
            guard let target, !target.isEmpty else { throw fail("target is required") }
            spec.target = target
        }
        if !spec.target.isEmpty {
            // A relative target is taken from the step's workdir (resolvedTarget), as BuildKit does.
            let parts = spec.target.split(separator: "/")
            guard !parts.contains("..") else { throw fail("target \"\(spec.target)\" must not contain \"..\"") }
            guard !parts.isEmpty else { throw fail("target / cannot be a mount") }
        }
    }
}

/// Sizes as BuildKit's tmpfs size takes them: bytes, or with k/m/g (powers of 1024).
enum ByteSize {
    static func parse(_ text: String) -> UInt64? {
        var digits = text.lowercased()
        if digits.hasSuffix("b") { digits.removeLast() }
        var unit: UInt64 = 1
        if let last = digits.last, let shift = ["k": 10, "m": 20, "g": 30][String(last)] {
            unit = 1 << UInt64(shift)
            digits.removeLast()
        }
        guard let value = UInt64(digits), value <= UInt64.max / unit else { return nil }
        return value * unit
    }
}
