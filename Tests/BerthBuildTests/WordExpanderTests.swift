// Variable substitution and quote removal against the Dockerfile reference and
// the cases BuildKit's lexer tests pin down.
@testable import BerthBuild
import Testing

@Suite struct WordExpanderTests {
    static let environment: [String: String] = [
        "A": "a", "EMPTY": "", "PATHV": "/usr/local/bin/tool.tar.gz", "SPACE": "abc  def", "HOME": "/root",
        "FILE": "archive.tar.gz", "B": "bee", "NESTED": "${A}", "BRACKETS": "[a-c]x", "SPECIAL": "()[]{}^$.*?|\\x",
        "STARS": "xx**", "XXYY": "xxyy", "X": "x", "QUESTIONS": "???y", "MANYSTARS": "a***yy*", "GLOBS": "/foo*/*/*.txt",
        "NEEDLE": "\\*/", "TMPS": "/tmp/tmp/bar.txt", "SLASHTMP": "/tmp", "ABFOO": "/a/foo/b/c.txt", "ANYDIR": "/?/",
        "ROOT": "/", "URL": "http://google.de", "HTTP": "http://", "HTTPS": "https://", "VERSION": "v1.2.3",
        "TARGETOS": "linux", "TARGETARCH": "arm", "TARGETVARIANT": "v7", "NOVARIANT": "",
    ]

    func expand(_ text: String, escape: Character = "\\") throws -> String {
        try WordExpander(escape: escape).expand(RawWord(text)) { Self.environment[$0] }
    }

    @Test(arguments: [
        ("hello", "hello"),
        ("$A", "a"),
        ("${A}", "a"),
        ("x$A-y", "xa-y"),
        ("x${A}y", "xay"),
        ("$UNSET", ""),
        ("${UNSET}", ""),
        ("a$", "a$"),
        ("$ a", "$ a"),
        ("$$", ""),
        ("a$@b", "ab"),
        ("$12x", "x"),
        ("${1}", ""),
        ("$é", ""),
        ("$/x", "$/x"),
        ("\\$A", "$A"),
        ("\\${A}", "${A}"),
        ("'$A'", "$A"),
        ("\"$A\"", "a"),
        ("\"'$A'\"", "'a'"),
        ("'\"$A\"'", "\"$A\""),
        ("\"\\$A\"", "$A"),
        ("\"a\\b\"", "a\\b"),
        ("\"a\\\"b\"", "a\"b"),
        ("\"a\\\\b\"", "a\\b"),
        ("a\\ b", "a b"),
        ("a\\", "a"),
        ("'a\\b'", "a\\b"),
        ("$NESTED", "${A}"),
        ("${A:-x}", "a"),
        ("${EMPTY:-x}", "x"),
        ("${UNSET:-x}", "x"),
        ("${A-x}", "a"),
        ("${EMPTY-x}", ""),
        ("${UNSET-x}", "x"),
        ("${A:+x}", "x"),
        ("${EMPTY:+x}", ""),
        ("${UNSET:+x}", ""),
        ("${A+x}", "x"),
        ("${EMPTY+x}", "x"),
        ("${UNSET+x}", ""),
        ("${EMPTY?m}", ""),
        ("${A:?m}", "a"),
        ("${UNSET:-${A}}", "a"),
        ("${UNSET:-${ALSO:-deep}}", "deep"),
        ("${UNSET:-$A$B}", "abee"),
        ("${UNSET:-'q $A'}", "q $A"),
        ("${UNSET:-\"q $A\"}", "q a"),
        ("${UNSET:-a b}", "a b"),
        ("${UNSET:-}", ""),
        ("${A:+${B}}", "bee"),
        ("${PATHV#*/}", "usr/local/bin/tool.tar.gz"),
        ("${PATHV##*/}", "tool.tar.gz"),
        ("${PATHV%.*}", "/usr/local/bin/tool.tar"),
        ("${PATHV%%.*}", "/usr/local/bin/tool"),
        ("${FILE%.tar.gz}", "archive"),
        ("${FILE#arch}", "ive.tar.gz"),
        ("${FILE#nomatch}", "archive.tar.gz"),
        ("${FILE%?z}", "archive.tar."),
        ("${FILE#[a-c]}", "archive.tar.gz"),
        ("${BRACKETS#[a-c]}", "x"),
        ("${FILE%\"*\"}", "archive.tar.gz"),
        ("${FILE%\\*}", "archive.tar.gz"),
        ("${UNSET#x}", ""),
        ("${FILE/a/A}", "Archive.tar.gz"),
        ("${FILE//a/A}", "Archive.tAr.gz"),
        ("${FILE//.}", "archivetargz"),
        ("${FILE/#ar/X}", "Xchive.tar.gz"),
        ("${FILE/#ch/X}", "archive.tar.gz"),
        ("${FILE/%gz/bz2}", "archive.tar.bz2"),
        ("${FILE/r*a/R}", "aRr.gz"),
        ("${FILE//./_}", "archive_tar_gz"),
        // BuildKit's lexer tests
        ("${SPECIAL#()[]{\\}^$.\\*\\?|\\\\}", "x"),
        ("${STARS%%\\**}", "xx"),
        ("${XXYY#*x*y}", "y"),
        ("${XXYY#*}", "xxyy"),
        ("${XXYY#$X}", "xyy"),
        ("${XXYY#$EMPTY}", "xxyy"),
        ("${XXYY#}", "xxyy"),
        ("${XXYY##*x}", "yy"),
        ("${XXYY##}", "xxyy"),
        ("${QUESTIONS#?\\?}", "?y"),
        ("${ABC:-.}${XXYY%x}${ABC:-.}", ".xxyy."),
        ("${MANYSTARS%%\\**\\*}", "a"),
        ("${XXYY%}", "xxyy"),
        ("${XXYY%%$EMPTY}", "xxyy"),
        ("${GLOBS/$NEEDLE/.} - ${GLOBS//$NEEDLE/.}", "/foo.*/*.txt - /foo..*.txt"),
        ("${TMPS/$SLASHTMP/} - ${TMPS//$SLASHTMP/}", "/tmp/bar.txt - /bar.txt"),
        ("${ABFOO/$ANYDIR/$ROOT} - ${ABFOO//$ANYDIR/$ROOT}", "/foo/b/c.txt - /foo/c.txt"),
        ("${URL/$HTTP/$HTTPS}", "https://google.de"),
        ("${XXYY///}", "xxyy"),
        ("${UNSET///}", ""),
        ("something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz",
         "something-v1.2.3.linux-arm-v7.tar.gz"),
        ("something-${TARGETARCH}${NOVARIANT:+-${NOVARIANT}}.tar.gz", "something-arm.tar.gz"),
        ("${HOME}/bin", "/root/bin"),
        ("\"${SPACE}\"", "abc  def"),
        ("${SPACE}", "abc  def"),
        ("\"${UNSET:-a \\\"b\\\"}\"", "a \"b\""),
    ])
    func expands_like_the_reference(input: String, expected: String) throws {
        #expect(try expand(input) == expected)
    }

