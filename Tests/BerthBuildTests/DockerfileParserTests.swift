// The parser's reading of lines, directives, continuations, forms and flags.
@testable import BerthBuild
import Testing

func parse(_ text: String, file: String = "Containerfile") throws -> Dockerfile {
    try DockerfileParser.parse(text, file: file)
}

/// The single instruction of a one-stage file `FROM scratch` + `line`.
func instruction(_ line: String) throws -> Instruction {
    let dockerfile = try parse("FROM scratch\n" + line + "\n")
    return try #require(dockerfile.stages.first?.instructions.first)
}

/// The error a file gives, as a user reads it.
func parseError(_ text: String, file: String = "Containerfile") -> String? {
    do {
        _ = try DockerfileParser.parse(text, file: file)
        return nil
    } catch {
        return (error as? DockerfileError)?.description ?? "\(error)"
    }
}

@Suite struct DockerfileParserTests {
    @Test func stages_instructions_and_locations() throws {
        let dockerfile = try parse("""
        ARG BASE=alpine
        FROM $BASE AS Build
        RUN make
          COPY . /src
        FROM scratch
        COPY --from=build /out /
        """)
        #expect(dockerfile.globalArgs == [ArgDeclaration(name: "BASE", defaultValue: RawWord("alpine"))])
        #expect(dockerfile.stages.count == 2)
        #expect(dockerfile.stages[0].name == "build")
        #expect(dockerfile.stages[0].base == RawWord("$BASE"))
        #expect(dockerfile.stages[0].location == SourceLocation(file: "Containerfile", line: 2, column: 1))
        #expect(dockerfile.stages[0].instructions.map(\.keyword) == ["RUN", "COPY"])
        #expect(dockerfile.stages[0].instructions[1].location.line == 4)
        #expect(dockerfile.stages[0].instructions[1].location.column == 3)
        #expect(dockerfile.stages[1].index == 1 && dockerfile.stages[1].name == nil)
        #expect(dockerfile.stages[1].instructions[0].flags == [InstructionFlag(name: "from", value: RawWord("build"))])
    }

    @Test(arguments: ["run", "Run", "rUN"])
    func keywords_are_case_insensitive(keyword: String) throws {
        let parsed = try instruction("\(keyword) echo hi")
        #expect(parsed.keyword == "RUN")
        guard case .run(.shell("echo hi"), let heredocs) = parsed.kind else { Issue.record("\(parsed.kind)"); return }
        #expect(heredocs.isEmpty)
    }

    @Test func from_with_platform_and_stage_name() throws {
        let dockerfile = try parse("from --platform=$BUILDPLATFORM golang:1.22 as builder\n")
        #expect(dockerfile.stages[0].platform == RawWord("$BUILDPLATFORM"))
        #expect(dockerfile.stages[0].base == RawWord("golang:1.22"))
        #expect(dockerfile.stages[0].name == "builder")
        #expect(dockerfile.stages[0].original == "from --platform=$BUILDPLATFORM golang:1.22 as builder")
    }

    @Test(arguments: [
        ("FROM a b\n", "Containerfile:1:1: FROM: requires either one or three arguments"),
        ("FROM\n", "Containerfile:1:1: FROM: requires either one or three arguments"),
        ("FROM a AS\n", "Containerfile:1:1: FROM: requires either one or three arguments"),
        ("FROM a TO b\n", "Containerfile:1:1: FROM: requires either one or three arguments"),
        ("FROM a AS 1x\n", "Containerfile:1:11: FROM: invalid name for build stage: \"1x\", name can't start with a number or contain symbols"),
        ("FROM a AS b$\n", "Containerfile:1:11: FROM: invalid name for build stage: \"b$\", name can't start with a number or contain symbols"),
        ("FROM a AS x\nFROM b AS X\n", "Containerfile:2:1: FROM: duplicate stage name \"x\""),
        ("FROM --plat=x a\n", "Containerfile:1:6: FROM: unknown flag: plat"),
    ])
    func from_errors(text: String, expected: String) {
        #expect(parseError(text) == expected)
    }

