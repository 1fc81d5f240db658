// A registry that says exactly what a test scripts: for replies the real
// docker-registry never sends (malformed or oversized manifests) and for a blob
// that stalls half way (to kill a pull mid-layer). Python stdlib on a free
// loopback port; routes map a path to a file, a status and a media type.
import Foundation
import Glibc

public final class FakeRegistry: @unchecked Sendable {
    public struct Route: Sendable {
        public var file: String
        public var status: Int
        public var mediaType: String
        /// Send this many bytes of the body, then hold the connection open.
        public var stallAfter: Int?
        /// The first GET gets this many bytes, then the connection closes.
        public var dropOnceAfter: Int?
        /// The first this-many requests get 503 Service Unavailable.
        public var failFirst: Int

        public init(file: String, status: Int = 200, mediaType: String = "application/octet-stream", stallAfter: Int? = nil,
                    dropOnceAfter: Int? = nil, failFirst: Int = 0) {
            self.file = file
            self.status = status
            self.mediaType = mediaType
            self.stallAfter = stallAfter
            self.dropOnceAfter = dropOnceAfter
            self.failFirst = failFirst
        }
    }

    public var port: Int { server.port }
    public var address: String { "127.0.0.1:\(port)" }
    private let server: PythonServer
    private let directory: TemporaryDirectory

    public init(routes: [String: Route]) throws {
        directory = try TemporaryDirectory("berth-fake-registry")
        var table: [String: [String: Any]] = [:]
        for (path, route) in routes {
            var entry: [String: Any] = ["file": route.file, "status": route.status, "type": route.mediaType]
            if let stall = route.stallAfter { entry["stall"] = stall }
            if let drop = route.dropOnceAfter { entry["drop"] = drop }
            entry["fail"] = route.failFirst
            table[path] = entry
        }
        let config = directory.path("routes.json")
        try JSONSerialization.data(withJSONObject: table).write(to: URL(fileURLWithPath: config))
        server = try PythonServer(script: fakeRegistryScript, arguments: [config, directory.path("requests.log")], in: directory.path)
    }

    /// Every request so far, one line each: "METHOD PATH RANGE-HEADER STATUS".
    public func requests() -> [String] {
        let text = (try? String(contentsOfFile: directory.path("requests.log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    public func stop() {
        server.stop()
        directory.remove()
    }

    deinit { stop() }
}

private let fakeRegistryScript = #"""
import http.server, json, socketserver, sys, threading, time

routes = json.load(open(sys.argv[1]))
log_path = sys.argv[2]
lock = threading.Lock()
seen = {}

def note(line):
    with lock:
        with open(log_path, "a") as f:
            f.write(line + "\n")

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_body(self, status, ctype, body, head_only, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def reply(self, head_only):
        path = self.path.split("?")[0]
        asked = self.headers.get("Range", "-")
        if path == "/v2/":
            note(f"{self.command} {path} {asked} 200")
            self.send_body(200, "application/json", b"{}", head_only)
            return
        route = routes.get(path)
        if route is None:
            note(f"{self.command} {path} {asked} 404")
            body = b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}'
            self.send_body(404, "application/json", body, head_only)
            return
        with lock:
            count = seen.get(path, 0)
            seen[path] = count + 1
        if count < route.get("fail", 0):
            note(f"{self.command} {path} {asked} 503")
            self.send_body(503, "application/json", b'{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}', head_only)
            return
        data = open(route["file"], "rb").read()
        status, start, extra = route["status"], 0, []
        if asked.startswith("bytes=") and asked.endswith("-") and status == 200:
            start = int(asked[6:-1])
            status = 206
            extra = [("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")]
        note(f"{self.command} {path} {asked} {status}")
        body = data[start:]
        self.send_response(status)
        self.send_header("Content-Type", route["type"])
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        if head_only:
            return
        stall = route.get("stall")
        if stall is not None:
            self.wfile.write(body[:stall])
            self.wfile.flush()
            time.sleep(600)
            return
        drop = route.get("drop")
        if drop is not None and self.command == "GET" and count == route.get("fail", 0):
            self.wfile.write(body[:drop])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def do_GET(self):
        self.reply(False)

    def do_HEAD(self):
        self.reply(True)

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""#
