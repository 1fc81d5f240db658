// containers-registries.conf(5): which registries short names search, per-prefix
// mirrors, locations, insecure and blocked flags, and short-name aliases, loaded
// from registries.conf and its registries.conf.d drop-ins as podman loads them.
import BerthConfig
import BerthSystem
import Glibc

package struct RegistriesConf: Sendable, Equatable {
    package struct Mirror: Sendable, Equatable {
        /// `pull-from-mirror`: which pulls may use this mirror.
        package enum Use: String, Sendable, Equatable {
            case all
            case digestOnly = "digest-only"
            case tagOnly = "tag-only"
        }

        package var location: String
        package var insecure: Bool
        package var use: Use

        package init(location: String, insecure: Bool = false, use: Use = .all) {
            self.location = location
            self.insecure = insecure
            self.use = use
        }
    }

    package struct Registry: Sendable, Equatable {
        /// What image names it applies to: "host[:port][/path]" or "*.domain".
        package var prefix: String
        /// Where those names really live; empty only for a "*.domain" prefix, meaning
        /// names are used as they are.
        package var location: String
        package var insecure: Bool
        package var blocked: Bool
        package var mirrors: [Mirror]
        /// `mirror-by-digest-only`: mirrors serve only pulls by digest (a tag on a
        /// mirror may name other content than on the registry).
        package var mirrorByDigestOnly: Bool

        package init(prefix: String, location: String, insecure: Bool = false, blocked: Bool = false, mirrors: [Mirror] = [],
                     mirrorByDigestOnly: Bool = false) {
            self.prefix = prefix
            self.location = location
            self.insecure = insecure
            self.blocked = blocked
            self.mirrors = mirrors
            self.mirrorByDigestOnly = mirrorByDigestOnly
        }
    }

    /// One place to try a pull from: the rewritten name and whether TLS may be skipped.
    package struct Endpoint: Sendable, Equatable {
        package var name: String
        package var insecure: Bool

        package init(name: String, insecure: Bool) {
            self.name = name
            self.insecure = insecure
        }
    }

    package var unqualifiedSearchRegistries: [String]
    package var registries: [Registry]
    package var aliases: [String: String]
    /// "enforcing", "permissive" or "disabled"; nil when no file sets it (podman then
    /// behaves as "permissive").
    package var shortNameMode: String?

    package init(unqualifiedSearchRegistries: [String] = [], registries: [Registry] = [], aliases: [String: String] = [:], shortNameMode: String? = nil) {
        self.unqualifiedSearchRegistries = unqualifiedSearchRegistries
        self.registries = registries
        self.aliases = aliases
        self.shortNameMode = shortNameMode
    }

    /// One file's content on its own, before it is layered over the files read earlier.
    /// Optionals are nil when the file leaves the setting alone.
    struct Layer {
        var unqualifiedSearchRegistries: [String]?
        var shortNameMode: String?
        var registries: [Registry] = []
        /// An empty value erases an alias set by an earlier file.
        var aliases: [String: String] = [:]
    }

    package static func parse(_ text: String, path: String) throws -> RegistriesConf {
        var conf = RegistriesConf()
        conf.apply(try layer(text, path: path, isDropIn: false))
        return conf
    }

    /// Layers a later file over this configuration, as containers-registries.conf.d(5)
    /// says: settings it makes replace earlier ones, [[registry]] tables replace
    /// those with the same prefix and add the others, aliases merge.
    mutating func apply(_ layer: Layer) {
        if let search = layer.unqualifiedSearchRegistries { unqualifiedSearchRegistries = search }
        if let mode = layer.shortNameMode { shortNameMode = mode }
        for registry in layer.registries {
            if let index = registries.firstIndex(where: { $0.prefix == registry.prefix }) {
                registries[index] = registry
            } else {
                registries.append(registry)
            }
        }
        for (name, value) in layer.aliases {
            aliases[name] = value.isEmpty ? nil : value
        }
    }

    // MARK: Which files

    /// The main file and the drop-ins, in the order podman reads them (see `files`);
    /// a missing default file or directory is skipped, a missing
    /// CONTAINERS_REGISTRIES_CONF is an error as in podman.
    package static func load(environment: [String: String]) throws -> RegistriesConf {
        try load(environment: environment, systemDirectory: "/etc/containers")
    }

    /// `systemDirectory` stands in for /etc/containers in tests.
    static func load(environment: [String: String], systemDirectory: String) throws -> RegistriesConf {
        let sources = files(environment: environment, systemDirectory: systemDirectory)
        var conf = RegistriesConf()
        if let text = try readIfPresent(sources.main) {
            conf.apply(try layer(text, path: sources.main, isDropIn: false))
        } else if sources.mainIsExplicit {
            throw RegistryError.system(SystemError("open", sources.main, errno: ENOENT))
        }
        for directory in sources.dropInDirectories {
            for path in try dropIns(in: directory) {
                // A drop-in removed since the listing is a race to ignore, as podman does.
                guard let text = try readIfPresent(path) else { continue }
                conf.apply(try layer(text, path: path, isDropIn: true))
            }
        }
        return conf
    }

    /// containers-registries.conf(5): $HOME/.config/containers/registries.conf if it
    /// exists, else /etc/containers/registries.conf. containers-registries.conf.d(5):
    /// after /etc/containers/registries.conf come /etc/containers/registries.conf.d,
    /// then $HOME/.config/containers/registries.conf.d; after the user's own
    /// registries.conf only the latter. CONTAINERS_REGISTRIES_CONF (podman(1)) replaces
    /// the main file only: podman still reads both drop-in directories after it.
    static func files(environment: [String: String], systemDirectory: String) -> (main: String, mainIsExplicit: Bool, dropInDirectories: [String]) {
        let systemFile = systemDirectory + "/registries.conf"
        let home = homeDirectory(environment)
        let userFile = home.map { $0 + "/.config/containers/registries.conf" }
        let userDirectories = userFile.map { [$0 + ".d"] } ?? []
        if let explicit = environment["CONTAINERS_REGISTRIES_CONF"], !explicit.isEmpty {
            return (explicit, true, [systemFile + ".d"] + userDirectories)
        }
        if let userFile, access(userFile, F_OK) == 0 {
            return (userFile, false, userDirectories)
        }
        return (systemFile, false, [systemFile + ".d"] + userDirectories)
    }

    /// HOME, else the passwd entry, as podman's homedir.Get.
    static func homeDirectory(_ environment: [String: String]) -> String? {
        if let home = environment["HOME"], !home.isEmpty { return home }
        guard let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir else { return nil }
        let home = String(cString: dir)
        return home.isEmpty ? nil : home
    }

    /// The *.conf files directly in `directory` (not in subdirectories), in byte order.
    private static func dropIns(in directory: String) throws -> [String] {
        let names: [String]
        do {
            names = try FileSystem.list(directory)
        } catch let error as SystemError {
            if error.errno == ENOTDIR { return [] }
            throw RegistryError.system(error)
        }
        return names.filter { $0.hasSuffix(".conf") }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            .map { directory + "/" + $0 }
            .filter { !FileSystem.isDirectory($0) }
    }

    /// The file's text, or nil when it does not exist.
    static func readIfPresent(_ path: String) throws -> String? {
        do {
            return try FileSystem.readText(path)
        } catch let error as SystemError {
            if error.errno == ENOENT || error.errno == ENOTDIR { return nil }
            throw RegistryError.system(error)
        }
    }

    // MARK: Matching names

    /// The [[registry]] whose prefix matches `name` ("host[:port]/path/repo", a tag or
    /// digest allowed) best: the longest prefix, a literal one before a "*.domain"
    /// of the same length, the first of equals (containers-registries.conf(5)).
    package func registry(for name: String) -> Registry? {
        var best: (registry: Registry, length: Int, isWildcard: Bool)?
        for registry in registries where Self.matchedLength(of: registry.prefix, in: name) != nil {
            let length = registry.prefix.utf8.count
            let isWildcard = registry.prefix.hasPrefix("*.")
            if let current = best, current.length > length || (current.length == length && (isWildcard || !current.isWildcard)) {
                continue
            }
            best = (registry, length, isWildcard)
        }
        return best?.registry
    }

    /// Where to pull `name` from, in order: each mirror, then the registry's location
    /// itself; in each, the part of `name` the prefix matched is replaced by the
    /// location. A name no [[registry]] covers yields itself, secure. Blocked
    /// registries are not filtered out here: see `isBlocked`.
    /// `byDigest`: the pull names a digest, which mirrors limited to digests serve.
    package func endpoints(for name: String, byDigest: Bool = false) -> [Endpoint] {
        guard let registry = registry(for: name), let matched = Self.matchedLength(of: registry.prefix, in: name) else {
            return [Endpoint(name: name, insecure: false)]
        }
        let rest = String(decoding: name.utf8.dropFirst(matched), as: UTF8.self)
        let usable = registry.mirrors.filter { mirror in
            if registry.mirrorByDigestOnly && !byDigest { return false }
            switch mirror.use {
            case .all: return true
            case .digestOnly: return byDigest
            case .tagOnly: return !byDigest
            }
        }
        var endpoints = usable.map { Endpoint(name: $0.location + rest, insecure: $0.insecure) }
        endpoints.append(Endpoint(name: registry.location.isEmpty ? name : registry.location + rest, insecure: registry.insecure))
        return endpoints
    }

    package func isBlocked(_ name: String) -> Bool {
        registry(for: name)?.blocked ?? false
    }

    /// How many bytes of `name` `prefix` covers, or nil when it does not match.
    /// A literal prefix must end where a path component, tag or digest starts: so
    /// "example.com" matches neither "example.com.evil/x" nor "example.com:5000/x"
    /// (podman's matcher still allows the latter, and warns not to rely on it).
    /// "*.example.com" matches any host strictly below example.com, with or without
    /// a port, and covers the whole host[:port].
    static func matchedLength(of prefix: String, in name: String) -> Int? {
        if prefix.hasPrefix("*.") {
            let suffix = prefix.utf8.dropFirst()
            let hostEnd = name.utf8.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "@") }) ?? name.utf8.endIndex
            let host = name.utf8[..<hostEnd]
            let hostName = host[..<(host.firstIndex(of: UInt8(ascii: ":")) ?? host.endIndex)]
            guard hostName.count > suffix.count, hostName.reversed().starts(with: suffix.reversed()) else { return nil }
            return host.count
        }
        guard name.utf8.starts(with: prefix.utf8) else { return nil }
        let length = prefix.utf8.count
        guard let next = name.utf8.dropFirst(length).first else { return length }
        switch next {
        case UInt8(ascii: "/"), UInt8(ascii: "@"): return length
        // A colon after a repository path starts a tag; after a bare host, a port.
        case UInt8(ascii: ":"): return prefix.contains("/") ? length : nil
        default: return nil
        }
    }
}

