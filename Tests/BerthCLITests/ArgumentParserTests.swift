// The podman-style argument parser: every flag form, where flags stop, and the
// messages a user gets for a flag the command does not know.
@testable import BerthCLI
import Testing

@Suite struct ArgumentParserTests {
    private static let flags: [FlagSpec] = [
        .bool("all", "a", "all"),
        .bool("quiet", "q", "quiet"),
        .bool("rm", nil, "remove"),
        .value("name", nil, "NAME", "name"),
        .value("output", "o", "FILE", "output"),
        .value("env", "e", "VAR", "environment"),
    ]

    private static func parse(_ args: [String], stopAtFirstPositional: Bool = false) throws -> ParsedArguments {
        try ArgumentParser.parse(args, flags: flags, command: "berth test", stopAtFirstPositional: stopAtFirstPositional)
    }

    private static func failure(_ args: [String]) throws -> String {
        try #require(throws: CLIError.self) { try parse(args) }.description
    }

    @Test func long_flags_take_values_after_an_equals_sign_or_as_the_next_argument() throws {
        let parsed = try Self.parse(["--name=first", "--name", "second", "--output=", "--env", "A=1=2"])
        #expect(parsed.all("name") == ["first", "second"])
        #expect(parsed.value("name") == "second", "the last one wins where one is used")
        #expect(parsed.value("output") == "", "an empty value after = is a value")
        #expect(parsed.value("env") == "A=1=2", "only the first = separates a flag from its value")
        #expect(parsed.positionals.isEmpty)
    }

    @Test func booleans_are_set_by_name_and_by_true_or_false() throws {
        #expect(try Self.parse(["--rm"]).has("rm"))
        #expect(try Self.parse(["--rm=true"]).has("rm"))
        #expect(!(try Self.parse(["--rm=false"]).has("rm")))
        #expect(!(try Self.parse(["--rm", "--rm=false"]).has("rm")), "the last setting wins")
        #expect(!(try Self.parse([]).has("rm")))
        #expect(try Self.failure(["--rm=maybe"]) == "invalid argument \"maybe\" for \"--rm\" flag: expected true or false")
    }

    @Test func short_flags_combine_and_take_attached_or_following_values() throws {
        let combined = try Self.parse(["-aq"])
        #expect(combined.has("all") && combined.has("quiet"))
        #expect(try Self.parse(["-ofile.tar"]).value("output") == "file.tar")
        #expect(try Self.parse(["-o=file.tar"]).value("output") == "file.tar")
        #expect(try Self.parse(["-o", "file.tar"]).value("output") == "file.tar")
        let mixed = try Self.parse(["-aqo", "out.tar"])
        #expect(mixed.has("all") && mixed.has("quiet") && mixed.value("output") == "out.tar", "a value flag may end a group")
        #expect(try Self.parse(["-qofile"]).value("output") == "file")
    }

    @Test func a_double_dash_ends_the_flags() throws {
        let parsed = try Self.parse(["-a", "--", "-q", "--name=x", "arg"])
        #expect(parsed.has("all") && !parsed.has("quiet") && parsed.value("name") == nil)
        #expect(parsed.positionals == ["-q", "--name=x", "arg"])
    }

    @Test func flags_may_follow_positionals_unless_the_command_stops_at_the_first() throws {
        let anywhere = try Self.parse(["image", "-a", "more"])
        #expect(anywhere.positionals == ["image", "more"] && anywhere.has("all"))
        // As run does at the image name: what follows is the container's command.
        let stopped = try Self.parse(["--rm", "busybox", "ls", "-a", "--name", "x"], stopAtFirstPositional: true)
        #expect(stopped.has("rm") && !stopped.has("all") && stopped.value("name") == nil)
        #expect(stopped.positionals == ["busybox", "ls", "-a", "--name", "x"])
        #expect(try Self.parse(["-"]).positionals == ["-"], "a lone dash is an argument (stdin)")
    }

    @Test func unknown_and_incomplete_flags_say_what_is_wrong_on_one_line() throws {
        #expect(try Self.failure(["--nmae", "x"]) == "unknown flag: --nmae (did you mean --name?): see 'berth test --help'")
        #expect(try Self.failure(["--zzzzzzzz"]) == "unknown flag: --zzzzzzzz: see 'berth test --help'")
        #expect(try Self.failure(["--nmae=x"]).hasPrefix("unknown flag: --nmae=x (did you mean --name?)"))
        #expect(try Self.failure(["-aZ"]).hasPrefix("unknown flag: -Z"))
        #expect(try Self.failure(["--name"]) == "flag needs an argument: --name")
        #expect(try Self.failure(["-o"]) == "flag needs an argument: 'o' in -o")
        let error = try #require(throws: CLIError.self) { try Self.parse(["--bogus"]) }
        #expect(error.exitCode == 125)
    }

    @Test func suggestions_come_only_when_near_enough() {
        #expect(Suggestion.distance("kitten", "sitting") == 3)
        #expect(Suggestion.distance("", "abc") == 3)
        #expect(Suggestion.closest(to: "--quite", among: ["--quiet", "--all"]) == "--quiet")
        #expect(Suggestion.closest(to: "--xyz", among: ["--quiet", "--all"]) == nil)
    }
}
