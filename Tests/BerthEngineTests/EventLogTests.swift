// Events as the log holds them: podman's JSON line, Go's times, and the filters
// `events --filter` parses.
import BerthEngine
import Testing

@Suite struct EventLogTests {
    @Test func json_lines_are_go_encoding_json_of_podmans_event() throws {
        var event = BerthEvent(type: .container, status: "died", id: "abc", name: "n<1>", image: "localhost/img:latest",
                               attributes: ["z": "last", "a": "quote\"and\\newline\n"], time: 1_796_558_400_123_456_700)
        event.exitCode = 3
        let line = String(decoding: event.jsonLine(), as: UTF8.self)
        #expect(line == #"{"ContainerExitCode":3,"ID":"abc","Image":"localhost/img:latest","Name":"n\u003c1\u003e","Status":"died","Time":"2026-12-06T12:00:00.1234567Z","Type":"container","Attributes":{"a":"quote\"and\\newline\n","z":"last"}}"# + "\n")
        let back = try #require(BerthEvent(jsonLine: event.jsonLine().dropLast()))
        #expect(back == event, "read back exactly, nanoseconds included")
        let image = String(decoding: BerthEvent.image("pull", name: "docker.io/library/alpine:latest").jsonLine(), as: UTF8.self)
        #expect(image.hasPrefix(#"{"Name":"docker.io/library/alpine:latest","Status":"pull","Time":""#)
                && image.hasSuffix(#""Type":"image","Attributes":null}"# + "\n"), "no ID, no Image, null attributes: \(image)")
        #expect(BerthEvent(jsonLine: Array("{\"Status\":\"x\"".utf8)[...]) == nil, "a torn line is no event")
    }

    @Test func times_print_as_go_prints_them() {
        #expect(EventTime.rfc3339(1_796_558_400_000_000_000) == "2026-12-06T12:00:00Z")
        #expect(EventTime.rfc3339(1_796_558_400_887_505_920) == "2026-12-06T12:00:00.88750592Z")
        #expect(EventTime.goString(1_796_558_400_887_505_920) == "2026-12-06 12:00:00.88750592 +0000 UTC")
        #expect(EventTime.goString(1_796_558_400_000_000_000) == "2026-12-06 12:00:00 +0000 UTC")
        #expect(EventTime.nanoseconds("2026-12-06T12:00:00.88750592Z") == 1_796_558_400_887_505_920)
        #expect(EventTime.nanoseconds("2026-12-06T13:00:00.5+01:00") == 1_796_558_400_500_000_000)
        #expect(EventTime.nanoseconds("2026-12-06T12:00:00Z") == 1_796_558_400_000_000_000)
        #expect(EventTime.nanoseconds("noon") == nil)
    }

    @Test func filters_of_one_key_are_alternatives_and_keys_all_apply() throws {
        let created = BerthEvent(type: .container, status: "create", id: "0123456789ab", name: "web",
                                 image: "localhost/img:latest", attributes: ["team": "blue"])
        let pulled = BerthEvent.image("pull", id: "fedcba", name: "localhost/img:latest")
        #expect(try EventFilter(["container=web"]).matches(created))
        #expect(try EventFilter(["container=0123"]).matches(created))
        #expect(try !EventFilter(["container=web"]).matches(pulled))
        #expect(try EventFilter(["event=start", "event=create"]).matches(created))
        #expect(try !EventFilter(["event=create", "type=image"]).matches(created))
        #expect(try EventFilter(["status=pull", "type=image"]).matches(pulled))
        #expect(try EventFilter(["label=team=blue"]).matches(created) && EventFilter(["label=team"]).matches(created))
        #expect(try !EventFilter(["label=team=red"]).matches(created))
        #expect(try EventFilter(["image=img"]).matches(created) && EventFilter(["image=fed"]).matches(pulled))
        #expect(try EventFilter(["volume=da"]).matches(.volume("create", name: "data")))
        #expect(throws: ContainerError.self) { try EventFilter(["bogus=1"]) }
        #expect(throws: ContainerError.self) { try EventFilter(["container"]) }
        #expect("\((try? EventFilter(["Bogus=1"])).map { _ in "" } ?? "refused")" == "refused")
    }
}
