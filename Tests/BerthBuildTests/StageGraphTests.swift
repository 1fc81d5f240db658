// Multi-stage dependencies, targets and the stages a build needs.
@testable import BerthBuild
import Testing

@Suite struct StageGraphTests {
    static let fourStages = """
    FROM alpine AS base
    RUN true
    FROM base AS build
    RUN make
    FROM alpine AS docs
    RUN mkdocs
    FROM scratch AS final
    COPY --from=build /out /
    """

    @Test func needed_follows_from_copy_and_mount_references() throws {
        let dockerfile = try parse(Self.fourStages)
        let graph = try StageGraph(dockerfile, target: nil)
        #expect(graph.target == 3)
        #expect(graph.needed == [0, 1, 3])
        #expect(graph.dependencies(of: 1) == [0])
        #expect(graph.dependencies(of: 3) == [1])
        #expect(graph.dependencies(of: 2).isEmpty)
    }

    @Test(arguments: [("docs", [2]), ("DOCS", [2]), ("build", [0, 1]), ("base", [0]), ("2", [2])])
    func target_selects_a_stage_by_name_or_index(target: String, needed: [Int]) throws {
        #expect(try StageGraph(try parse(Self.fourStages), target: target).needed == needed)
    }

    @Test func unknown_target_is_an_error() throws {
        let dockerfile = try parse(Self.fourStages)
        #expect { try StageGraph(dockerfile, target: "nope") } throws: { error in
            (error as? DockerfileError)?.description == "target stage \"nope\" could not be found"
        }
    }

    @Test func stages_by_name_or_index_else_an_image() throws {
        let graph = try StageGraph(try parse(Self.fourStages), target: nil)
        #expect(graph.stage(named: "Build") == 1)
        #expect(graph.stage(named: "0") == 0)
        #expect(graph.stage(named: "7") == nil)
        #expect(graph.stage(named: "busybox:latest") == nil)
        #expect(graph.stage(named: "01") == nil)
    }

    @Test func run_mount_from_and_numeric_copy_from_are_dependencies() throws {
        let dockerfile = try parse("""
        FROM alpine
        FROM alpine AS cache
        FROM busybox
        RUN --mount=type=cache,target=/c,from=cache --mount=type=bind,"from=0",target=/x true
        COPY --from=1 /a /b
        COPY --from=docker.io/library/busybox /bin/sh /sh
        """)
        let graph = try StageGraph(dockerfile, target: nil)
        #expect(graph.dependencies(of: 2) == [0, 1])
        #expect(graph.needed == [0, 1, 2])
    }

    @Test func a_stage_named_like_its_base_image_is_no_loop() throws {
        let graph = try StageGraph(try parse("FROM alpine AS alpine\nFROM alpine\n"), target: nil)
        #expect(graph.dependencies(of: 0).isEmpty)
        #expect(graph.dependencies(of: 1) == [0])
        #expect(graph.needed == [0, 1])
    }

    @Test func from_uses_global_args() throws {
        let dockerfile = try parse("ARG FROMSTAGE=builder\nFROM alpine AS builder\nFROM ${FROMSTAGE}\n")
        let graph = try StageGraph(dockerfile, target: nil, fromArgs: ["FROMSTAGE": "builder"])
        #expect(graph.dependencies(of: 1) == [0])
    }

    @Test(arguments: [
        "FROM alpine AS a\nCOPY --from=a /x /y\n",
        "FROM alpine AS a\nCOPY --from=b /x /y\nFROM alpine AS b\n",
        "FROM alpine AS a\nCOPY --from=0 /x /y\n",
        "FROM alpine AS a\nRUN --mount=from=b,target=/m true\nFROM alpine AS b\n",
        "FROM b AS a\nFROM alpine AS b\n",
    ])
    func references_to_itself_or_a_later_stage_are_errors(text: String) throws {
        let dockerfile = try parse(text)
        #expect(throws: DockerfileError.self) { try StageGraph(dockerfile, target: nil) }
    }

    @Test func self_reference_error_names_the_stage_and_line() throws {
        let dockerfile = try parse("FROM alpine AS a\nRUN true\nCOPY --from=a /x /y\n")
        #expect { try StageGraph(dockerfile, target: nil) } throws: { error in
            (error as? DockerfileError)?.description
                == "Containerfile:3:1: COPY: stage \"a\" refers to itself: stages can only use earlier stages"
        }
    }
}
