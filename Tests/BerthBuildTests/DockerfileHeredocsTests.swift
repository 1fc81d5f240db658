// BuildKit heredocs in RUN, COPY and ADD.
@testable import BerthBuild
import Testing

@Suite struct DockerfileHeredocsTests {
    func run(_ text: String) throws -> (CommandForm, [Heredoc]) {
        let dockerfile = try parse("FROM a\n" + text)
        guard case .run(let form, let heredocs) = dockerfile.stages[0].instructions[0].kind else { throw Failure() }
        return (form, heredocs)
    }

    struct Failure: Error {}

    @Test func run_heredoc_is_the_script() throws {
        let (form, heredocs) = try run("RUN <<EOF\napt-get update\n# not a comment\n\n  indented \\\nEOF\nRUN next\n")
        #expect(form == .shell("<<EOF"))
        #expect(heredocs == [Heredoc(name: "EOF", content: "apt-get update\n# not a comment\n\n  indented \\\n", expands: true)])
        #expect(RunHeredocCommand.plan(command: "<<EOF", heredocs: heredocs) == .script(heredocs[0]))
        let dockerfile = try parse("FROM a\nRUN <<EOF\nx\nEOF\nRUN next\n")
        #expect(dockerfile.stages[0].instructions.map(\.keyword) == ["RUN", "RUN"])
        #expect(dockerfile.stages[0].instructions[1].location.line == 5)
    }

    @Test func heredoc_as_stdin_of_a_command() throws {
        let (form, heredocs) = try run("RUN python3 <<EOF\nprint('hi')\nEOF\n")
        #expect(form == .shell("python3 <<EOF"))
        #expect(heredocs == [Heredoc(name: "EOF", content: "print('hi')\n", expands: true, fileDescriptor: 0)])
        #expect(RunHeredocCommand.plan(command: "python3 <<EOF", heredocs: heredocs) == .shellText("python3 <<EOF\nprint('hi')\nEOF"))
    }

    @Test func several_heredocs_in_one_line_in_order() throws {
        let (form, heredocs) = try run("RUN <<FILE1 cat > file1 && <<FILE2 cat > file2\nI am\nfirst\nFILE1\nI am\nsecond\nFILE2\n")
        #expect(form == .shell("<<FILE1 cat > file1 && <<FILE2 cat > file2"))
        #expect(heredocs.map(\.name) == ["FILE1", "FILE2"])
        #expect(heredocs.map(\.content) == ["I am\nfirst\n", "I am\nsecond\n"])
        #expect(RunHeredocCommand.plan(command: "<<A <<B", heredocs: heredocs) != nil)
    }

    @Test func dash_strips_leading_tabs_and_quotes_disable_expansion() throws {
        let (_, stripped) = try run("RUN cat <<-EOT\n\tone\n\t\ttwo\n  three\n\tEOT\n")
        #expect(stripped == [Heredoc(name: "EOT", content: "one\ntwo\n  three\n", expands: true)])
        let (_, quoted) = try run("RUN <<\"EOF\" <<'X' 3<<Y\na\nEOF\nb\nX\nc\nY\n")
        #expect(quoted.map(\.expands) == [false, false, true])
        #expect(quoted.map(\.fileDescriptor) == [0, 0, 3])
        #expect(quoted.map(\.name) == ["EOF", "X", "Y"])
    }

    @Test func empty_body() throws {
        let (_, heredocs) = try run("RUN cat <<EOF\nEOF\n")
        #expect(heredocs == [Heredoc(name: "EOF", content: "", expands: true)])
    }

    @Test func copy_heredocs_are_sources() throws {
        let dockerfile = try parse("FROM a\nCOPY <<EOF /etc/motd\nhello $NAME\nEOF\nCOPY --chmod=755 <<A <<B /dir/\n#!/bin/sh\nA\nb\nB\nADD <<X other /d/\nx\nX\n")
        let kinds = dockerfile.stages[0].instructions.map(\.kind)
        guard case .copy(let sources, let destination, let heredocs) = kinds[0] else { Issue.record("COPY"); return }
        #expect(sources.isEmpty && destination.text == "/etc/motd")
        #expect(heredocs == [Heredoc(name: "EOF", content: "hello $NAME\n", expands: true)])
        guard case .copy(let two, let directory, let bodies) = kinds[1] else { Issue.record("COPY 2"); return }
        #expect(two.isEmpty && directory.text == "/dir/" && bodies.map(\.content) == ["#!/bin/sh\n", "b\n"])
        guard case .add(let addSources, _, let addHeredocs) = kinds[2] else { Issue.record("ADD"); return }
        #expect(addSources.map(\.text) == ["other"] && addHeredocs.map(\.name) == ["X"])
    }

    @Test(arguments: [
        ("RUN <<EOF\nno end\n", "Containerfile:2:5: RUN: unterminated heredoc EOF"),
        ("RUN cat <<A <<B\na\nA\nb\n", "Containerfile:2:13: RUN: unterminated heredoc B"),
        ("COPY <<EOF\nx\nEOF\n", "Containerfile:2:1: COPY: requires at least two arguments"),
        ("ONBUILD RUN <<EOF\nx\nEOF\n", "Containerfile:2:9: RUN: heredocs are not allowed in an ONBUILD trigger"),
    ])
    func heredoc_errors(text: String, expected: String) {
        #expect(parseError("FROM a\n" + text) == expected)
    }

    @Test(arguments: ["RUN echo a<<b", "RUN cat << EOF", "RUN echo '<<EOF'", "RUN [\"cat\", \"<<EOF\"]"])
    func not_heredocs(line: String) throws {
        let (_, heredocs) = try run(line + "\n")
        #expect(heredocs.isEmpty)
    }

    @Test func heredoc_body_expansion_is_the_builders_choice() throws {
        let (_, heredocs) = try run("RUN cat <<EOF\n$HOME \"q\"\nEOF\n")
        #expect(try WordExpander().expandHeredoc(heredocs[0].content) { $0 == "HOME" ? "/root" : nil } == "/root \"q\"\n")
    }
}