// MARK: Reading one file

extension RegistriesConf {
    /// Parses one file into a layer. Drop-ins must use the version 2 format
    /// (containers-registries.conf.d(5)); a main file may use version 1 instead, but
    /// not both at once.
    static func layer(_ text: String, path: String, isDropIn: Bool) throws -> Layer {
        let root: TOMLTable
        do {
            root = try TOMLParser.parse(text)
        } catch {
            throw RegistryError.invalidRegistriesConf(path: path, line: error.line, reason: error.reason)
        }
        let reader = FieldReader(path: path)
        if let v1 = root["registries"] {
            guard case .table(let table) = v1.value else {
                throw reader.fail(v1.line, "\"registries\" must be a table ([registries.search] and so on, the version 1 format), not \(v1.value.kind)")
            }
            if isDropIn {
                throw reader.fail(
                    v1.line, "drop-in files must use the version 2 format; [registries.search], [registries.insecure] and [registries.block] are version 1")
            }
            let v2Keys = ["unqualified-search-registries", "registry", "aliases", "short-name-mode", "credential-helpers"]
            if let v2 = v2Keys.first(where: { root[$0] != nil }), let v2Entry = root[v2] {
                throw reader.fail(
                    v2Entry.line,
                    "\"\(v2)\" is a version 2 setting, but line \(v1.line) uses the version 1 [registries.*] tables; mixing the two formats is not supported")
            }
            return try versionOneLayer(table, reader: reader)
        }
        var layer = Layer()
        if let entry = root["unqualified-search-registries"] {
            layer.unqualifiedSearchRegistries = try reader.strings(entry, "unqualified-search-registries").map { host in
                let trimmed = try reader.location(host, line: entry.line, field: "unqualified-search-registries entry")
                guard Self.isHostPort(trimmed) else {
                    throw reader.fail(entry.line, "invalid unqualified-search-registries entry \"\(host)\": expected host[:port]")
                }
                return trimmed
            }
        }
        if let entry = root["short-name-mode"] {
            let mode = try reader.string(entry, "short-name-mode")
            guard ["", "enforcing", "permissive", "disabled"].contains(mode) else {
                throw reader.fail(entry.line, "invalid short-name-mode \"\(mode)\": expected \"enforcing\", \"permissive\" or \"disabled\"")
            }
            layer.shortNameMode = mode.isEmpty ? nil : mode
        }
        if let entry = root["registry"] {
            let parsed = try reader.tables(entry, "registry").map { (registry: try Self.registry($0, reader: reader), line: $0.line) }
            try Self.checkConsistency(parsed, reader: reader)
            // As podman: of several tables with one prefix, the first counts.
            var seen: Set<String> = []
            layer.registries = parsed.map(\.registry).filter { seen.insert($0.prefix).inserted }
        }
        if let entry = root["aliases"] {
            guard case .table(let table) = entry.value else {
                throw reader.fail(entry.line, "\"aliases\" must be a table ([aliases]), not \(entry.value.kind)")
            }
            for name in table.keys {
                let aliasEntry = table[name]!
                let value = try reader.string(aliasEntry, "alias \"\(name)\"")
                if let problem = Self.shortNameProblem(name) ?? (value.isEmpty ? nil : Self.aliasValueProblem(value)) {
                    throw reader.fail(aliasEntry.line, "invalid alias \"\(name)\" = \"\(value)\": \(problem)")
                }
                layer.aliases[name] = value
            }
        }
        return layer
    }

