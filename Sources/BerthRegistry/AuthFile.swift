// containers-auth.json(5): where podman keeps registry logins, how a name finds its
// credentials across auth.json and docker's config files, and rewriting the file
// without losing what other tools stored in it.
import BerthSystem
import FoundationEssentials
import Glibc

package struct Credentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    package var username: String
    package var password: String

    package init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// Never the password: credentials end up in test failures and debug prints.
    package var description: String { "Credentials(username: \(username), password: <redacted>)" }
    package var debugDescription: String { description }
}

package enum AuthFile {
    /// The file `login` writes and `logout` edits: `explicit` (--authfile), else
    /// REGISTRY_AUTH_FILE, else ${XDG_RUNTIME_DIR}/containers/auth.json.
    package static func writePath(explicit: String?, environment: [String: String]) -> String {
        writePath(explicit: explicit, environment: environment, uid: getuid())
    }

    /// Without XDG_RUNTIME_DIR, containers/image falls back to /run/containers/UID;
    /// rootless podman never gets there because it sets XDG_RUNTIME_DIR itself, to
    /// /run/user/UID, so that is where a rootless user's login lives.
    static func writePath(explicit: String?, environment: [String: String], uid: UInt32) -> String {
        if let path = userSpecifiedPath(explicit: explicit, environment: environment) { return path }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { return runtime + "/containers/auth.json" }
        return uid == 0 ? "/run/containers/0/auth.json" : "/run/user/\(uid)/containers/auth.json"
    }

    /// Where credentials are looked up, in order (containers-auth.json(5)): a file
    /// the user named alone; else the primary file, then
    /// ${XDG_CONFIG_HOME:-$HOME/.config}/containers/auth.json, then
    /// ${DOCKER_CONFIG:-$HOME/.docker}/config.json, then $HOME/.dockercfg (the legacy
    /// format without "auths", recognised by its name).
    package static func readPaths(explicit: String?, environment: [String: String]) -> [String] {
        readPaths(explicit: explicit, environment: environment, uid: getuid())
    }

    static func readPaths(explicit: String?, environment: [String: String], uid: UInt32) -> [String] {
        if let path = userSpecifiedPath(explicit: explicit, environment: environment) { return [path] }
        var paths = [writePath(explicit: nil, environment: environment, uid: uid)]
        let home = RegistriesConf.homeDirectory(environment)
        if let config = nonEmpty(environment["XDG_CONFIG_HOME"]) ?? home.map({ $0 + "/.config" }) {
            paths.append(config + "/containers/auth.json")
        }
        if let docker = nonEmpty(environment["DOCKER_CONFIG"]) ?? home.map({ $0 + "/.docker" }) {
            paths.append(docker + "/config.json")
        }
        if let home { paths.append(home + "/" + legacyFileName) }
        return paths
    }

    /// Credentials for `key` ("host[:port]" or "host[:port]/namespace/repo") from the
    /// first of `paths` that has any: in each file the most specific entry wins
    /// ("host/a/b", then "host/a", then "host"), then entries naming the same host as
    /// a URL ("https://host/v1/", as docker login wrote them); docker.io also matches
    /// "index.docker.io" and "registry-1.docker.io". Entries without an "auth" value
    /// (placeholders for credential helpers, which berth does not run) are passed over.
    package static func credentials(for key: String, paths: [String]) throws -> Credentials? {
        for path in paths {
            guard let document = try read(path) else { continue }
            let isLegacy = FileSystem.basename(of: path) == legacyFileName
            let entries = isLegacy ? document : try auths(in: document, path: path) ?? [:]
            let host = String(key.prefix(while: { $0 != "/" }))
            var candidates: [String] = []
            if !isLegacy {
                var scope = Substring(key)
                while let slash = scope.lastIndex(of: "/") {
                    candidates.append(String(scope))
                    scope = scope[..<slash]
                }
            }
            candidates.append(host)
            for candidate in candidates {
                if let entry = entries[candidate], let found = try decode(entry, key: candidate, path: path) { return found }
            }
            let wanted = normalizedHost(host)
            for candidate in entries.keys.sorted() where !candidates.contains(candidate) && normalizedHost(entryKey: candidate, isLegacy: isLegacy) == wanted {
                if let found = try decode(entries[candidate]!, key: candidate, path: path) { return found }
            }
        }
        return nil
    }

    /// Adds or replaces the entry for `key`, keeping every other key of the file and
    /// of the entry (except a stale "identitytoken" from an earlier login), and
    /// writes it atomically with mode 0600, creating missing directories 0700.
    package static func store(_ credentials: Credentials, for key: String, at path: String) throws {
        var document = try read(path) ?? [:]
        var entries = try auths(in: document, path: path) ?? [:]
        var entry: [String: JSONValue] = [:]
        if case .object(let existing)? = entries[key] { entry = existing }
        entry["auth"] = .string(Base64.encode(Array("\(credentials.username):\(credentials.password)".utf8)))
        entry["identitytoken"] = nil
        entries[key] = .object(entry)
        document["auths"] = .object(entries)
        try write(document, to: path)
    }

    /// Removes the entry for `key`; false when the file has none.
    package static func remove(key: String, at path: String) throws -> Bool {
        guard var document = try read(path), var entries = try auths(in: document, path: path), entries[key] != nil else { return false }
        entries[key] = nil
        document["auths"] = .object(entries)
        try write(document, to: path)
        return true
    }

    /// Empties "auths", keeping the file's other keys; no file is left as it is.
    package static func removeAll(at path: String) throws {
        guard var document = try read(path) else { return }
        document["auths"] = .object([:])
        try write(document, to: path)
    }

    // MARK: File access

    private static let legacyFileName = ".dockercfg"

    private static func userSpecifiedPath(explicit: String?, environment: [String: String]) -> String? {
        nonEmpty(explicit) ?? nonEmpty(environment["REGISTRY_AUTH_FILE"])
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    /// The file's top-level object; nil when it does not exist. An empty file counts
    /// as `{}`.
    private static func read(_ path: String) throws -> [String: JSONValue]? {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readFile(path)
        } catch let error as SystemError {
            if error.errno == ENOENT || error.errno == ENOTDIR { return nil }
            throw RegistryError.system(error)
        }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            // The decoder's own messages may quote the text: say no more than this.
            throw RegistryError.invalidAuthFile(path: path, reason: "not valid JSON")
        }
        guard case .object(let object) = value else {
            throw RegistryError.invalidAuthFile(path: path, reason: "expected a JSON object at the top level, found \(value.kind)")
        }
        return object
    }

    private static func auths(in document: [String: JSONValue], path: String) throws -> [String: JSONValue]? {
        switch document["auths"] {
        case nil, .null?: return nil
        case .object(let entries)?: return entries
        case let other?: throw RegistryError.invalidAuthFile(path: path, reason: "\"auths\" must be an object, not \(other.kind)")
        }
    }

    private static func write(_ document: [String: JSONValue], to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Values read from JSON always encode again; never write an empty file if not.
        guard let data = try? encoder.encode(JSONValue.object(document)) else {
            throw RegistryError.invalidAuthFile(path: path, reason: "cannot encode the updated file")
        }
        let bytes = Array(data) + [UInt8(ascii: "\n")]
        do {
            try FileSystem.makeDirectories(FileSystem.dirname(of: path), mode: 0o700)
            try AtomicFile.write(bytes, to: path, mode: 0o600)
        } catch let error as SystemError {
            throw RegistryError.system(error)
        }
    }

    /// The credentials in one entry; nil for an entry without "auth" or whose "auth"
    /// lacks the colon (docker skips those too). Errors never show the value.
    private static func decode(_ entry: JSONValue, key: String, path: String) throws -> Credentials? {
        guard case .object(let fields) = entry else {
            throw RegistryError.invalidAuthFile(path: path, reason: "the entry for \"\(key)\" must be an object, not \(entry.kind)")
        }
        let encoded: String
        switch fields["auth"] {
        case nil, .null?: return nil
        case .string(let text)?: encoded = text
        case let other?: throw RegistryError.invalidAuthFile(path: path, reason: "the \"auth\" value for \"\(key)\" must be a string, not \(other.kind)")
        }
        if encoded.isEmpty { return nil }
        guard let decoded = Base64.decode(encoded) else {
            throw RegistryError.invalidAuthFile(path: path, reason: "the \"auth\" value for \"\(key)\" is not valid base64")
        }
        guard let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        var password = decoded[(colon + 1)...]
        // Some writers pad the password with NULs; containers/image strips them too.
        while password.last == 0 { password = password.dropLast() }
        while password.first == 0 { password = password.dropFirst() }
        return Credentials(username: String(decoding: decoded[..<colon], as: UTF8.self), password: String(decoding: password, as: UTF8.self))
    }

    /// The registry host an entry key names, for the fallback match: URL keys
    /// ("https://index.docker.io/v1/") and legacy keys lose scheme and path, and
    /// Docker Hub's names all become one.
    private static func normalizedHost(entryKey key: String, isLegacy: Bool) -> String {
        var host = Substring(key)
        for scheme in ["http://", "https://"] where host.hasPrefix(scheme) { host = host.dropFirst(scheme.count) }
        if isLegacy || host.count != key.count { host = host.prefix(while: { $0 != "/" }) }
        return normalizedHost(String(host))
    }

    private static func normalizedHost(_ host: String) -> String {
        host == "docker.io" || host == "registry-1.docker.io" ? "index.docker.io" : host
    }
}

/// Any JSON value, so that rewriting the file keeps what berth does not understand.
private enum JSONValue: Codable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer, .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
