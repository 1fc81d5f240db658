// An event as one line of JSON, byte for byte as Go's encoding/json writes podman's
// libpod/events.Event: fields in struct order, omitempty ones left out when empty,
// map keys sorted, HTML characters escaped; and read back from such a line.
import BerthImage
import BerthSystem
import BerthTemplate
import FoundationEssentials

extension BerthEvent {
    /// The line the file logger writes, newline included.
    package func jsonLine() -> [UInt8] {
        var out = "{"
        var first = true
        func field(_ key: String, _ value: String) {
            out += (first ? "\"" : ",\"") + key + "\":" + value
            first = false
        }
        if exitCode != 0 { field("ContainerExitCode", String(exitCode)) }
        if !id.isEmpty { field("ID", GoJSONString.quoted(id)) }
        if !image.isEmpty { field("Image", GoJSONString.quoted(image)) }
        if !name.isEmpty { field("Name", GoJSONString.quoted(name)) }
        if !network.isEmpty { field("network", GoJSONString.quoted(network)) }
        field("Status", GoJSONString.quoted(status))
        field("Time", GoJSONString.quoted(EventTime.rfc3339(time)))
        field("Type", GoJSONString.quoted(type.rawValue))
        if !healthStatus.isEmpty { field("health_status", GoJSONString.quoted(healthStatus)) }
        if !podID.isEmpty { field("PodID", GoJSONString.quoted(podID)) }
        if let attributes {
            field("Attributes", "{" + attributes.sorted { $0.key < $1.key }
                .map { GoJSONString.quoted($0.key) + ":" + GoJSONString.quoted($0.value) }.joined(separator: ",") + "}")
        } else {
            field("Attributes", "null")
        }
        return Array((out + "}\n").utf8)
    }

    /// The JSON object as the file holds it.
    private struct Stored: Decodable {
        var ContainerExitCode: Int32?
        var ID: String?
        var Image: String?
        var Name: String?
        var network: String?
        var Status: String
        var Time: String
        var `Type`: String
        var health_status: String?
        var PodID: String?
        var Attributes: [String: String]?
    }

    /// Reads one line of the log; nil for a line that is no event (a torn write).
    package init?(jsonLine line: ArraySlice<UInt8>) {
        guard let stored = try? JSONDecoder().decode(Stored.self, from: Data(line)),
              let kind = Kind(rawValue: stored.Type), let time = EventTime.nanoseconds(stored.Time) else { return nil }
        self.init(type: kind, status: stored.Status, id: stored.ID ?? "", name: stored.Name ?? "",
                  image: stored.Image ?? "", attributes: stored.Attributes, time: time)
        exitCode = stored.ContainerExitCode ?? 0
        network = stored.network ?? ""
        healthStatus = stored.health_status ?? ""
        podID = stored.PodID ?? ""
    }
}

/// Event times: nanoseconds since the epoch, written as Go writes a UTC time.Time.
package enum EventTime {
    /// RFC 3339 with nanoseconds, trailing zeros cut (Go's RFC3339Nano, JSON's form).
    package static func rfc3339(_ nanos: Int64) -> String {
        let (date, clock, fraction) = parts(nanos)
        return date + "T" + clock + (fraction.isEmpty ? "" : "." + fraction) + "Z"
    }

    /// Go's time.Time.String() of a UTC time: `2026-12-06 12:18:42.88750592 +0000 UTC`.
    package static func goString(_ nanos: Int64) -> String {
        let (date, clock, fraction) = parts(nanos)
        return date + " " + clock + (fraction.isEmpty ? "" : "." + fraction) + " +0000 UTC"
    }

    private static func parts(_ nanos: Int64) -> (String, String, String) {
        let seconds = nanos >= 0 ? nanos / 1_000_000_000 : (nanos - 999_999_999) / 1_000_000_000
        let rest = nanos - seconds * 1_000_000_000
        let utc = UTCCalendar(epochSeconds: Int(seconds))
        func pad(_ v: Int32, _ width: Int = 2) -> String { String(v).leftPadded(to: width) }
        var fraction = rest == 0 ? "" : String(rest).leftPadded(to: 9)
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return ("\(pad(utc.year, 4))-\(pad(utc.month))-\(pad(utc.day))",
                "\(pad(utc.hour)):\(pad(utc.minute)):\(pad(utc.second))", fraction)
    }

    /// An RFC 3339 time to nanoseconds, exact to the nanosecond (a Double is not).
    package static func nanoseconds(_ text: String) -> Int64? {
        guard let dot = text.firstIndex(of: ".") else {
            return RFC3339.seconds(text).map { Int64($0) * 1_000_000_000 }
        }
        let zone = text[dot...].firstIndex { $0 == "Z" || $0 == "z" || $0 == "+" || $0 == "-" } ?? text.endIndex
        let digits = text[text.index(after: dot)..<zone]
        guard !digits.isEmpty, digits.count <= 9, let fraction = Int64(digits),
              let whole = RFC3339.seconds(String(text[..<dot]) + String(text[zone...])) else { return nil }
        var scale: Int64 = 1
        for _ in digits.count..<9 { scale *= 10 }
        return Int64(whole) * 1_000_000_000 + fraction * scale
    }
}
