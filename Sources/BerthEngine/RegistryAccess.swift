// What pull, push, login and search share: registries.conf (short names, mirrors,
// insecure and blocked registries), credentials from --creds or the auth files,
// TLS settings from --tls-verify and --cert-dir, proxies from the environment.
import BerthImage
package import BerthRegistry
import BerthSystem

/// The flags every registry command takes, as podman spells them.
package struct RegistryOptions: Sendable {
    /// --tls-verify; nil lets registries.conf decide.
    package var tlsVerify: Bool?
    package var certDirectory: String?
    /// --creds user:password.
    package var credentials: Credentials?
    package var authFile: String?

    package init(tlsVerify: Bool? = nil, certDirectory: String? = nil, credentials: Credentials? = nil, authFile: String? = nil) {
        self.tlsVerify = tlsVerify
        self.certDirectory = certDirectory
        self.credentials = credentials
        self.authFile = authFile
    }
}

/// Where to fetch an image from: the name as the registry knows it and how to reach it.
struct RegistryEndpoint {
    var reference: ImageReference
    var insecure: Bool
    var isMirror: Bool
}

final class RegistryAccess {
    let options: RegistryOptions
    let environment: [String: String]
    let conf: RegistriesConf
    let proxy: ProxySettings
    private var clients: [String: RegistryClient] = [:]

    init(_ options: RegistryOptions) throws {
        self.options = options
        environment = Environment.dictionary()
        conf = try RegistriesConf.load(environment: environment)
        proxy = try ProxySettings.fromEnvironment(environment)
    }

    /// The references a name a user typed may mean, in the order to try them: a fully
    /// qualified name is itself; a short name goes through [aliases], then the
    /// unqualified-search-registries, and means docker.io when none are configured.
    func candidates(_ text: String) throws -> [ImageReference] {
        // podman: an explicit docker:// name is normalized (docker.io for short ones),
        // never resolved through aliases or search registries.
        if text.hasPrefix("docker://") {
            var reference = try ImageReference.parse(String(text.dropFirst(9)))
            if reference.digest != nil { reference.tag = nil }
            return [reference]
        }
        var given = try ImageReference.parse(text)
        // name:tag@digest means the digest, as podman reads it: the tag is dropped.
        if given.digest != nil { given.tag = nil }
        let first = text.split(separator: "/").first.map(String.init) ?? text
        let isQualified = text.contains("/") && ImageReference.isDomain(first)
        if isQualified { return [given] }
        let bare = text.split(separator: "@")[0].split(separator: ":")[0]
        if let alias = conf.aliases[String(bare)] {
            var reference = try ImageReference.parse(alias)
            reference.tag = given.tag
            reference.digest = given.digest
            return [reference]
        }
        if conf.unqualifiedSearchRegistries.isEmpty { return [given] }
        return try conf.unqualifiedSearchRegistries.map { registry in
            var reference = try ImageReference.parse(registry + "/" + text)
            if reference.digest != nil { reference.tag = nil }
            return reference
        }
    }

    /// Mirrors first, then the registry itself; throws when registries.conf blocks it.
    func endpoints(for reference: ImageReference) throws -> [RegistryEndpoint] {
        if let entry = conf.registry(for: reference.repository), entry.blocked {
            throw RegistryError.blocked(name: reference.repository, config: "registries.conf")
        }
        let listed = conf.endpoints(for: reference.repository, byDigest: reference.digest != nil)
        var result: [RegistryEndpoint] = []
        for (index, endpoint) in listed.enumerated() {
            var rewritten = try ImageReference.parse(endpoint.name + ":latest")
            rewritten.tag = reference.tag
            rewritten.digest = reference.digest
            result.append(RegistryEndpoint(reference: rewritten, insecure: endpoint.insecure, isMirror: index < listed.count - 1))
        }
        return result.isEmpty ? [RegistryEndpoint(reference: reference, insecure: false, isMirror: false)] : result
    }

    /// Whether registries.conf calls `registry` insecure.
    func isInsecure(_ registry: String) -> Bool {
        conf.registry(for: registry)?.insecure ?? false
    }

    /// A client for `reference`'s registry with the credentials that apply to its repository.
    func client(for reference: ImageReference, insecure: Bool) throws -> RegistryClient {
        let credentials = try options.credentials ?? AuthFile.credentials(
            for: reference.repository, paths: AuthFile.readPaths(explicit: options.authFile, environment: environment))
        return client(registry: reference.domain, insecure: insecure, credentials: credentials)
    }

    func client(registry: String, insecure: Bool, credentials: Credentials?) -> RegistryClient {
        let insecure = options.tlsVerify.map { !$0 } ?? insecure
        let key = "\(registry) \(insecure) \(credentials?.username ?? "") \(credentials?.password ?? "")"
        if let existing = clients[key] { return existing }
        let made = RegistryClient(registry: registry, options: RegistryClient.Options(
            insecure: insecure, tls: TLSOptions(verify: !insecure, certDirectory: certDirectory(for: registry)),
            proxy: proxy, credentials: credentials))
        clients[key] = made
        return made
    }

    /// --cert-dir, else podman's per-registry directories when they exist.
    private func certDirectory(for registry: String) -> String? {
        if let explicit = options.certDirectory { return explicit }
        var candidates: [String] = []
        if let home = environment["HOME"], StorePaths.isRootless { candidates.append(home + "/.config/containers/certs.d/" + registry) }
        candidates += ["/etc/containers/certs.d/" + registry, "/etc/docker/certs.d/" + registry]
        return candidates.first(where: FileSystem.isDirectory)
    }
}
