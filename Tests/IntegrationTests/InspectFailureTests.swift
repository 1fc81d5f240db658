// `inspect` of something that exists but cannot be read says why (the record and
// what is wrong with it) instead of "no such object"; a missing name still says that.
import Foundation
import Testing
import TestSupport

@Suite struct InspectFailureTests {
    /// Overwrites a store file as the user berth runs as would find it.
    private func corrupt(_ sb: Sandbox, _ path: String) throws {
        try "{not json".write(toFile: path, atomically: false, encoding: .utf8)
    }

    @Test(arguments: Mode.available)
    func inspect_of_a_corrupt_container_or_image_record_names_the_file_and_the_fault(mode: Mode) throws {
        let sb = try sandboxWithImage(mode)
        defer { #expect(sb.cleanup().isEmpty) }
        let id = sb.berth("create", "--name", "broken", "img", "true").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.count == 64)
        let config = sb.root + "/containers/\(id)/config.json"
        try corrupt(sb, config)
        for name in ["broken", String(id.prefix(12))] {
            let result = sb.berth("inspect", name)
            #expect(result.status == 125, "\(result)")
            // podman's prefix for every inspect failure.
            #expect(result.stderr == "Error: inspecting object: \(config): malformed JSON: The given data was not valid JSON.\n", "\(result)")
        }
        let container = sb.berth("container", "inspect", "broken")
        #expect(container.status != 0 && container.stderr.contains(config) && !container.stderr.contains("no such"), "\(container)")

        let missing = sb.berth("inspect", "nosuch")
        #expect(missing.status == 125 && missing.stderr == "Error: inspecting object: no such object: \"nosuch\"\n", "\(missing)")

        let imageID = sb.berth("images", "-q", "--no-trunc").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let record = sb.root + "/images/\(imageID.dropFirst(7)).json"
        #expect(FileManager.default.fileExists(atPath: record), "the image record is at \(record)")
        try corrupt(sb, record)
        let image = sb.berth("inspect", "--type", "image", "img")
        #expect(image.status == 125 && image.stderr.contains(record) && image.stderr.contains("malformed JSON"), "\(image)")
    }
}