    /// [registries.search], [registries.insecure] and [registries.block], each with a
    /// `registries` list: a [[registry]] per insecure or blocked host, in order of
    /// first mention (block lists first, as podman converts them).
    private static func versionOneLayer(_ table: TOMLTable, reader: FieldReader) throws -> Layer {
        func hosts(_ section: String) throws -> [String]? {
            guard let entry = table[section] else { return nil }
            guard case .table(let sectionTable) = entry.value else {
                throw reader.fail(entry.line, "\"registries.\(section)\" must be a table, not \(entry.value.kind)")
            }
            guard let list = sectionTable["registries"] else { return nil }
            return try reader.strings(list, "registries.\(section).registries").map { try reader.location($0, line: list.line, field: "registry") }
        }
        var layer = Layer()
        var registries: [Registry] = []
        func entry(_ host: String) -> Int {
            if let index = registries.firstIndex(where: { $0.location == host }) { return index }
            registries.append(Registry(prefix: host, location: host))
            return registries.count - 1
        }
        for host in try hosts("block") ?? [] { registries[entry(host)].blocked = true }
        for host in try hosts("insecure") ?? [] { registries[entry(host)].insecure = true }
        layer.unqualifiedSearchRegistries = try hosts("search")
        layer.registries = registries
        return layer
    }

