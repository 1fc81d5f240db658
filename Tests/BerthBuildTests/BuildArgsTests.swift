// ARG scoping: the reference's rules for global args, stage args, user overrides,
// predefined proxy and platform args, and ENV winning over ARG.
@testable import BerthBuild
import Testing

@Suite struct BuildArgsTests {
    let platform = (os: "linux", arch: "arm64", variant: Optional("v8"))

    func declarations(_ text: String) throws -> [ArgDeclaration] {
        guard case .arg(let declarations) = try instruction(text).kind else { return [] }
        return declarations
    }

    @Test func from_lines_see_global_args_and_platform_args() throws {
        let args = BuildArgs(userArgs: ["TAG": "edge"], platform: platform)
        let globals = try args.fromEnvironment(globalArgs: try declarations("ARG BASE=alpine TAG=3.19 IMAGE=${BASE}:${TAG} UNSETARG"),
                                               expander: WordExpander())
        #expect(globals["BASE"] == "alpine")
        #expect(globals["TAG"] == "edge")
        #expect(globals["IMAGE"] == "alpine:edge")
        #expect(globals["UNSETARG"] == nil)
        #expect(globals["TARGETPLATFORM"] == "linux/arm64/v8")
        #expect(globals["TARGETARCH"] == "arm64")
        #expect(globals["BUILDOS"] == "linux")
        #expect(globals["BUILDVARIANT"] == "v8")
    }

    @Test func user_args_not_declared_are_not_visible_in_from() throws {
        let args = BuildArgs(userArgs: ["OTHER": "x"], platform: platform)
        #expect(try args.fromEnvironment(globalArgs: [], expander: WordExpander())["OTHER"] == nil)
    }

    @Test func a_stage_sees_a_global_only_after_redeclaring_it() throws {
        let args = BuildArgs(userArgs: [:], platform: platform)
        let globals = try args.fromEnvironment(globalArgs: try declarations("ARG VERSION=1.0"), expander: WordExpander())
        var scope = args.stageScope(globals: globals)
        #expect(scope.visible()["VERSION"] == nil)
        try scope.declare(ArgDeclaration(name: "VERSION", defaultValue: nil), env: [:])
        #expect(scope.visible()["VERSION"] == "1.0")
    }

    @Test func user_value_overrides_a_default_only_when_declared() throws {
        let args = BuildArgs(userArgs: ["A": "user", "B": "user"], platform: platform)
        var scope = args.stageScope(globals: [:])
        try scope.declare(ArgDeclaration(name: "A", defaultValue: RawWord("default")), env: [:])
        #expect(scope.visible() == ["A": "user"])
        #expect(args.unusedUserArgs(in: try parse("FROM x\nARG A=default\n")) == ["B"])
    }

    @Test func defaults_expand_earlier_args_and_env() throws {
        let args = BuildArgs(userArgs: [:], platform: platform)
        var scope = args.stageScope(globals: [:])
        try scope.declare(ArgDeclaration(name: "A", defaultValue: RawWord("one")), env: [:])
        try scope.declare(ArgDeclaration(name: "B", defaultValue: RawWord("${A}-$HOME")), env: ["HOME": "/root"])
        #expect(scope.visible()["B"] == "one-/root")
    }

    @Test func a_declared_arg_without_value_or_user_value_is_unset() throws {
        var scope = BuildArgs(userArgs: [:], platform: platform).stageScope(globals: [:])
        try scope.declare(ArgDeclaration(name: "NOTHING", defaultValue: nil), env: [:])
        #expect(scope.isDeclared("NOTHING"))
        #expect(scope.visible()["NOTHING"] == nil)
    }

    @Test func proxy_args_are_visible_without_declaration_but_not_persisted() throws {
        let args = BuildArgs(userArgs: ["HTTP_PROXY": "http://proxy:3128", "no_proxy": "localhost"], platform: platform)
        var scope = args.stageScope(globals: [:])
        #expect(scope.visible() == ["HTTP_PROXY": "http://proxy:3128", "no_proxy": "localhost"])
        #expect(scope.persistable().isEmpty)
        try scope.declare(ArgDeclaration(name: "HTTP_PROXY", defaultValue: nil), env: [:])
        #expect(scope.persistable() == ["HTTP_PROXY": "http://proxy:3128"])
        #expect(args.unusedUserArgs(in: try parse("FROM x\n")).isEmpty)
    }

    @Test func platform_args_need_a_declaration_in_the_stage() throws {
        let args = BuildArgs(userArgs: [:], platform: (os: "linux", arch: "amd64", variant: nil))
        let globals = try args.fromEnvironment(globalArgs: [], expander: WordExpander())
        var scope = args.stageScope(globals: globals)
        #expect(scope.visible()["TARGETPLATFORM"] == nil)
        try scope.declare(ArgDeclaration(name: "TARGETPLATFORM", defaultValue: nil), env: [:])
        try scope.declare(ArgDeclaration(name: "TARGETVARIANT", defaultValue: nil), env: [:])
        #expect(scope.visible() == ["TARGETPLATFORM": "linux/amd64", "TARGETVARIANT": ""])
    }

    @Test func env_of_the_same_name_wins_over_arg() throws {
        var scope = BuildArgs(userArgs: ["V": "from-arg"], platform: platform).stageScope(globals: [:])
        try scope.declare(ArgDeclaration(name: "V", defaultValue: nil), env: [:])
        #expect(scope.lookup(env: ["V": "from-env"])("V") == "from-env")
        #expect(scope.lookup(env: [:])("V") == "from-arg")
        #expect(scope.runEnvironment(imageEnv: ["PATH=/bin", "V=from-env"]) == ["PATH=/bin", "V=from-env"])
        #expect(scope.runEnvironment(imageEnv: ["PATH=/bin"]) == ["PATH=/bin", "V=from-arg"])
    }

    @Test func unused_args_count_only_the_stages_built() throws {
        let dockerfile = try parse("ARG G\nFROM x\nARG ONE\nFROM y\nARG TWO\n")
        let args = BuildArgs(userArgs: ["G": "", "ONE": "", "TWO": "", "NONE": ""], platform: platform)
        #expect(args.unusedUserArgs(in: dockerfile) == ["NONE"])
        #expect(args.unusedUserArgs(in: dockerfile, stages: [1]) == ["NONE", "ONE"])
    }
}
