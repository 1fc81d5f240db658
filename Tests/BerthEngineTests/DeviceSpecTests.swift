// --device HOST[:CONTAINER][:PERMS] as podman 4.3's ParseDevice reads it, and its
// messages for the forms it refuses.
@testable import BerthEngine
import Testing

@Suite struct DeviceSpecTests {
    @Test func every_form_podman_accepts() throws {
        #expect(try Engine.parseDevice("/dev/zero") == DeviceMapping(pathOnHost: "/dev/zero", pathInContainer: "/dev/zero", permissions: "rwm"))
        #expect(try Engine.parseDevice("/dev/zero:/dev/foo") == DeviceMapping(pathOnHost: "/dev/zero", pathInContainer: "/dev/foo", permissions: "rwm"))
        #expect(try Engine.parseDevice("/dev/zero:r") == DeviceMapping(pathOnHost: "/dev/zero", pathInContainer: "/dev/zero", permissions: "r"))
        #expect(try Engine.parseDevice("/dev/zero:/dev/foo:rw") == DeviceMapping(pathOnHost: "/dev/zero", pathInContainer: "/dev/foo", permissions: "rw"))
    }

    @Test func refusals_say_what_podman_says() throws {
        let cases = [
            ("/dev/zero:rel", "invalid device mode: rel"), ("/dev/zero:/dev/foo:x", "invalid device mode: x"),
            ("/dev/zero:/dev/foo:rr", "invalid device mode: rr"), ("/dev/zero::r", "invalid device mode: "),
            ("/dev/zero:/a:r:w", "invalid device specification: /dev/zero:/a:r:w"), (":/dev/foo", "invalid device specification: :/dev/foo"),
        ]
        for (spec, message) in cases {
            let error = try #require(throws: ContainerError.self) { try Engine.parseDevice(spec) }
            #expect("\(error)" == message, "\(spec)")
        }
    }

    @Test func a_host_node_must_be_a_device() throws {
        let null = try HostDevice("/dev/null")
        #expect(null.major == 1 && null.minor == 3 && !null.isBlock)
        let file = try #require(throws: ContainerError.self) { try HostDevice("/etc/hostname") }
        #expect("\(file)" == "/etc/hostname is not a device node")
        let missing = try #require(throws: ContainerError.self) { try HostDevice("/nonexistent") }
        #expect("\(missing)" == "stat /nonexistent: no such file or directory")
    }
}
