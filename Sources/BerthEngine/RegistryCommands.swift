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
        guard !key.isEmpty, !key.contains(where: { $0 == " " || $0 == "@" }) else {
            throw ImageError.invalidArgument("invalid registry \"\(text)\"")
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
        let registry = String(key.split(separator: "/")[0])
        let access = try RegistryAccess(options)
        let client = access.client(registry: registry, insecure: access.isInsecure(registry), credentials: credentials)
        try client.verifyCredentials()
        let path = AuthFile.writePath(explicit: options.authFile, environment: access.environment)
        try AuthFile.store(credentials, for: key, at: path)
        return path
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
            guard let repositories = try client.catalog() else {
                throw ImageError.invalidArgument("\(registry) does not support listing its repositories (the _catalog API); search by exact name with --list-tags")
            }
            for repository in repositories where term.isEmpty || repository.contains(term) {
                results.append(SearchResult(name: registry + "/" + repository, tags: []))
            }
        }
        if let limit, limit > 0 {
            if listTags { results = results.map { SearchResult(name: $0.name, tags: Array($0.tags.prefix(limit))) } }
            else { results = Array(results.prefix(limit)) }
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
