import Testing
@testable import BerthBuild

@Suite struct DockerfileModelTests {
    @Test func error_names_file_line_column_and_instruction() {
        let error = DockerfileError("requires at least two arguments",
                                    at: SourceLocation(file: "Containerfile", line: 3, column: 1), instruction: "COPY")
        #expect(error.description == "Containerfile:3:1: COPY: requires at least two arguments")
    }
}
