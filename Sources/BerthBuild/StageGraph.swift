// Which stages a build needs and what each depends on: a stage depends on an
// earlier stage it is built FROM, copies from (`COPY --from`), or mounts
// (`RUN --mount=…,from=`). Names are case-insensitive, numbers are indexes,
// anything else is an image reference. Only stages the target reaches are built.

package struct StageGraph: Sendable {
    package let stageCount: Int
    /// Lowercased name → index.
    package let names: [String: Int]
    package let target: Int
    /// The stages the target needs, in file order (the target last).
    package let needed: [Int]
    private let edges: [Int: Set<Int>]

    /// `fromArgs` are what FROM lines and `--from` values may substitute (the global args,
    /// `BuildArgs.fromEnvironment`); a value with no `$` needs none.
    package init(_ dockerfile: Dockerfile, target: String?, fromArgs: [String: String] = [:]) throws {
        stageCount = dockerfile.stages.count
        var names: [String: Int] = [:]
        for stage in dockerfile.stages {
            if let name = stage.name { names[name] = stage.index }
        }
        self.names = names

        let expander = WordExpander(escape: dockerfile.escape)
        var edges: [Int: Set<Int>] = [:]
        for stage in dockerfile.stages {
            var dependencies: Set<Int> = []
            func refer(_ word: RawWord, _ location: SourceLocation, _ keyword: String) throws {
                let reference = try expander.expand(word) { fromArgs[$0] }
                guard let index = Self.resolve(reference, names: names, count: dockerfile.stages.count) else { return }
                guard index < stage.index else {
                    let what = index == stage.index ? "itself" : "a later stage (\(reference))"
                    throw DockerfileError("stage \(Self.label(stage)) refers to \(what): stages can only use earlier stages",
                                          at: location, instruction: keyword)
                }
                dependencies.insert(index)
            }
            // FROM an earlier stage's name only: `FROM 0` is an image named "0", and so is
            // the base of `FROM alpine AS alpine` (a common idiom, not a loop).
            let base = try expander.expand(stage.base) { fromArgs[$0] }.lowercased()
            if let index = names[base], index != stage.index {
                guard index < stage.index else {
                    let what = index == stage.index ? "itself" : "a later stage (\(base))"
                    throw DockerfileError("stage \(Self.label(stage)) refers to \(what): stages can only use earlier stages",
                                          at: stage.location, instruction: "FROM")
                }
                dependencies.insert(index)
            }
            for instruction in stage.instructions {
                for reference in Self.stageReferences(of: instruction) {
                    try refer(reference, instruction.location, instruction.keyword)
                }
            }
            edges[stage.index] = dependencies
        }
        self.edges = edges

        if let target {
            guard let index = names[target.lowercased()] ?? Int(target).flatMap({ $0 >= 0 && $0 < dockerfile.stages.count ? $0 : nil })
            else {
                throw DockerfileError("target stage \"\(target)\" could not be found",
                                      at: SourceLocation(file: dockerfile.file, line: 0, column: 0))
            }
            self.target = index
        } else {
            self.target = dockerfile.stages.count - 1
        }

        var reached: Set<Int> = [self.target]
        var queue = [self.target]
        while let next = queue.popLast() {
            for dependency in edges[next] ?? [] where reached.insert(dependency).inserted { queue.append(dependency) }
        }
        needed = reached.sorted()
    }

    /// The stages `stage` uses directly.
    package func dependencies(of stage: Int) -> Set<Int> { edges[stage] ?? [] }

    /// The stage a `--from` (or `FROM`) value names, by name or by index; nil: an image.
    package func stage(named reference: String) -> Int? {
        Self.resolve(reference, names: names, count: stageCount)
    }

    static func resolve(_ reference: String, names: [String: Int], count: Int) -> Int? {
        if let index = names[reference.lowercased()] { return index }
        if let index = Int(reference), index >= 0, index < count, String(index) == reference { return index }
        return nil
    }

    static func label(_ stage: Stage) -> String {
        stage.name.map { "\"\($0)\"" } ?? "\(stage.index)"
    }

    /// `COPY --from=X`, and `from=X` inside each `RUN --mount=` (also ONBUILD triggers are
    /// not counted: they run in a later build).
    static func stageReferences(of instruction: Instruction) -> [RawWord] {
        switch instruction.kind {
        case .copy:
            return instruction.flagValues("from")
        case .run:
            return instruction.flagValues("mount").compactMap { mount in
                mountOption("from", in: mount.text).map(RawWord.init)
            }
        default:
            return []
        }
    }

    /// The value of `key=` in a `--mount` spec (comma-separated, CSV quoting allowed).
    static func mountOption(_ key: String, in spec: String) -> String? {
        for field in splitCSV(spec) {
            let parts = field.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == key { return String(parts[1]) }
        }
        return nil
    }

    /// Fields of a CSV line: commas separate, double quotes group (`""` is a quote).
    static func splitCSV(_ text: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var inQuotes = false
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if character == "\"" {
                if inQuotes, characters.first == "\"" {
                    current.append("\"")
                    characters.removeFirst()
                } else {
                    inQuotes.toggle()
                }
            } else if character == ",", !inQuotes {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
