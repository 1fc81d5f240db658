// slirp4netns for a rootless container, as podman 4.3 runs it: a tap0 device at
// .100 of its network (10.0.2.0/24 by default), MTU 65520, IPv6, sandbox and
// seccomp on, the host's loopback closed unless allow_host_loopback=true (then
// the gateway, .2, reaches it); `-p` through its API socket's add_hostfwd (podman's
// port_handler=slirp4netns).
import BerthSystem
import FoundationEssentials
import Glibc

enum Slirp4netnsNetwork {
    static let package = "slirp4netns"
    /// The API socket's name in the container's runtime directory.
    static let apiSocket = "slirp4netns.sock"

    /// slirp4netns's arguments for the container whose process is `pid`; fd 3 is
    /// its readiness pipe.
    static func arguments(_ options: UserModeNetworkMode.SlirpOptions, publishing: Bool, pid: Int32) -> [String] {
        var arguments: [String] = []
        if !options.allowHostLoopback { arguments.append("--disable-host-loopback") }
        arguments += ["--mtu=\(options.mtu)", "--enable-sandbox", "--enable-seccomp"]
        if options.enableIPv6 { arguments.append("--enable-ipv6") }
        if options.cidr != UserModeNetworkMode.SlirpOptions().cidr { arguments.append("--cidr=\(options.cidr)") }
        if let address = options.outboundAddress { arguments.append("--outbound-addr=\(address)") }
        if let address = options.outboundAddress6 { arguments.append("--outbound-addr6=\(address)") }
        arguments += ["--configure", "--ready-fd=3"]
        // Relative: the helper runs in the runtime directory, whose path may be
        // too long for a socket address.
        if publishing { arguments += ["--api-socket", apiSocket] }
        return arguments + [String(pid), "tap0"]
    }

    /// Starts slirp4netns for the container whose process is `pid`, returns once
    /// tap0 is configured and every port of `ports` is forwarded.
    static func start(_ options: UserModeNetworkMode.SlirpOptions, ports: [PortMapping], pid: Int32, runtimeDir: String) throws -> HelperProcess {
        let executable = try UserModeNetwork.executable("slirp4netns", package: package)
        for port in ports where port.protocol != "tcp" && port.protocol != "udp" {
            throw NetworkError.invalid("slirp4netns cannot publish \(port.protocol) ports: only tcp and udp")
        }
        for port in ports where port.hostIP.contains(":") {
            throw NetworkError.invalid("slirp4netns cannot publish on the IPv6 address \(port.hostIP): give an IPv4 address or none")
        }
        try? FileSystem.unlinkIfPresent(runtimeDir + "/" + apiSocket)
        let ready = try FileDescriptor.pipe("slirp4netns readiness")
        let directory = try FileDescriptor.open(runtimeDir, O_RDONLY | O_DIRECTORY)
        let logPath = runtimeDir + "/slirp4netns.log"
        let log = try UserModeNetwork.openLog(logPath)
        let helper = try HelperProcess.start(executable, arguments(options, publishing: !ports.isEmpty, pid: pid), name: "slirp4netns",
                                             output: log, directory: directory, passing: [ready.write])
        ready.write.close()
        let outcome = helper.wait(forReadable: ready.read, seconds: UserModeNetwork.startTimeout)
        _ = try UserModeNetwork.checkStarted(helper, outcome, readiness: ready.read, log: logPath)
        do {
            let guest = IPv4Network(options.cidr)!.host(100)
            for port in ports {
                for offset in 0..<UInt16(port.range) {
                    try forward(port, offset: offset, guest: guest, runtimeDir: runtimeDir)
                }
            }
        } catch {
            helper.stop()
            throw error
        }
        return helper
    }

    /// One add_hostfwd request: host port `port.hostPort + offset` to the container's.
    private static func forward(_ port: PortMapping, offset: UInt16, guest: String, runtimeDir: String) throws {
        let hostPort = Int(port.hostPort) + Int(offset), guestPort = Int(port.containerPort) + Int(offset)
        let request = HostForwardRequest(arguments: .init(
            proto: port.protocol, host_addr: port.hostIP.isEmpty ? "0.0.0.0" : port.hostIP, host_port: hostPort,
            guest_addr: guest, guest_port: guestPort))
        let answer = try UnixStreamSocket.exchange(directory: runtimeDir, name: apiSocket, request: Array(try JSONEncoder().encode(request)))
        let reply = try? JSONDecoder().decode(APIReply.self, from: Data(answer))
        if reply?.return != nil { return }
        let reason = reply?.error?.desc ?? String(decoding: answer, as: UTF8.self)
        throw NetworkError.invalid("slirp4netns could not publish \(port.hostIP.isEmpty ? "" : port.hostIP + ":")\(hostPort)/\(port.protocol): \(reason)")
    }

    /// The API's request and reply (slirp4netns(1), "API SOCKET"), in its field names.
    private struct HostForwardRequest: Encodable {
        var execute = "add_hostfwd"
        var arguments: Arguments
        struct Arguments: Encodable {
            var proto: String
            var host_addr: String
            var host_port: Int
            var guest_addr: String
            var guest_port: Int
        }
    }

    private struct APIReply: Decodable {
        var `return`: Returned?
        var error: Failure?
        struct Returned: Decodable { var id: Int? }
        struct Failure: Decodable { var desc: String? }
    }
}
