// Directives, comments, continuations, line endings: how text becomes logical lines.
@testable import BerthBuild
import Testing

@Suite struct DockerfileLinesTests {
    func runText(_ dockerfile: Dockerfile, _ index: Int = 0) -> String? {
        guard case .run(.shell(let text), _) = dockerfile.stages.last?.instructions[index].kind else { return nil }
        return text
    }

    @Test(arguments: [
        ("# escape=`\nFROM a\nRUN one `\n two\n", "`"),
        ("# ESCAPE = `\nFROM a\nRUN one `\n two\n", "`"),
        ("#escape=\\\nFROM a\nRUN one \\\n two\n", "\\"),
        ("# syntax=docker/dockerfile:1\n# escape=`\nFROM a\nRUN one `\n two\n", "`"),
        ("# check=skip=all\n# escape=`\nFROM a\nRUN one `\n two\n", "`"),
    ])
    func escape_directive_at_the_top(text: String, escape: Character) throws {
        let dockerfile = try parse(text)
        #expect(dockerfile.escape == escape)
        #expect(runText(dockerfile) == "one  two")
    }

    @Test(arguments: [
        "# a comment\n# escape=`\nFROM a\n",
        "\n# escape=`\nFROM a\n",
        "FROM a\n# escape=`\n",
        "# unknown=x\n# escape=`\nFROM a\n",
        "# escape=`\n# escape=`\nFROM a\n",
    ])
    func directives_only_before_anything_else(text: String) throws {
        if text.hasPrefix("# escape=`\n# escape=`") {
            #expect(parseError(text) == "Containerfile:2:1: only one escape parser directive can be used")
        } else {
            #expect(try parse(text).escape == "\\")
        }
    }

    @Test func invalid_escape_is_an_error() {
        #expect(parseError("# escape=x\nFROM a\n") == "Containerfile:1:1: invalid escape token 'x' does not match ` or \\")
    }

    @Test func windows_paths_with_backtick_escape() throws {
        let dockerfile = try parse("# escape=`\nFROM a\nCOPY testfile.txt c:\\\nRUN dir c:\\\n")
        guard case .copy(let sources, let destination, _) = dockerfile.stages[0].instructions[0].kind else {
            Issue.record("not COPY"); return
        }
        #expect(sources == [RawWord("testfile.txt")] && destination == RawWord("c:\\"))
        #expect(runText(dockerfile, 1) == "dir c:\\")
    }

    @Test(arguments: [
        ("RUN a \\\n  b", "a   b"),
        ("RUN a\\\nb", "ab"),
        ("RUN a \\   \n  b", "a   b"),
        ("RUN a \\\t\n  b", "a   b"),
        ("RUN a \\\n# comment\n  b", "a   b"),
        ("RUN a \\\n    # indented comment\n  b", "a   b"),
        ("RUN a \\\n\n  b", "a   b"),
        ("RUN a \\\n   \n\n  b \\\n c", "a   b  c"),
        ("RUN a \\\r\n  b\r\n", "a   b"),
        ("   RUN   spaced   ", "spaced"),
        ("RUN echo \"# not a comment\"", "echo \"# not a comment\""),
        ("RUN a # trailing is not a comment", "a # trailing is not a comment"),
        ("RUN last \\", "last"),
    ])
    func continuations_join_lines(line: String, expected: String) throws {
        #expect(runText(try parse("FROM a\n" + line + "\n")) == expected)
    }

    @Test func original_is_the_joined_line() throws {
        let parsed = try instruction("RUN  apt-get update && \\\n    apt-get install -y x")
        #expect(parsed.original == "RUN  apt-get update &&     apt-get install -y x")
    }

    @Test func crlf_and_bom_are_dropped() throws {
        let dockerfile = try parse("\u{FEFF}# escape=`\r\nFROM a AS b\r\nENV X=1\r\nRUN x `\r\n y\r\n")
        #expect(dockerfile.escape == "`")
        #expect(dockerfile.stages[0].name == "b")
        #expect(runText(dockerfile, 1) == "x  y")
        guard case .env(let pairs) = dockerfile.stages[0].instructions[0].kind else { Issue.record("not ENV"); return }
        #expect(pairs.map(\.value) == [RawWord("1")])
    }

    @Test func columns_count_from_the_line_start() throws {
        #expect(parseError("FROM a\nCOPY \\\n   --bogus=1 a b\n") == "Containerfile:3:4: COPY: unknown flag: bogus")
        #expect(parseError("FROM a\n\tRUN --network=none \\\n --mount=a --nope x\n") == "Containerfile:3:12: RUN: unknown flag: nope")
    }

    @Test(arguments: ["FROM a\n\\\n", "FROM a\n  \\  \n# c\n", "FROM a\n\\\n\\\nRUN x\n"])
    func lines_holding_only_an_escape_are_skipped(text: String) throws {
        #expect(try parse(text).stages[0].instructions.count <= 1)
    }

    @Test func empty_lines_and_comments_between_instructions() throws {
        let dockerfile = try parse("\n\n# c1\nFROM a\n\n   # c2\n\nRUN x\n\n")
        #expect(dockerfile.stages[0].instructions.count == 1)
        #expect(dockerfile.stages[0].instructions[0].location.line == 8)
    }
}
