// Arbitrary text never crashes the parser, the expander or the ignore rules: it
// parses or it throws a DockerfileError. Deterministic pseudo-random inputs.
@testable import BerthBuild
import Testing

@Suite struct RobustnessTests {
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        mutating func text(from pieces: [String], count: Int) -> String {
            (0..<count).map { _ in pieces[next(pieces.count)] }.joined()
        }
    }

    static let dockerfilePieces = [
        "FROM ", "RUN ", "COPY ", "ADD ", "ENV ", "ARG ", "LABEL ", "ONBUILD ", "HEALTHCHECK ", "CMD ", "SHELL ",
        "EXPOSE ", "VOLUME ", "USER ", "WORKDIR ", "STOPSIGNAL ", "MAINTAINER ", "ENTRYPOINT ", "a", "b=c", " ", "\t", "\n",
        "\r\n", "\\", "`", "#", "# escape=`\n", "\"", "'", "[", "]", ",", "<<", "<<-", "EOF", "3<<", "--", "--from=",
        "--mount=", "=", "$", "{", "}", "AS ", "NONE", "x y", "\u{FEFF}", "é",
    ]

    static let wordPieces = ["$", "{", "}", ":", "-", "+", "?", "#", "%", "/", "*", "\\", "'", "\"", "A", "B", " ", "x", "[", "]", "@", "1"]

    @Test func random_dockerfiles_parse_or_throw() {
        var generator = Generator(state: 42)
        for _ in 0..<3000 {
            let text = generator.text(from: Self.dockerfilePieces, count: 1 + generator.next(40))
            do {
                _ = try DockerfileParser.parse(text, file: "fuzz")
            } catch {
                #expect(error is DockerfileError)
            }
        }
    }

    @Test func random_words_expand_or_throw() {
        var generator = Generator(state: 7)
        let expander = WordExpander()
        for _ in 0..<5000 {
            let text = generator.text(from: Self.wordPieces, count: 1 + generator.next(16))
            let lookup: (String) -> String? = { ["A": "a*b", "B": ""][$0] }
            do { _ = try expander.expand(RawWord(text), lookup) } catch { #expect(error is DockerfileError) }
            do { _ = try expander.expandFields(RawWord(text), lookup) } catch { #expect(error is DockerfileError) }
            do { _ = try expander.expandHeredoc(text, lookup) } catch { #expect(error is DockerfileError) }
        }
    }

    @Test func random_ignore_patterns_compile_or_throw() {
        var generator = Generator(state: 99)
        let pieces = ["*", "**", "?", "[", "]", "^", "!", "\\", "/", "a", "b", "-", ".", "..", "\n", " "]
        for _ in 0..<3000 {
            let text = generator.text(from: pieces, count: 1 + generator.next(12))
            do {
                let ignore = try IgnorePatterns(text: text, file: ".dockerignore")
                _ = ignore.excludes("a/b/c")
                _ = ignore.mayIncludeBelow("a/b")
            } catch {
                #expect(error is DockerfileError)
            }
        }
    }
}
