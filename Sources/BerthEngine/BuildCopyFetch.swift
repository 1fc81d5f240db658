// ADD's remote sources: an http(s) URL fetched with the registry's own HTTP
// client (no FoundationNetworking, design.md §7), named by the URL's last path
// component, its mtime from Last-Modified when the server sends one.
import BerthImage
import BerthRegistry
import BerthSystem

struct RemoteFetcher {
    let client: HTTPClient

    init(client: HTTPClient = HTTPClient()) { self.client = client }

    static func isRemote(_ source: String) -> Bool {
        source.hasPrefix("http://") || source.hasPrefix("https://")
    }

    /// A git repository (BuildKit's forms): not supported yet, refused by name.
    static func isGit(_ source: String) -> Bool {
        if source.hasPrefix("git@") || source.hasPrefix("git://") { return true }
        guard isRemote(source) else { return false }
        let path = source.split(separator: "#", maxSplits: 1).first.map(String.init) ?? source
        return path.hasSuffix(".git")
    }

    struct Download {
        let body: any ByteStream
        let name: String
        let lastModified: Int64?
    }

    /// Sends the GET; the caller reads the body.
    func open(_ url: String) throws -> Download {
        let parts: URLParts
        do {
            parts = try URLParts(parsing: url)
        } catch {
            throw ContainerError.invalid("ADD \(url): \(error)")
        }
        let path = parts.target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard let name = path.split(separator: "/").last.map(String.init), !name.isEmpty else {
            throw ContainerError.invalid("ADD \(url): cannot determine a file name from the URL")
        }
        let response: HTTPResponse
        do {
            response = try client.send(HTTPRequest(url: parts))
        } catch {
            throw ContainerError.invalid("ADD \(url): \(error)")
        }
        guard response.isSuccess else {
            response.body.skip()
            throw ContainerError.invalid("ADD \(url): invalid response status \(response.status)")
        }
        let modified = response.headers["Last-Modified"].flatMap(Self.httpDate)
        return Download(body: response.body, name: Self.percentDecoded(name), lastModified: modified)
    }

    /// An IMF-fixdate (RFC 9110 §5.6.7: "Sun, 06 Nov 1994 08:49:37 GMT") as epoch seconds.
    static func httpDate(_ text: String) -> Int64? {
        let fields = text.split(separator: " ")
        guard fields.count == 6, fields[5] == "GMT", let day = Int32(fields[1]), let year = Int32(fields[3]) else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let month = months.firstIndex(of: String(fields[2])) else { return nil }
        let clock = fields[4].split(separator: ":").compactMap { Int32($0) }
        guard clock.count == 3 else { return nil }
        let date = UTCCalendar(year: year, month: Int32(month + 1), day: day, hour: clock[0], minute: clock[1], second: clock[2])
        return Int64(date.epochSeconds)
    }

    /// `%20` and the like decoded, as the saved file's name.
    static func percentDecoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
               let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        let decoded = String(decoding: bytes, as: UTF8.self)
        return decoded.contains("/") || decoded == "." || decoded == ".." ? text : decoded
    }
}