    private static func registry(_ table: TOMLTable, reader: FieldReader) throws -> Registry {
        let line = table.line
        let location = try table["location"].map { try reader.location(try reader.string($0, "location"), line: $0.line, field: "location") } ?? ""
        var prefix = try table["prefix"].map { try reader.location(try reader.string($0, "prefix"), line: $0.line, field: "prefix") } ?? ""
        if prefix.isEmpty {
            guard !location.isEmpty else { throw reader.fail(line, "[[registry]] needs a location or a prefix") }
            prefix = location
        } else if prefix.hasPrefix("*.") {
            if prefix.dropFirst(2).contains(where: { "/@:*".contains($0) }) || prefix.count == 2 {
                throw reader.fail(line, "invalid prefix \"\(prefix)\": a wildcard prefix must be \"*.domain\", without port or path")
            }
        } else if prefix.contains("*") {
            throw reader.fail(line, "invalid prefix \"\(prefix)\": '*' is allowed only as a leading \"*.\"")
        } else if location.isEmpty {
            throw reader.fail(line, "[[registry]] with prefix \"\(prefix)\" needs a location (only a \"*.domain\" prefix may leave it empty)")
        }
        var registry = Registry(prefix: prefix, location: location)
        if let entry = table["insecure"] { registry.insecure = try reader.bool(entry, "insecure") }
        if let entry = table["blocked"] { registry.blocked = try reader.bool(entry, "blocked") }
        if let entry = table["mirror-by-digest-only"] { registry.mirrorByDigestOnly = try reader.bool(entry, "mirror-by-digest-only") }
        if let entry = table["mirror"] {
            for mirrorTable in try reader.tables(entry, "mirror") {
                guard let locationEntry = mirrorTable["location"] else {
                    throw reader.fail(mirrorTable.line, "[[registry.mirror]] needs a location")
                }
                let mirrorLocation = try reader.location(try reader.string(locationEntry, "location"), line: locationEntry.line, field: "location")
                guard !mirrorLocation.isEmpty else { throw reader.fail(locationEntry.line, "a mirror location cannot be empty") }
                var mirror = Mirror(location: mirrorLocation)
                if let entry = mirrorTable["insecure"] { mirror.insecure = try reader.bool(entry, "insecure") }
                if let entry = mirrorTable["pull-from-mirror"] {
                    let text = try reader.string(entry, "pull-from-mirror")
                    guard let use = Mirror.Use(rawValue: text) else {
                        throw reader.fail(entry.line, "invalid pull-from-mirror \"\(text)\": use all, digest-only or tag-only")
                    }
                    mirror.use = use
                }
                registry.mirrors.append(mirror)
            }
        }
        // containers/image refuses the two together: which one would decide is unclear.
        if registry.mirrorByDigestOnly, registry.mirrors.contains(where: { $0.use != .all }) {
            throw reader.fail(line, "mirror-by-digest-only and pull-from-mirror cannot both be set for [[registry]] \"\(registry.prefix)\"")
        }
        return registry
    }