    @Test(arguments: [
        ("", "Containerfile:1:1: file with no instructions"),
        ("\n\n# only a comment\n   \n", "Containerfile:1:1: file with no instructions"),
        ("FROM a\nFOO bar\n", "Containerfile:2:1: unknown instruction: FOO"),
        ("FROM a\n  frobnicate\n", "Containerfile:2:3: unknown instruction: FROBNICATE"),
        ("RUN echo\nFROM a\n", "Containerfile:1:1: RUN: no build stage in current context"),
        ("# c\n\nENV A=1\n", "Containerfile:3:1: ENV: no build stage in current context"),
        ("ARG A\n", "Containerfile:1:1: no FROM instruction: the file has no stage to build"),
        ("FROM a\nCOPY x\n", "Containerfile:2:1: COPY: requires at least two arguments"),
        ("FROM a\nADD\n", "Containerfile:2:1: ADD: requires at least two arguments"),
        ("FROM a\nRUN\n", "Containerfile:2:1: RUN: requires at least one argument"),
        ("FROM a\nSHELL /bin/bash -c\n", "Containerfile:2:1: SHELL: requires the arguments to be in JSON form"),
        ("FROM a\nSHELL [\"/bin/bash\", \n", "Containerfile:2:1: SHELL: requires the arguments to be in JSON form"),
        ("FROM a\nSHELL []\n", "Containerfile:2:1: SHELL: requires at least one argument"),
        ("FROM a\nUSER\n", "Containerfile:2:1: USER: requires exactly one argument"),
        ("FROM a\nWORKDIR\n", "Containerfile:2:1: WORKDIR: requires exactly one argument"),
        ("FROM a\nSTOPSIGNAL\n", "Containerfile:2:1: STOPSIGNAL: requires exactly one argument"),
        ("FROM a\nEXPOSE\n", "Containerfile:2:1: EXPOSE: requires at least one argument"),
        ("FROM a\nVOLUME\n", "Containerfile:2:1: VOLUME: requires at least one argument"),
        ("FROM a\nARG\n", "Containerfile:2:1: ARG: requires at least one argument"),
        ("FROM a\nARG =x\n", "Containerfile:2:5: ARG: names can not be blank"),
        ("FROM a\nENV\n", "Containerfile:2:1: ENV: requires at least one argument"),
        ("FROM a\nENV A\n", "Containerfile:2:1: ENV: must have two arguments"),
        ("FROM a\nENV A=1 B\n", "Containerfile:2:9: ENV: Syntax error - can't find = in \"B\". Must be of the form: name=value"),
        ("FROM a\nLABEL =x\n", "Containerfile:2:7: LABEL: names can not be blank"),
        ("FROM a\nONBUILD\n", "Containerfile:2:1: ONBUILD: requires at least one argument"),
        ("FROM a\nONBUILD ONBUILD RUN x\n", "Containerfile:2:1: ONBUILD: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"),
        ("FROM a\nONBUILD FROM b\n", "Containerfile:2:1: ONBUILD: FROM isn't allowed as an ONBUILD trigger"),
        ("FROM a\nONBUILD maintainer me\n", "Containerfile:2:1: ONBUILD: MAINTAINER isn't allowed as an ONBUILD trigger"),
        ("FROM a\nONBUILD BOGUS x\n", "Containerfile:2:9: unknown instruction: BOGUS"),
        ("FROM a\nONBUILD COPY --bogus a b\n", "Containerfile:2:14: COPY: unknown flag: bogus"),
        ("FROM a\nHEALTHCHECK\n", "Containerfile:2:1: HEALTHCHECK: Unknown type \"\" in HEALTHCHECK (try CMD)"),
        ("FROM a\nHEALTHCHECK RUN x\n", "Containerfile:2:1: HEALTHCHECK: Unknown type \"RUN\" in HEALTHCHECK (try CMD)"),
        ("FROM a\nHEALTHCHECK NONE x\n", "Containerfile:2:1: HEALTHCHECK: HEALTHCHECK NONE takes no arguments"),
        ("FROM a\nHEALTHCHECK CMD\n", "Containerfile:2:1: HEALTHCHECK: Missing command after HEALTHCHECK CMD"),
        ("FROM a\nMAINTAINER\n", "Containerfile:2:1: MAINTAINER: requires exactly one argument"),
    ])
    func errors_name_file_line_column_and_instruction(text: String, expected: String) {
        #expect(parseError(text) == expected)
    }

    @Test func errors_use_the_file_name_given() {
        #expect(parseError("FROM a\nCOPY x\n", file: "build/Dockerfile.dev") ==
            "build/Dockerfile.dev:2:1: COPY: requires at least two arguments")
    }

    @Test func error_lines_count_comments_continuations_and_heredocs() {
        let text = """
        # comment
        FROM a
        RUN echo one \\
            two \\
        # inside
            three
        COPY <<EOF /x
        body
        EOF

        COPY onlyone
        """
        #expect(parseError(text) == "Containerfile:11:1: COPY: requires at least two arguments")
    }
}
