// .dockerignore rules as docker documents them and moby's patternmatcher applies them.
@testable import BerthBuild
import Testing

@Suite struct IgnorePatternsTests {
    @Test(arguments: [
        // pattern lines, path, excluded
        (["*.md"], "README.md", true),
        (["*.md"], "docs/README.md", false),
        (["*/*.md"], "docs/README.md", true),
        (["*/*.md"], "a/b/README.md", false),
        (["**/*.md"], "a/b/README.md", true),
        (["**/*.md"], "README.md", true),
        (["**"], "anything/at/all", true),
        (["a/**"], "a/x/y", true),
        (["a/**"], "a", false),
        (["a/**/z"], "a/z", true),
        (["a/**/z"], "a/b/c/z", true),
        (["a/**/z"], "a/b/c/zz", false),
        (["temp?"], "temp1", true),
        (["temp?"], "temp12", false),
        (["temp?"], "temp/", false),
        (["[a-c]x"], "bx", true),
        (["[a-c]x"], "dx", false),
        (["[^a-c]x"], "dx", true),
        (["[!a-c]x"], "ax", false),
        (["\\*x"], "*x", true),
        (["\\*x"], "ax", false),
        (["node_modules"], "node_modules", true),
        (["node_modules"], "node_modules/pkg/index.js", true),
        (["node_modules"], "src/node_modules", false),
        (["/build"], "build/out", true),
        (["./build/"], "build/out", true),
        (["build//x/"], "build/x/y", true),
        (["a/../b"], "b", true),
        (["# comment", "", "   ", "x"], "x", true),
        (["# comment"], "# comment", false),
        (["  spaced  "], "spaced", true),
        (["*", "!keep.txt"], "keep.txt", false),
        (["*", "!keep.txt"], "other.txt", true),
        (["*.txt", "!keep.txt", "keep.txt"], "keep.txt", true),
        (["dir", "!dir/keep"], "dir/keep", false),
        (["dir", "!dir/keep"], "dir/keep/inner", false),
        (["dir", "!dir/keep"], "dir/drop", true),
        (["dir/*", "!dir/*.go"], "dir/main.go", false),
        (["!x"], "x", false),
        ([], "anything", false),
        (["docs"], "./docs/a", true),
        (["*.go"], "main.go", true),
        (["a*b"], "a/b", false),
        (["a?b"], "a/b", false),
        (["Dockerfile"], "Dockerfile", true),
    ] as [([String], String, Bool)])
    func excludes_as_docker_does(patterns: [String], path: String, excluded: Bool) throws {
        let ignore = try IgnorePatterns(patterns: patterns)
        #expect(ignore.excludes(path) == excluded)
    }

    @Test(arguments: [
        (["dir"], "dir", false),
        (["dir", "!dir/keep"], "dir", true),
        (["dir", "!other/keep"], "dir", false),
        (["dir", "!**/keep"], "dir", true),
        (["dir", "!*/keep"], "dir", true),
        (["dir", "!*/keep"], "dir/sub", false),
        (["dir", "!dir/sub/*.go"], "dir/sub", true),
        (["dir", "!dir/sub/*.go"], "dir/other", false),
        (["a", "!a"], "a", true),
        (["a/b", "!a"], "a/b", true),
    ] as [([String], String, Bool)])
    func a_walker_descends_where_an_exception_may_reinclude(patterns: [String], directory: String, descend: Bool) throws {
        #expect(try IgnorePatterns(patterns: patterns).mayIncludeBelow(directory) == descend)
    }

    @Test(arguments: [
        ("a/b", true), ("a", true), ("...", true), (".a/b.", true), ("", false), ("/a", false), ("a/", false),
        ("a//b", false), ("./a", false), ("a/./b", false), ("a/..", false), ("..", false), (".", false),
    ])
    func clean_paths_are_recognized(path: String, clean: Bool) {
        #expect(IgnorePatterns.isClean(path) == clean)
        if clean { #expect(IgnorePatterns.clean(path) == path) }
    }

    @Test func reads_a_file_with_comments_crlf_and_a_bom() throws {
        let ignore = try IgnorePatterns(text: "\u{FEFF}# build output\r\nbuild\r\n\r\n!build/keep\r\n*.log\n", file: ".dockerignore")
        #expect(ignore.excludes("build/a"))
        #expect(!ignore.excludes("build/keep"))
        #expect(ignore.excludes("x.log"))
        #expect(!ignore.excludes("src/x.log"))
        #expect(!ignore.excludes("src"))
    }

    @Test(arguments: ["!", "[abc", "x\\"])
    func malformed_patterns_are_errors_naming_the_file(line: String) {
        #expect { try IgnorePatterns(text: "ok\n\(line)\n", file: ".containerignore") } throws: { error in
            (error as? DockerfileError)?.location == SourceLocation(file: ".containerignore", line: 2, column: 1)
        }
    }
}
