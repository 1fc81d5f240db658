// Each instruction's argument forms: JSON and shell, pairs, words, flags.
@testable import BerthBuild
import Testing

@Suite struct InstructionFormsTests {
    @Test(arguments: [
        ("RUN [\"echo\", \"hi\"]", CommandForm.exec(["echo", "hi"])),
        ("RUN [ \"a\" ,\"b\\\"c\" ]", .exec(["a", "b\"c"])),
        ("RUN [\"\\u00e9\\n\\t\"]", .exec(["é\n\t"])),
        ("RUN []", .exec([])),
        ("RUN [\"echo\", 'hi']", .shell("[\"echo\", 'hi']")),
        ("RUN [echo]", .shell("[echo]")),
        ("RUN [\"a\", 1]", .shell("[\"a\", 1]")),
        ("RUN [\"a\"] trailing", .shell("[\"a\"] trailing")),
        ("RUN [\"a\",]", .shell("[\"a\",]")),
        ("RUN echo [\"a\"]", .shell("echo [\"a\"]")),
        ("RUN [\"a\", \\\n \"b\"]", .exec(["a", "b"])),
    ])
    func run_json_or_shell_form(line: String, expected: CommandForm) throws {
        guard case .run(let form, _) = try instruction(line).kind else { Issue.record("not RUN"); return }
        #expect(form == expected)
    }

    @Test func cmd_entrypoint_and_shell() throws {
        guard case .cmd(.exec(["nginx", "-g", "daemon off;"])) = try instruction("CMD [\"nginx\", \"-g\", \"daemon off;\"]").kind
        else { Issue.record("CMD"); return }
        guard case .cmd(.shell("echo $HOME")) = try instruction("cmd echo $HOME").kind else { Issue.record("CMD shell"); return }
        guard case .entrypoint(.exec(["/init"])) = try instruction("ENTRYPOINT [\"/init\"]").kind else { Issue.record("EP"); return }
        guard case .entrypoint(.shell("exec top -b")) = try instruction("ENTRYPOINT exec top -b").kind else { Issue.record("EP shell"); return }
        guard case .shell(["/bin/bash", "-o", "pipefail", "-c"]) = try instruction("SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]").kind
        else { Issue.record("SHELL"); return }
    }

    func pairs(_ line: String) throws -> [[String]] {
        switch try instruction(line).kind {
        case .env(let pairs), .label(let pairs): return pairs.map { [$0.key.text, $0.value.text] }
        default: return []
        }
    }

    @Test(arguments: [
        ("ENV A=1", [["A", "1"]]),
        ("ENV A=1 B=2", [["A", "1"], ["B", "2"]]),
        ("ENV A=\"a b\" B='c d' C=e\\ f", [["A", "\"a b\""], ["B", "'c d'"], ["C", "e\\ f"]]),
        ("ENV A=", [["A", ""]]),
        ("ENV A=x=y", [["A", "x=y"]]),
        ("ENV A $B", [["A", "$B"]]),
        ("ENV MY_VAR my value  with spaces ", [["MY_VAR", "my value  with spaces"]]),
        ("ENV A=1 \\\n    B=2", [["A", "1"], ["B", "2"]]),
        ("LABEL version=\"1.0\" description=\"a b\"", [["version", "\"1.0\""], ["description", "\"a b\""]]),
        ("LABEL \"com.example.vendor\"=\"ACME\"", [["\"com.example.vendor\"", "\"ACME\""]]),
        ("LABEL legacy value here", [["legacy", "value here"]]),
    ])
    func env_and_label_pairs(line: String, expected: [[String]]) throws {
        #expect(try pairs(line) == expected)
    }

    @Test(arguments: [
        ("ARG A", [ArgDeclaration(name: "A", defaultValue: nil)]),
        ("ARG A=1 B", [ArgDeclaration(name: "A", defaultValue: RawWord("1")), ArgDeclaration(name: "B", defaultValue: nil)]),
        ("ARG A=\"x y\"", [ArgDeclaration(name: "A", defaultValue: RawWord("\"x y\""))]),
        ("ARG A=", [ArgDeclaration(name: "A", defaultValue: RawWord(""))]),
        ("ARG A=${B:-c}", [ArgDeclaration(name: "A", defaultValue: RawWord("${B:-c}"))]),
    ])
    func arg_declarations(line: String, expected: [ArgDeclaration]) throws {
        guard case .arg(let declarations) = try instruction(line).kind else { Issue.record("ARG"); return }
        #expect(declarations == expected)
    }

