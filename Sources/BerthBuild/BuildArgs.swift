// Build arguments and their scoping, the Dockerfile reference's rules:
// - ARGs before the first FROM are global: FROM lines see them (and the automatic
//   platform args); a stage sees one only after redeclaring it (`ARG NAME`).
// - A user `--build-arg` sets a declared ARG (overriding its default); one that no
//   ARG declares is unused (podman warns) — except the predefined proxy args,
//   which RUN sees without a declaration but which are kept out of the image.
// - TARGETPLATFORM and friends are set automatically but, inside a stage, visible
//   only after `ARG TARGETPLATFORM`.
// - In a stage, an ENV of the same name wins over an ARG.

package struct BuildArgs: Sendable {
    /// The proxy args every RUN sees when the user gives them, never persisted.
    package static let proxyArgs: [String] = [
        "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy",
        "ALL_PROXY", "all_proxy",
    ]
    package static let platformArgs: [String] = [
        "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
        "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
    ]

    package var userArgs: [String: String]
    /// The automatic platform args' values (user args may override them).
    package var platformValues: [String: String]

    package init(userArgs: [String: String], platform: (os: String, arch: String, variant: String?)) {
        self.userArgs = userArgs
        var name = "\(platform.os)/\(platform.arch)"
        if let variant = platform.variant, !variant.isEmpty { name += "/\(variant)" }
        // berth builds for the machine it runs on: target and build platform are the same.
        platformValues = [:]
        for prefix in ["TARGET", "BUILD"] {
            platformValues[prefix + "PLATFORM"] = name
            platformValues[prefix + "OS"] = platform.os
            platformValues[prefix + "ARCH"] = platform.arch
            platformValues[prefix + "VARIANT"] = platform.variant ?? ""
        }
    }

    /// A predefined arg: usable without declaring it (proxies in RUN, platform args in FROM).
    package static func isPredefined(_ name: String) -> Bool {
        proxyArgs.contains(name) || platformArgs.contains(name)
    }

    /// The value an automatic platform arg has, a user's override first.
    func platformValue(_ name: String) -> String? {
        guard let value = platformValues[name] else { return nil }
        return userArgs[name] ?? value
    }

    /// What FROM lines may substitute: the automatic platform args and the global ARGs, each
    /// set by the user or to its default (expanded with the globals before it).
    package func fromEnvironment(globalArgs: [ArgDeclaration], expander: WordExpander) throws -> [String: String] {
        var values: [String: String] = [:]
        for name in Self.platformArgs { values[name] = platformValue(name) }
        for declaration in globalArgs {
            if let value = userArgs[declaration.name] {
                values[declaration.name] = value
            } else if let defaultValue = declaration.defaultValue {
                values[declaration.name] = try expander.expand(defaultValue) { values[$0] }
            } else if !Self.platformArgs.contains(declaration.name) {
                values[declaration.name] = nil
            }
        }
        return values
    }

    /// The scope a stage starts with.
    package func stageScope(globals: [String: String], expander: WordExpander = WordExpander()) -> ArgScope {
        ArgScope(buildArgs: self, globals: globals, expander: expander)
    }

    /// User args that no ARG of `stages` (or the global ones) declares, sorted: podman's
    /// `[Warning] one or more build args were not consumed: [X]`.
    package func unusedUserArgs(in dockerfile: Dockerfile, stages: [Int]? = nil) -> [String] {
        var declared = Set(dockerfile.globalArgs.map(\.name))
        for stage in dockerfile.stages where stages?.contains(stage.index) ?? true {
            for instruction in stage.instructions {
                if case .arg(let declarations) = instruction.kind { declared.formUnion(declarations.map(\.name)) }
            }
        }
        return userArgs.keys.filter { !declared.contains($0) && !Self.isPredefined($0) }.sorted()
    }
}

/// The args one stage has declared so far, with their values. The builder calls
/// `declare` at each ARG and asks `visible()` for what a RUN sees.
package struct ArgScope: Sendable {
    package let buildArgs: BuildArgs
    /// The global ARGs' values (from `fromEnvironment`): a bare `ARG NAME` in the stage takes them.
    package let globals: [String: String]
    package let expander: WordExpander
    /// Declared args in declaration order; nil value: declared without a value.
    private(set) var declared: [(name: String, value: String?)] = []

    package init(buildArgs: BuildArgs, globals: [String: String], expander: WordExpander = WordExpander()) {
        self.buildArgs = buildArgs
        self.globals = globals
        self.expander = expander
    }

    /// `ARG NAME[=default]` met in the stage. `env` is the stage's ENV at that point: a
    /// default may use it and earlier args (ENV first, the reference's precedence).
    package mutating func declare(_ declaration: ArgDeclaration, env: [String: String]) throws {
        let name = declaration.name
        let value: String?
        if let user = buildArgs.userArgs[name] {
            value = user
        } else if let defaultValue = declaration.defaultValue {
            let known = values()
            value = try expander.expand(defaultValue) { env[$0] ?? known[$0] }
        } else if let global = globals[name] {
            value = global
        } else {
            value = buildArgs.platformValue(name)
        }
        declared.removeAll { $0.name == name }
        declared.append((name, value))
    }

    /// Declared args that have a value.
    private func values() -> [String: String] {
        var result: [String: String] = [:]
        for (name, value) in declared { result[name] = value }
        return result
    }

    /// Whether ARG `name` was declared in this stage.
    package func isDeclared(_ name: String) -> Bool { declared.contains { $0.name == name } }

    /// The args a RUN sees (its environment, its cache key): declared args with a value and
    /// the proxy args the user gave. An ENV of the same name overrides these; see `environment`.
    package func visible() -> [String: String] {
        var result = values()
        for name in BuildArgs.proxyArgs where result[name] == nil {
            if let value = buildArgs.userArgs[name] { result[name] = value }
        }
        return result
    }

    /// The args that are persisted like ENV would not be: visible args minus the proxy args
    /// no ARG declared (those stay out of history and the cache key's recorded text).
    package func persistable() -> [String: String] {
        var result = visible()
        for name in BuildArgs.proxyArgs where !isDeclared(name) { result[name] = nil }
        return result
    }

    /// What `$NAME` means in the stage's instructions: ENV first, then the visible args.
    package func lookup(env: [String: String]) -> (String) -> String? {
        let args = visible()
        return { env[$0] ?? args[$0] }
    }

    /// A RUN's environment: the image's `KEY=value` list plus the visible args it does not
    /// set, sorted by name after the image's own.
    package func runEnvironment(imageEnv: [String]) -> [String] {
        let set = Set(imageEnv.map { String($0.prefix { $0 != "=" }) })
        let args = visible().filter { !set.contains($0.key) }.sorted { $0.key < $1.key }
        return imageEnv + args.map { "\($0.key)=\($0.value)" }
    }
}
