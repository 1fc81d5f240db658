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

        public init(file: String, status: Int = 200, mediaType: String = "application/octet-stream", stallAfter: Int? = nil) {
            self.file = file
            self.status = status
            self.mediaType = mediaType
            self.stallAfter = stallAfter
        }
    }

    public let port: Int
    public var address: String { "127.0.0.1:\(port)" }
    private let process: Process
    private let directory: String

    public init(routes: [String: Route]) throws {
        directory = NSTemporaryDirectory() + "berth-fake-registry-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var table: [String: [String: Any]] = [:]
        for (path, route) in routes {
            var entry: [String: Any] = ["file": route.file, "status": route.status, "type": route.mediaType]
            if let stall = route.stallAfter { entry["stall"] = stall }
            table[path] = entry
        }
        let config = directory + "/routes.json"
        try JSONSerialization.data(withJSONObject: table).write(to: URL(fileURLWithPath: config))
        let script = directory + "/fake.py"
        try fakeRegistryScript.write(toFile: script, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script, config]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            line += data
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TestSupportError("fake registry did not start")
        }
        self.port = port
    }

    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { stop() }
}

private let fakeRegistryScript = #"""
import http.server, json, os, socketserver, sys, time

routes = json.load(open(sys.argv[1]))

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, head_only):
        path = self.path.split("?")[0]
        if path == "/v2/":
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            if not head_only:
                self.wfile.write(b"{}")
            return
        route = routes.get(path)
        if route is None:
            body = b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}'
            self.send_response(404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head_only:
                self.wfile.write(body)
            return
        data = open(route["file"], "rb").read()
        self.send_response(route["status"])
        self.send_header("Content-Type", route["type"])
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if head_only:
            return
        stall = route.get("stall")
        if stall is not None:
            self.wfile.write(data[:stall])
            self.wfile.flush()
            time.sleep(600)
            return
        self.wfile.write(data)

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