    @Test func words_instructions() throws {
        guard case .expose(let ports) = try instruction("EXPOSE 80/tcp  53/udp $PORT").kind else { Issue.record("EXPOSE"); return }
        #expect(ports.map(\.text) == ["80/tcp", "53/udp", "$PORT"])
        guard case .volume(let volumes) = try instruction("VOLUME /a \"/b c\"").kind else { Issue.record("VOLUME"); return }
        #expect(volumes.map(\.text) == ["/a", "\"/b c\""])
        guard case .volume(let json) = try instruction("VOLUME [\"/data\", \"/x y\", \"$HOME\"]").kind else { Issue.record("VOLUME json"); return }
        let expanded = try json.map { try WordExpander().expandFields($0) { $0 == "HOME" ? "/root" : nil } }
        #expect(expanded == [["/data"], ["/x y"], ["/root"]])
        guard case .user(RawWord("app:app")) = try instruction("USER app:app").kind else { Issue.record("USER"); return }
        guard case .workdir(RawWord("/my dir")) = try instruction("WORKDIR /my dir").kind else { Issue.record("WORKDIR"); return }
        guard case .stopSignal(RawWord("SIGQUIT")) = try instruction("STOPSIGNAL SIGQUIT").kind else { Issue.record("STOP"); return }
        guard case .maintainer("Jane <j@x.org>") = try instruction("MAINTAINER Jane <j@x.org>").kind else { Issue.record("MAINT"); return }
    }

    @Test func copy_and_add_sources_and_destination() throws {
        guard case .copy(let sources, let destination, let heredocs) = try instruction("COPY a b* \"c d\" /dst/").kind else {
            Issue.record("COPY"); return
        }
        #expect(sources.map(\.text) == ["a", "b*", "\"c d\""] && destination.text == "/dst/" && heredocs.isEmpty)
        guard case .add(let addSources, let addDestination, _) = try instruction("ADD [\"a b\", \"c\\\\d\", \"/x\"]").kind else {
            Issue.record("ADD"); return
        }
        let expand = { (word: RawWord) in try WordExpander().expand(word) { _ in nil } }
        #expect(try addSources.map(expand) == ["a b", "c\\d"])
        #expect(try expand(addDestination) == "/x")
    }

    @Test func flags_are_kept_in_order_and_raw() throws {
        let copy = try instruction("COPY --from=build --chown=app:app --chmod=0755 --link --exclude=*.md --exclude=x a /b")
        #expect(copy.flags == [
            InstructionFlag(name: "from", value: RawWord("build")),
            InstructionFlag(name: "chown", value: RawWord("app:app")),
            InstructionFlag(name: "chmod", value: RawWord("0755")),
            InstructionFlag(name: "link", value: nil),
            InstructionFlag(name: "exclude", value: RawWord("*.md")),
            InstructionFlag(name: "exclude", value: RawWord("x")),
        ])
        #expect(copy.flagValue("from") == RawWord("build"))
        #expect(copy.flagValues("exclude").map(\.text) == ["*.md", "x"])
        #expect(copy.flagIsSet("link") && !copy.flagIsSet("parents"))
        let run = try instruction("RUN --mount=type=cache,target=/root/.cache --mount=\"type=secret,id=a\" --network=none -- --not-a-flag")
        #expect(run.flagValues("mount").map(\.text) == ["type=cache,target=/root/.cache", "\"type=secret,id=a\""])
        guard case .run(.shell("--not-a-flag"), _) = run.kind else { Issue.record("RUN"); return }
        let add = try instruction("ADD --checksum=sha256:abc --keep-git-dir=true --link=false https://x/y.tgz /")
        #expect(add.flagIsSet("keep-git-dir") && !add.flagIsSet("link"))
        #expect(add.flagValue("checksum") == RawWord("sha256:abc"))
        let copyParents = try instruction("COPY --parents ./x/**/y /z/")
        #expect(copyParents.flagIsSet("parents"))
    }

    @Test(arguments: [
        ("COPY --chown a b", "Containerfile:2:6: COPY: missing a value on flag: chown"),
        ("COPY --from=a --from=b x y", "Containerfile:2:15: COPY: duplicate flag specified: from"),
        ("COPY --link=maybe x y", "Containerfile:2:6: COPY: expecting boolean value for flag link, not: maybe"),
        ("COPY --checksum=x a b", "Containerfile:2:6: COPY: unknown flag: checksum"),
        ("ADD --parents a b", "Containerfile:2:5: ADD: unknown flag: parents"),
        ("RUN --mount", "Containerfile:2:5: RUN: missing a value on flag: mount"),
        ("RUN --platform=x true", "Containerfile:2:5: RUN: unknown flag: platform"),
        ("ENV --x=1", "Containerfile:2:5: ENV: unknown flag: x"),
        ("HEALTHCHECK --foo=1 CMD x", "Containerfile:2:13: HEALTHCHECK: unknown flag: foo"),
        ("RUN --network=bridge true", "Containerfile:2:1: RUN: unsupported network mode \"bridge\""),
        ("RUN --security=root true", "Containerfile:2:1: RUN: unsupported security mode \"root\""),
    ])
    func flag_errors(line: String, expected: String) {
        #expect(parseError("FROM a\n" + line + "\n") == expected)
    }

    @Test func healthcheck_forms() throws {
        guard case .healthcheck(nil) = try instruction("HEALTHCHECK none").kind else { Issue.record("NONE"); return }
        let check = try instruction("HEALTHCHECK --interval=5m --timeout=3s --start-period=1s --start-interval=2s --retries=3 CMD curl -f http://localhost/ || exit 1")
        guard case .healthcheck(let spec?) = check.kind else { Issue.record("CMD"); return }
        #expect(spec.command == .shell("curl -f http://localhost/ || exit 1"))
        #expect(spec.flags.map(\.name) == ["interval", "timeout", "start-period", "start-interval", "retries"])
        guard case .healthcheck(let exec?) = try instruction("HEALTHCHECK cmd [\"/bin/check\", \"-q\"]").kind else {
            Issue.record("exec"); return
        }
        #expect(exec.command == .exec(["/bin/check", "-q"]))
    }

    @Test func onbuild_holds_a_parsed_trigger() throws {
        guard case .onbuild(let trigger) = try instruction("ONBUILD copy --chown=1:1 . /app/src").kind else {
            Issue.record("ONBUILD"); return
        }
        #expect(trigger.keyword == "COPY")
        #expect(trigger.flags == [InstructionFlag(name: "chown", value: RawWord("1:1"))])
        #expect(trigger.original == "copy --chown=1:1 . /app/src")
        #expect(trigger.location == SourceLocation(file: "Containerfile", line: 2, column: 9))
        guard case .onbuild(let run) = try instruction("ONBUILD RUN [\"make\"]").kind, case .run(.exec(["make"]), _) = run.kind else {
            Issue.record("ONBUILD RUN"); return
        }
    }
}

