// Published ports of a rootless container on a user network: a pasta of its own,
// started on the container's network namespace and forwarding only its ports, so
// the rootless network namespace's one pasta never forwards any and is never
// restarted when containers with ports come and go (Debian 12's pasta cannot add a
// forward to a running instance: restarting it cut every connection through it).
// What the default rootless mode already costs per container, and no proxy process.
//
// It is started without --config-net (the container's eth0 and default route stay
// the bridge's): berth gives its tap a link-local address, and packets from that
// address (the replies to what pasta brings in) look up a table of their own whose
// default route is the tap; everything else the container sends keeps the bridge.
// A client on the host's loopback is spliced by pasta straight to the container's
// port; any other reaches it through the tap.
import BerthImage
import BerthRuntime
import BerthSystem
import Glibc

extension Engine {
    /// The tap of the published ports' pasta inside the container, its address and
    /// pasta's (the gateway it pretends to be), the routing table of its replies.
    static let portsTap = "ports0"
    static let portsTapAddress = "169.254.1.2"
    static let portsTapGateway = "169.254.1.1"
    static let portsTable: UInt8 = 101

    /// The container's ports pasta, started by the caller (it must be in the host's
    /// network namespace, where pasta binds the ports) inside the user namespace of
    /// the rootless network namespace's pasta `owner`, on the container's network
    /// namespace. Its pid and start time; nil without published ports.
    func startPortsPasta(_ record: ContainerRecord, pid: Int32, owner: Int32) throws -> (pid: Int32, startTime: UInt64)? {
        let ports = record.ports ?? []
        guard !ports.isEmpty else { return nil }
        let executable = PastaNetwork.fastestBuild(try UserModeNetwork.executable("pasta", package: PastaNetwork.package))
        let directory = runtimeDir(record.id)
        let fifo = directory + "/ports-pasta.ready", logPath = directory + "/ports-pasta.log"
        let ready = try HelperProcess.readinessFIFO(at: fifo)
        defer { try? FileSystem.unlinkIfPresent(fifo) }
        let log = try UserModeNetwork.openLog(logPath)
        let netns = try FileDescriptor.open("/proc/\(pid)/ns/net", O_RDONLY | O_CLOEXEC)
        let userns = UserNamespace.isInitial ? try RootlessNetnsProcess.openUserNamespace(of: owner) : nil
        let helper: Int32
        do {
            helper = try RootlessNetnsProcess.start(executable, Engine.portsPastaArguments(ports, readinessPath: fifo), userns: userns,
                                                    netns: netns, output: log, readiness: ready, seconds: UserModeNetwork.startTimeout)
        } catch {
            let lines = ((try? FileSystem.readText(logPath)) ?? "").split(separator: "\n").filter { !$0.hasPrefix("WARNING:") }
            throw NetworkError.invalid("pasta failed to publish the ports of container \(record.name)\(lines.last.map { ": " + $0 } ?? ": \(error)")")
        }
        guard let start = ProcessLiveness.startTime(of: helper) else {
            throw NetworkError.invalid("pasta publishing the ports of container \(record.name) exited right after it started")
        }
        return (helper, start)
    }

    /// Inside the rootless network namespace's helper (root there): the ports pasta's
    /// tap in the container, up, with its address, and the routing of its replies.
    func configurePortsTap(_ record: ContainerRecord, pid: Int32) throws {
        guard !(record.ports ?? []).isEmpty else { return }
        let inside = try NetlinkSocket.inNetworkNamespace(of: pid)
        guard let tap = try inside.link(named: Engine.portsTap),
              let address = IPAddress(Engine.portsTapAddress), let gateway = IPAddress(Engine.portsTapGateway) else {
            throw NetworkError.invalid("pasta publishing the ports of container \(record.name) made no \(Engine.portsTap)")
        }
        try inside.setUp(index: tap.index, name: Engine.portsTap)
        try inside.addAddress(address.bytes, prefixLength: 30, index: tap.index, name: Engine.portsTap)
        try inside.addSourceRule(from: address.bytes, table: Engine.portsTable)
        try inside.addDefaultRoute(via: gateway.bytes, index: tap.index, name: Engine.portsTap, table: Engine.portsTable)
    }

    /// Ends the container's ports pasta (the host ports are free when this returns).
    func endPortsPasta(_ status: NetworkStatus) {
        guard let pid = status.helperPID, let start = status.helperStartTime else { return }
        HelperProcess.end(pid: pid, startTime: start)
    }

    /// pasta on the container's namespace (fd 3): each published port forwarded from
    /// the host to the container's port, nothing else; IPv4 only (its tap gets no
    /// IPv6 address); no --config-net (RootlessNetnsPorts.swift's header).
    static func portsPastaArguments(_ ports: [PortMapping], readinessPath: String) throws -> [String] {
        let arguments = try pastaForwardArguments(ports, toContainerPort: true)
        return arguments + ["-T", "none", "-U", "none", "-4", "--mtu", "65520", "-a", portsTapAddress, "-n", "30", "-g", portsTapGateway,
                            "-I", portsTap, "--no-map-gw", "--netns", "/proc/self/fd/3", "--foreground", "--quiet", "--pid", readinessPath]
    }

    /// pasta's -t/-u forwards for published ports (`none` for a protocol without any):
    /// each host port (or range) to the container's port, or to the same port when
    /// `toContainerPort` is false (the namespace's pasta, whose DNAT rule sends it on).
    static func pastaForwardArguments(_ ports: [PortMapping], toContainerPort: Bool) throws -> [String] {
        var tcp: [String] = [], udp: [String] = []
        for port in ports {
            let address = port.hostIP.isEmpty ? "" : port.hostIP + "/"
            let host = port.range > 1 ? "\(port.hostPort)-\(port.hostPort + port.range - 1)" : "\(port.hostPort)"
            let inside = port.range > 1 ? "\(port.containerPort)-\(port.containerPort + port.range - 1)" : "\(port.containerPort)"
            let spec = toContainerPort ? "\(address)\(host):\(inside)" : "\(address)\(port.hostPort)-\(port.hostPort + port.range - 1)"
            switch port.protocol {
            case "tcp": tcp.append(spec)
            case "udp": udp.append(spec)
            default: throw NetworkError.invalid("rootless networks cannot publish \(port.protocol) ports: pasta forwards only tcp and udp")
            }
        }
        var arguments: [String] = []
        for spec in tcp { arguments += ["-t", spec] }
        for spec in udp { arguments += ["-u", spec] }
        if tcp.isEmpty { arguments += ["-t", "none"] }
        if udp.isEmpty { arguments += ["-u", "none"] }
        return arguments
    }
}
