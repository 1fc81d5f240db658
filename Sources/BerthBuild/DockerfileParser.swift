// Dockerfile text → `Dockerfile`: directives, then one instruction per logical
// line, grouped into stages at each FROM; ARGs before the first FROM are the
// global ones. Errors name the file, line, column and instruction.

package enum DockerfileParser {
    package static func parse(_ text: String, file: String) throws -> Dockerfile {
        var source = SourceLines(text)
        let directives = try ParserDirectives.read(&source, file: file)
        let joiner = LineJoiner(escape: directives.escape)
        let parser = InstructionParser(file: file, escape: directives.escape)
        var dockerfile = Dockerfile(file: file, escape: directives.escape)
        var stageNames: Set<String> = []
        var sawInstruction = false

        while let line = joiner.nextLogicalLine(&source) {
            sawInstruction = true
            var heredocSource: SourceLines? = source
            let parsed = try parser.parse(line.text, source: &heredocSource)
            source = heredocSource!
            switch parsed {
            case .from(let base, let name, let platform, let location, let original):
                if let name, !stageNames.insert(name).inserted {
                    throw DockerfileError("duplicate stage name \"\(name)\"", at: location, instruction: "FROM")
                }
                dockerfile.stages.append(Stage(index: dockerfile.stages.count, name: name, base: base,
                                               platform: platform, location: location, original: original))
            case .instruction(let instruction):
                if dockerfile.stages.isEmpty {
                    guard case .arg(let declarations) = instruction.kind else {
                        throw DockerfileError("no build stage in current context", at: instruction.location,
                                              instruction: instruction.keyword)
                    }
                    dockerfile.globalArgs += declarations
                } else {
                    dockerfile.stages[dockerfile.stages.count - 1].instructions.append(instruction)
                }
            }
        }
        guard sawInstruction else {
            throw DockerfileError("file with no instructions", at: SourceLocation(file: file, line: 1, column: 1))
        }
        guard !dockerfile.stages.isEmpty else {
            throw DockerfileError("no FROM instruction: the file has no stage to build",
                                  at: SourceLocation(file: file, line: 1, column: 1))
        }
        return dockerfile
    }
}