@Suite struct HealthcheckDurationTests {
    @Test(arguments: [
        ("0", Int64(0)), ("30s", 30_000_000_000), ("1m30s", 90_000_000_000), ("500ms", 500_000_000), ("1.5h", 5_400_000_000_000),
        ("2us", 2_000), ("3ns", 3), ("-1s", -1_000_000_000),
    ])
    func go_durations(text: String, nanoseconds: Int64) {
        #expect(GoDuration.parse(text) == nanoseconds)
    }

    @Test(arguments: ["", "s", "10", "1x", "1.s2", "."])
    func not_durations(text: String) {
        #expect(GoDuration.parse(text) == nil)
    }

    @Test func spec_reads_flags() throws {
        guard case .healthcheck(let spec?) = try instruction("HEALTHCHECK --interval=5m --timeout=3s --retries=4 CMD true").kind else {
            Issue.record("HEALTHCHECK"); return
        }
        #expect(spec.duration("interval") == 300_000_000_000)
        #expect(spec.duration("timeout") == 3_000_000_000)
        #expect(spec.duration("start-period") == nil)
        #expect(spec.retries == 4)
    }

    @Test(arguments: [
        ("--interval=10", "HEALTHCHECK: time: invalid duration \"10\""),
        ("--timeout=500us", "HEALTHCHECK: Timeout \"timeout\" cannot be less than 1ms"),
        ("--start-period=-1s", "HEALTHCHECK: Start-period \"start-period\" cannot be negative"),
        ("--retries=-1", "HEALTHCHECK: --retries cannot be negative (-1)"),
        ("--retries=x", "HEALTHCHECK: invalid --retries value \"x\""),
    ])
    func bad_values_are_parse_errors(flag: String, expected: String) {
        #expect(parseError("FROM a\nHEALTHCHECK \(flag) CMD true\n") == "Containerfile:2:1: " + expected)
    }

    @Test func expansion_errors_take_the_instructions_place() {
        let error = DockerfileError("X: required", at: SourceLocation(file: "", line: 0, column: 0))
            .located(at: SourceLocation(file: "Containerfile", line: 4, column: 1), instruction: "COPY")
        #expect(error.description == "Containerfile:4:1: COPY: X: required")
    }
}