    @Test(arguments: [
        ("`$A", "$A"),
        ("a`b", "ab"),
        ("c:\\dir", "c:\\dir"),
        ("\"a`\"b\"", "a\"b"),
        ("`${A}", "${A}"),
    ])
    func backtick_escape_character(input: String, expected: String) throws {
        #expect(try expand(input, escape: "`") == expected)
    }

    @Test(arguments: [
        ("${UNSET:?must be set}", "UNSET: must be set"),
        ("${UNSET?}", "UNSET: is not allowed to be unset"),
        ("${EMPTY:?no empties}", "EMPTY: no empties"),
        ("${UNSET:?$A was here}", "UNSET: a was here"),
    ])
    func required_variables_name_themselves(input: String, message: String) {
        #expect { try expand(input) } throws: { error in
            (error as? DockerfileError)?.message == message
        }
    }

    @Test(arguments: ["'open", "\"open", "${A", "${A:-x", "${}", "${A:x}", "${A^}", "${A#x", "${A=x}", "${A=:x}", "${A=}"])
    func malformed_words_are_errors(input: String) {
        #expect(throws: DockerfileError.self) { try expand(input) }
    }

    @Test(arguments: [
        ("a b  c", ["a", "b", "c"]),
        ("  lead trail  ", ["lead", "trail"]),
        ("\"a b\" c", ["a b", "c"]),
        ("'a b' c", ["a b", "c"]),
        ("a\\ b c", ["a b", "c"]),
        ("hello${SPACE}bye", ["helloabc", "defbye"]),
        ("hello\"${SPACE}\"bye", ["helloabc  defbye"]),
        ("$UNSET", []),
        ("\"\"", [""]),
        ("a \"\" b", ["a", "", "b"]),
        ("80/tcp $UNSET 53/udp", ["80/tcp", "53/udp"]),
        ("${UNSET:-1 2}", ["1", "2"]),
        ("\"${UNSET:-1 2}\"", ["1 2"]),
        ("", []),
    ])
    func fields_split_on_unquoted_blanks(input: String, expected: [String]) throws {
        #expect(try WordExpander().expandFields(RawWord(input)) { Self.environment[$0] } == expected)
    }

    @Test(arguments: [
        ("hello $A\n", "hello a\n"),
        ("'$A' \"$A\"\n", "'a' \"a\"\n"),
        ("cost \\$5 and \\\\ and \\n\n", "cost $5 and \\ and \\n\n"),
        ("${UNSET:-def}\n", "def\n"),
    ])
    func heredoc_bodies_expand_variables_but_keep_quotes(input: String, expected: String) throws {
        #expect(try WordExpander().expandHeredoc(input) { Self.environment[$0] } == expected)
    }

    @Test func lookups_see_each_name_once_per_use() throws {
        var asked: [String] = []
        _ = try WordExpander().expand(RawWord("$X${Y:-$Z}")) { asked.append($0); return nil }
        #expect(asked == ["X", "Y", "Z"])
    }
}
