// `login`, `logout`, `search` and `manifest inspect`: the registry verbs that do not
// move images.
import BerthImage
package import BerthRegistry
import BerthSystem

package struct SearchResult: Sendable {
    /// "registry/repository".
    package var name: String
    package var tags: [String]
}

extension Engine {
    /// The auth.json key for what a user typed after `login`: "host[:port][/repo]",
    /// without a scheme or a trailing slash; docker.io stays docker.io.
    package static func registryKey(_ text: String) throws -> String {
        var key = text
        for prefix in ["https://", "http://", "docker://"] where key.hasPrefix(prefix) { key.removeFirst(prefix.count) }
        while key.hasSuffix("/") { key.removeLast() }
        if key == "index.docker.io" || key == "registry-1.docker.io" { key = "docker.io" }
        guard !key.isEmpty, !key.contains(" ") else {
            throw ImageError.invalidArgument("invalid registry \"\(text)\"")
        }
        // host:port is fine; a tag or digest after a repository path is not (podman's rule).
        if key.contains("@") || (key.contains("/") && key.split(separator: "/").last!.contains(":")) {
            throw ImageError.invalidArgument("reference \"\(text)\" contains tag or digest")
        }
        return key
    }

    /// The registry `login` and `logout` mean without one named: podman's first
    /// unqualified-search registry.
    package func defaultRegistry(_ verb: String) throws -> String {
        guard let first = try RegistryAccess(RegistryOptions()).conf.unqualifiedSearchRegistries.first else {
            throw ImageError.invalidArgument("please provide a registry to \(verb) (no unqualified-search-registries in registries.conf)")
        }
        return first
    }

    /// Checks `credentials` against the registry, then stores them in the auth file.
    /// Returns the file written.
    package func login(_ registryText: String, credentials: Credentials, options: RegistryOptions) throws -> String {
        let key = try Self.registryKey(registryText)
        try verify(registryText, credentials: credentials, options: options)
        let path = AuthFile.writePath(explicit: options.authFile, environment: Environment.dictionary())
        try AuthFile.store(credentials, for: key, at: path)
        return path
    }

    /// Whether the registry accepts `credentials`; throws `.unauthorized` when not.
    package func verify(_ registryText: String, credentials: Credentials, options: RegistryOptions) throws {
        let registry = String(try Self.registryKey(registryText).split(separator: "/")[0])
        let access = try RegistryAccess(options)
        try access.client(registry: registry, insecure: access.isInsecure(registry), credentials: credentials).verifyCredentials()
    }

    /// The credentials already stored for `registryText`, if any.
    package func storedCredentials(_ registryText: String, options: RegistryOptions) throws -> Credentials? {
        let key = try Self.registryKey(registryText)
        let environment = Environment.dictionary()
        return try AuthFile.credentials(for: key, paths: AuthFile.readPaths(explicit: options.authFile, environment: environment))
    }

    /// Removes stored credentials; false when there were none.
    package func logout(_ registryText: String?, authFile: String?) throws -> Bool {
        let path = AuthFile.writePath(explicit: authFile, environment: Environment.dictionary())
        guard let registryText else {
            try AuthFile.removeAll(at: path)
            return true
        }
        return try AuthFile.remove(key: try Self.registryKey(registryText), at: path)
    }

    /// `search REGISTRY/TERM`: the registry's catalog filtered by TERM.
    package func search(_ text: String, limit: Int?, listTags: Bool, options: RegistryOptions) throws -> [SearchResult] {
        let access = try RegistryAccess(options)
        var registries: [String]
        var term: String
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        if parts.count == 2 || text.hasSuffix("/"), ImageReference.isDomain(parts[0]) {
            registries = [parts[0]]
            term = parts.count == 2 ? parts[1] : ""
        } else {
            registries = access.conf.unqualifiedSearchRegistries
            term = text
            if registries.isEmpty {
                throw ImageError.invalidArgument("no registry to search: name one (`search REGISTRY/TERM`) or set unqualified-search-registries in registries.conf")
            }
        }
        var results: [SearchResult] = []
        for registry in registries {
            if listTags {
                let reference = try ImageReference.parse(registry + "/" + term)
                let client = try access.client(for: reference, insecure: access.isInsecure(registry))
                results.append(SearchResult(name: reference.repository, tags: try client.tags(reference.path)))
                continue
            }
            let client = try access.client(for: try ImageReference.parse(registry + "/x"), insecure: access.isInsecure(registry))
            let catalog: [String]
            switch try client.catalog() {
            case .listed(let repositories):
                catalog = repositories
            case .unavailable(let status):
                throw ImageError.invalidArgument("\(registry) does not offer its list of repositories (_catalog answered \(status)); search for one repository's tags with --list-tags REGISTRY/NAME")
            }
            // --limit counts per registry, as podman's does.
            let matches = catalog.filter { term.isEmpty || $0.contains(term) }.prefix(limit.flatMap { $0 > 0 ? $0 : nil } ?? Int.max)
            results += matches.map { SearchResult(name: registry + "/" + $0, tags: []) }
        }
        if listTags, let limit, limit > 0 {
            results = results.map { SearchResult(name: $0.name, tags: Array($0.tags.prefix(limit))) }
        }
        return results
    }

    /// The manifest or index a registry holds for `text`, as it sent it.
    package func remoteManifest(_ text: String, options: RegistryOptions) throws -> FetchedManifest {
        let access = try RegistryAccess(options)
        let reference = try access.candidates(text)[0]
        let endpoint = try access.endpoints(for: reference).last!
        let client = try access.client(for: endpoint.reference, insecure: endpoint.insecure)
        return try client.manifest(endpoint.reference.path, reference: endpoint.reference.digest?.description ?? endpoint.reference.tag ?? "latest")
    }
}