    /// One registry under several prefixes must agree on insecure and blocked, or
    /// which applies would depend on the name pulled (podman refuses it too).
    private static func checkConsistency(_ registries: [(registry: Registry, line: Int)], reader: FieldReader) throws {
        var first: [String: Registry] = [:]
        for (registry, line) in registries {
            let key = registry.location.isEmpty ? registry.prefix : registry.location
            guard let earlier = first[key] else {
                first[key] = registry
                continue
            }
            if earlier.insecure != registry.insecure {
                throw reader.fail(line, "registry \"\(key)\" is defined more than once with conflicting 'insecure' settings")
            }
            if earlier.blocked != registry.blocked {
                throw reader.fail(line, "registry \"\(key)\" is defined more than once with conflicting 'blocked' settings")
            }
        }
    }

    /// "host", "host:port", "[v6]:port": what unqualified-search-registries holds.
    private static func isHostPort(_ text: String) -> Bool {
        !text.isEmpty && !text.contains(where: { $0 == "/" || $0 == "@" || $0.isWhitespace || !$0.isASCII })
    }

    /// containers-registries.conf(5): an alias name is a short name: no registry, no
    /// tag, no digest.
    private static func shortNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "the name is empty" }
        if name.contains("@") { return "the name must not contain a digest" }
        if name.contains(":") { return "the name must not contain a tag or a registry" }
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        if components.contains(where: \.isEmpty) { return "the name has an empty path component" }
        if components.count > 1 && (components[0].contains(".") || components[0] == "localhost") {
            return "the name must be a short name, without a registry"
        }
        return nil
    }

    /// The value is a fully qualified name: a registry and a repository, no tag or digest.
    private static func aliasValueProblem(_ value: String) -> String? {
        if value.contains("@") { return "the value must not contain a digest" }
        let components = value.split(separator: "/", omittingEmptySubsequences: false)
        if components.contains(where: \.isEmpty) { return "the value has an empty path component" }
        if components.count > 1, components.last!.contains(":") { return "the value must not contain a tag" }
        let host = components[0]
        guard components.count > 1, host.contains(".") || host.contains(":") || host == "localhost" else {
            return "the value must name a registry and a repository"
        }
        return nil
    }
}

/// Typed reads of TOML entries, failing with the file and the entry's line.
private struct FieldReader {
    let path: String

    func fail(_ line: Int, _ reason: String) -> RegistryError {
        .invalidRegistriesConf(path: path, line: line, reason: reason)
    }

    func string(_ entry: TOMLEntry, _ name: String) throws -> String {
        guard case .string(let value) = entry.value else { throw fail(entry.line, "\(name) must be a string, not \(entry.value.kind)") }
        return value
    }

    func bool(_ entry: TOMLEntry, _ name: String) throws -> Bool {
        guard case .bool(let value) = entry.value else { throw fail(entry.line, "\(name) must be true or false, not \(entry.value.kind)") }
        return value
    }

    func strings(_ entry: TOMLEntry, _ name: String) throws -> [String] {
        guard case .array(let values) = entry.value else { throw fail(entry.line, "\(name) must be an array of strings, not \(entry.value.kind)") }
        return try values.map { value in
            guard case .string(let text) = value else { throw fail(entry.line, "\(name) must be an array of strings, but holds \(value.kind)") }
            return text
        }
    }

    /// `[[name]]` tables, or the same written as an array of inline tables.
    func tables(_ entry: TOMLEntry, _ name: String) throws -> [TOMLTable] {
        switch entry.value {
        case .tableArray(let tables):
            return tables
        case .array(let values):
            return try values.map { value in
                guard case .table(let table) = value else { throw fail(entry.line, "\(name) must hold tables ([[\(name)]]), not \(value.kind)") }
                return table
            }
        default:
            throw fail(entry.line, "\(name) must be written as [[\(name)]] tables, not \(entry.value.kind)")
        }
    }

    /// A location or prefix as podman normalises it: trailing slashes dropped, and
    /// no URL scheme (a registry is named, not addressed).
    func location(_ text: String, line: Int, field: String) throws -> String {
        var trimmed = Substring(text)
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        if trimmed.hasPrefix("http://") || trimmed.hasPrefix("https://") {
            throw fail(line, "invalid \(field) \"\(text)\": URL schemes are not supported; write host[:port][/path]")
        }
        return String(trimmed)
    }
}
