// The k8s-file log format as read back: one record a line,
// `TIMESTAMP STREAM TAG CONTENT`, written by Sources/CBerth/k8s_log.c (or conmon),
// and the RFC 3339 times it and `logs --since/--until` use. Pure logic, no I/O.
import BerthSystem

/// One record of a k8s-file log.
package struct LogRecord: Sendable, Equatable {
    package var time: Double          // seconds since the epoch
    package var timeText: Substring   // as written, for `logs -t`
    package var isStderr: Bool
    package var isPartial: Bool       // "P": the line goes on in the next record
    package var content: ArraySlice<UInt8>

    /// Parses one line (without its newline); nil for a line that is no record.
    package init?(_ line: ArraySlice<UInt8>) {
        guard let first = line.firstIndex(of: 0x20) else { return nil }
        let streamStart = first + 1
        guard let second = line[streamStart...].firstIndex(of: 0x20) else { return nil }
        let tagStart = second + 1
        let tagEnd = line[tagStart...].firstIndex(of: 0x20) ?? line.endIndex
        let stream = line[streamStart..<second]
        guard stream.elementsEqual("stdout".utf8) || stream.elementsEqual("stderr".utf8) else { return nil }
        let text = Substring(decoding: line[line.startIndex..<first], as: UTF8.self)
        guard let time = RFC3339.seconds(text) else { return nil }
        self.time = time
        self.timeText = text
        self.isStderr = stream.elementsEqual("stderr".utf8)
        self.isPartial = line[tagStart..<tagEnd].first == UInt8(ascii: "P")
        self.content = tagEnd < line.endIndex ? line[(tagEnd + 1)...] : line[line.endIndex...]
    }

    /// Whether the record starting at `start` of `bytes` is a full line ("F"),
    /// read from its tag alone: `logs --tail` counts lines from the end this way.
    static func isFullLine(_ bytes: [UInt8], at start: Int) -> Bool {
        var spaces = 0, index = start
        while index < bytes.count && spaces < 2 {
            if bytes[index] == 0x0A { return false }
            if bytes[index] == 0x20 { spaces += 1 }
            index += 1
        }
        return spaces == 2 && index < bytes.count && bytes[index] != UInt8(ascii: "P")
    }
}

/// RFC 3339 times read to epoch seconds ("2026-12-06T12:00:00.5Z", "...+01:00"), also the shorter
/// forms podman's --since accepts ("2026-12-06T12:00:00", "2026-12-06": UTC).
extension RFC3339 {
    package static func seconds<S: StringProtocol>(_ text: S) -> Double? {
        let chars = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int32? {
            guard from + count <= chars.count else { return nil }
            var value: Int32 = 0
            for c in chars[from..<(from + count)] {
                guard c >= 0x30 && c <= 0x39 else { return nil }
                value = value * 10 + Int32(c - 0x30)
            }
            return value
        }
        guard chars.count >= 10, chars[4] == 0x2D, chars[7] == 0x2D,
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var hour: Int32 = 0, minute: Int32 = 0, second: Int32 = 0
        var index = 10, fraction = 0.0, offset = 0
        if index < chars.count {
            guard chars[index] == UInt8(ascii: "T") || chars[index] == UInt8(ascii: " "), chars.count >= 19,
                  chars[13] == 0x3A, chars[16] == 0x3A,
                  let h = number(11, 2), let m = number(14, 2), let s = number(17, 2), h < 24, m < 60, s < 61 else { return nil }
            (hour, minute, second) = (h, m, s)
            index = 19
            if index < chars.count && chars[index] == UInt8(ascii: ".") {
                var scale = 0.1
                index += 1
                let start = index
                while index < chars.count, chars[index] >= 0x30, chars[index] <= 0x39 {
                    fraction += Double(chars[index] - 0x30) * scale
                    scale /= 10
                    index += 1
                }
                guard index > start else { return nil }
            }
            if index < chars.count {
                if chars[index] == UInt8(ascii: "Z") || chars[index] == UInt8(ascii: "z") {
                    index += 1
                } else if chars[index] == UInt8(ascii: "+") || chars[index] == UInt8(ascii: "-") {
                    guard let h = number(index + 1, 2), index + 3 < chars.count, chars[index + 3] == 0x3A,
                          let m = number(index + 4, 2) else { return nil }
                    offset = (Int(h) * 3600 + Int(m) * 60) * (chars[index] == UInt8(ascii: "+") ? 1 : -1)
                    index += 6
                } else {
                    return nil
                }
            }
        }
        guard index == chars.count else { return nil }
        let calendar = UTCCalendar(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        return Double(calendar.epochSeconds - offset) + fraction
    }
}
