// The k8s-file records and the RFC 3339 times `logs` reads back.
import BerthEngine
import Testing

@Suite struct ContainerLogFormatTests {
    @Test func rfc3339_times_with_zones_fractions_and_short_forms() {
        #expect(RFC3339.seconds("1970-01-01T00:00:00Z") == 0)
        #expect(RFC3339.seconds("1970-01-01T01:00:00+01:00") == 0)
        #expect(RFC3339.seconds("1970-01-01T00:00:00-00:30") == 1800)
        #expect(RFC3339.seconds("2026-12-06T12:00:00.5Z") == 1_796_558_400.5)
        #expect(RFC3339.seconds("2026-12-06") == 1_796_515_200)
        #expect(RFC3339.seconds("2026-12-06T12:00:00") == 1_796_558_400)
        for bad in ["", "yesterday", "2026-13-01", "2026-12-06T25:00:00Z", "2026-12-06T12:00:00.Z", "2026-12-06T12:00:00Zjunk", "10m"] {
            #expect(RFC3339.seconds(bad) == nil, "\(bad)")
        }
    }

    @Test func records_split_into_time_stream_tag_and_content() throws {
        let full = try #require(LogRecord(Array("2026-12-06T12:00:00.000000001Z stderr F a b  c".utf8)[...]))
        #expect(full.isStderr && !full.isPartial && Array(full.content) == Array("a b  c".utf8))
        #expect(full.timeText == "2026-12-06T12:00:00.000000001Z")
        let partial = try #require(LogRecord(Array("2026-12-06T12:00:00Z stdout P ".utf8)[...]))
        #expect(!partial.isStderr && partial.isPartial && partial.content.isEmpty)
        #expect(LogRecord(Array("2026-12-06T12:00:00Z stdin F x".utf8)[...]) == nil)
        #expect(LogRecord(Array("not a record".utf8)[...]) == nil)
    }
}
