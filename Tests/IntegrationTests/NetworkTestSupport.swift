// Networks for network tests: each test makes its own, with a random name, a random
// /24 in 10.200–10.250.x.0 and a random bridge name, so helpers running suites side
// by side never share one; and checks on host links.
import Foundation
import Testing
import TestSupport

struct TestNetwork {
    let name: String
    /// "10.213.77" (the /24's first three bytes).
    let prefix: String
    let bridge: String

    var subnet: String { prefix + ".0/24" }
    var gateway: String { prefix + ".1" }

    /// Writes ROOT/networks/NAME.json as `network create` would (podman's format).
    static func make(_ sb: Sandbox) throws -> TestNetwork {
        let suffix = String(format: "%06x", UInt32.random(in: 0..<0x100_0000))
        let network = TestNetwork(name: "nt" + suffix, prefix: "10.\(Int.random(in: 200...250)).\(Int.random(in: 0...255))",
                                  bridge: "bt" + suffix)
        let config: [String: Any] = [
            "name": network.name, "id": String(repeating: suffix, count: 11).prefix(64).description, "driver": "bridge",
            "network_interface": network.bridge, "created": "2026-01-01T00:00:00.000000000Z",
            "subnets": [["subnet": network.subnet, "gateway": network.gateway]],
            "ipv6_enabled": false, "internal": false, "dns_enabled": false, "ipam_options": ["driver": "host-local"],
        ]
        try FileManager.default.createDirectory(atPath: sb.root + "/networks", withIntermediateDirectories: true)
        let data = try JSONSerialization.data(withJSONObject: config)
        try data.write(to: URL(fileURLWithPath: sb.root + "/networks/\(network.name).json"))
        return network
    }

    /// Removes the bridge (berth's `network rm` does this; here the test cleans up after itself).
    func remove() {
        _ = hostCommand(["ip", "link", "del", bridge])
    }
}

/// Runs a host tool (never berth), for checks and clean-up.
@discardableResult
func hostCommand(_ arguments: [String]) -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do { try process.run() } catch { return (-1, "\(error)") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Whether a link of that name exists on the host.
func hostLinkExists(_ name: String) -> Bool {
    FileManager.default.fileExists(atPath: "/sys/class/net/" + name)
}

/// Whether every link of `names` is gone within `seconds`: an exited container's veth
/// is deleted by a process berth does not wait for (the kernel's part takes 10-25 ms).
func hostLinksVanish(_ names: [String], within seconds: Double = 5) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while names.contains(where: hostLinkExists) {
        if Date() > deadline { return false }
        Thread.sleep(forTimeInterval: 0.01)
    }
    return true
}

/// The leases of `network` in the sandbox's runroot: address → container ID (without
/// the "last SUBNET" entries, the address each subnet handed out last).
func leases(_ sb: Sandbox, _ network: String) -> [String: String] {
    guard let data = FileManager.default.contents(atPath: sb.runroot + "/networks/\(network).leases"),
          let object = try? JSONSerialization.jsonObject(with: data) as? [String: String] else { return [:] }
    return object.filter { !$0.key.hasPrefix("last ") }
}

/// The container's network.json (what its start set up), as JSON.
func networkStatus(_ sb: Sandbox, _ id: String) -> [String: Any]? {
    guard let data = FileManager.default.contents(atPath: sb.runroot + "/containers/\(id)/network.json") else { return nil }
    return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
}

/// The host ends of the container's veths, from its network.json.
func hostVeths(_ sb: Sandbox, _ id: String) -> [String] {
    let interfaces = networkStatus(sb, id)?["interfaces"] as? [String: [String: Any]] ?? [:]
    return interfaces.values.compactMap { $0["hostVeth"] as? String }
}

/// The default network's host-wide leases (root): address → holder's container directory.
func defaultNetworkLeases() -> [String: String] {
    guard let data = FileManager.default.contents(atPath: "/run/berth/networks/berth.leases"),
          let object = try? JSONSerialization.jsonObject(with: data) as? [String: String] else { return [:] }
    return object.filter { !$0.key.hasPrefix("last ") }
}

/// An HTTP server on the host answering `hello from the host`, on `address`
/// (the loopback only by default).
func loopbackServer(_ sb: Sandbox, address: String = "127.0.0.1") throws -> PythonServer {
    try PythonServer(script: """
        import http.server, sys
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = b"hello from the host\\n"
                self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
                self.wfile.write(body)
            def log_message(self, *a): pass
        s = http.server.HTTPServer(("\(address)", 0), H)
        print(s.server_address[1], flush=True)
        s.serve_forever()
        """, arguments: [], in: sb.dir)
}

/// http://127.0.0.1:PORT/ fetched from the host (python's urllib: the host's
/// busybox-static wget crashes), tried until the container's server answers.
func fetchFromHost(_ sb: Sandbox, port: Int) -> String {
    var last = ""
    _ = eventually {
        last = sb.run("/usr/bin/python3", ["-c", "import urllib.request, sys; sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:\(port)/', timeout=2).read().decode())"],
                      asTestUser: false).stdout
        return !last.isEmpty
    }
    return last
}

/// A shell line for the container: "reached" when an HTTP GET of PORT on the
/// default gateway answers 200 (busybox's nc: its static wget crashes).
func gatewayFetch(_ port: Int) -> String {
    "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 3 nc $(ip route | awk '/^default/ {print $3}') \(port) | grep -q '200 OK' && echo reached"
}
