// Go's filepath.Match as COPY sources use it (only `^` negates a class; `]`
// first in a class is a bad pattern, matching nothing), and `--exclude` with `**`.
@testable import BerthEngine
import Testing

@Suite struct BuildCopyGlobTests {
    @Test(arguments: [
        ("*", "abc", true), ("*", ".hidden", true), ("*", "a/b", false),
        ("a*c", "abbbc", true), ("a*c", "abd", false), ("a?c", "abc", true), ("a?c", "a/c", false),
        ("[a-c]x", "bx", true), ("[a-c]x", "dx", false), ("[^a-c]x", "dx", true), ("[!a]x", "!x", true),
        ("\\*", "*", true), ("\\*", "a", false), ("a[", "a[", false), ("*.txt", "notes.txt", true),
        ("[]a]", "]", false), ("*x*y", "axbxy", true),
    ] as [(String, String, Bool)])
    func go_match(pattern: String, name: String, expected: Bool) {
        #expect(CopyGlob.matches(pattern, name) == expected)
    }

    @Test(arguments: [
        ("*.md", "a.md", true), ("*.md", "sub/a.md", false), ("**/*.md", "sub/deep/a.md", true),
        ("**/*.md", "a.md", true), ("sub", "sub/anything", true), ("sub/*.md", "sub/a.md", true),
        ("./sub", "sub/x", true), ("**", "x/y", true), ("other", "sub/x", false),
    ] as [(String, String, Bool)])
    func exclude_patterns(pattern: String, path: String, expected: Bool) {
        #expect(CopyGlob.excludes(pattern, path) == expected)
    }
}
