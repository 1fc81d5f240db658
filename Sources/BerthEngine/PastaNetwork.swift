// pasta (Debian's passt) for a rootless container: a tap device in the
// container's network namespace with the host's addresses and routes, MTU 65520
// (at 1500 throughput collapses), `-p` as pasta's own port forwarding, the
// gateway mapped to the host's loopback only when asked (`--map-gw`), as podman.
import BerthRuntime
import BerthSystem
import Glibc

enum PastaNetwork {
    /// The package that ships pasta, for the error when it is missing.
    static let package = "passt"

    /// The namespace pasta sets up.
    enum Target {
        /// The network namespace of the container whose process is `pid`
        /// (pasta joins its user namespace too).
        case process(Int32)
        /// A network namespace berth made before the container
        /// (PastaEarlyNetns.swift), passed to pasta as its fd 3, and the user
        /// namespace that owns it (rootless: the pause process's) as fd 4; nil:
        /// berth's own (root), where pasta must stay root (`--runas 0:0`; as
        /// nobody it could no longer enter the namespace).
        case namespace(FileDescriptor, owner: FileDescriptor?)

        /// The fds pasta finds the namespaces at.
        static let namespaceFD: Int32 = 3
        static let ownerFD: Int32 = 4
    }

    /// pasta's arguments for `target`, ending with its pid or --netns.
    /// `readinessPath` is where pasta writes its pid once it is set up.
    static func arguments(_ mode: UserModeNetworkMode, ports: [PortMapping], target: Target, readinessPath: String) throws -> [String] {
        var arguments: [String] = []
        for port in ports {
            let flag: String
            switch port.protocol {
            case "tcp": flag = "-t"
            case "udp": flag = "-u"
            default: throw NetworkError.invalid("pasta cannot publish \(port.protocol) ports: only tcp and udp")
            }
            let address = port.hostIP.isEmpty ? "" : port.hostIP + "/"
            let last = port.range - 1
            arguments += [flag, "\(address)\(port.hostPort)-\(port.hostPort + last):\(port.containerPort)-\(port.containerPort + last)"]
        }
        let user = mode.pastaArguments
        arguments += user
        let given = Set((arguments).map { $0.split(separator: "=", maxSplits: 1).first.map(String.init) ?? $0 })
        // Forward nothing unless asked (pasta's default, "auto", would forward
        // every port the container binds, and back), as podman does.
        for (short, long) in [("-t", "--tcp-ports"), ("-u", "--udp-ports"), ("-T", "--tcp-ns"), ("-U", "--udp-ns")]
            where !given.contains(short) && !given.contains(long) {
            arguments += [short, "none"]
        }
        if !mode.mapGateway && !given.contains("--no-map-gw") { arguments.append("--no-map-gw") }
        if !given.contains("-m") && !given.contains("--mtu") { arguments += ["--mtu", "65520"] }
        if !given.contains("--config-net") { arguments.append("--config-net") }
        arguments += ["--foreground", "--quiet", "--pid", readinessPath]
        switch target {
        case .process(let pid): arguments.append(String(pid))
        // --no-netns-quit: pasta would watch the namespace's directory (here
        // its own /proc/self/fd) for its removal; berth ends it instead.
        case .namespace(_, let owner):
            arguments += ["--netns", "/proc/self/fd/\(Target.namespaceFD)", "--no-netns-quit"]
            if owner != nil {
                arguments += ["--userns", "/proc/self/fd/\(Target.ownerFD)"]
            } else if !given.contains("--runas") {
                arguments += ["--runas", "0:0"]
            }
        }
        return arguments
    }

    /// Starts pasta for the container whose process is `pid` and returns once the
    /// namespace is set up and the ports are bound (pasta writes its pid to the
    /// readiness pipe then), or throws with pasta's own message.
    static func start(_ mode: UserModeNetworkMode, ports: [PortMapping], pid: Int32, runtimeDir: String) throws -> HelperProcess {
        try spawn(mode, ports: ports, target: .process(pid), runtimeDir: runtimeDir).waitUntilReady()
    }

    /// pasta started, its readiness not yet waited for.
    struct Starting {
        let helper: HelperProcess
        let readiness: FileDescriptor
        let fifo: String
        let log: String

        /// Returns once pasta is ready (the namespace is set up, the ports are
        /// bound), or throws with pasta's own message (it is stopped then).
        func waitUntilReady() throws -> HelperProcess {
            defer { try? FileSystem.unlinkIfPresent(fifo) }
            let outcome = helper.wait(forReadable: readiness, seconds: UserModeNetwork.startTimeout)
            return try UserModeNetwork.checkStarted(helper, outcome, readiness: readiness, log: log)
        }
    }

    /// Starts pasta on `target`, without waiting.
    static func spawn(_ mode: UserModeNetworkMode, ports: [PortMapping], target: Target, runtimeDir: String) throws -> Starting {
        let executable = fastestBuild(try UserModeNetwork.executable("pasta", package: package))
        // pasta writes its pid to the path it is given once it is ready; a FIFO
        // in the runtime directory, which it can open after joining the
        // container's user namespace (/proc/BERTH/fd/N it cannot).
        let fifo = runtimeDir + "/pasta.ready"
        let ready = try HelperProcess.readinessFIFO(at: fifo)
        do {
            let log = runtimeDir + "/pasta.log"
            let output = try UserModeNetwork.openLog(log)
            var passing: [FileDescriptor] = []
            if case .namespace(let netns, let owner) = target { passing = [netns] + (owner.map { [$0] } ?? []) }
            let helper = try HelperProcess.start(
                executable, try arguments(mode, ports: ports, target: target, readinessPath: fifo), name: "pasta", output: output,
                passing: passing)
            return Starting(helper: helper, readiness: ready, fifo: fifo, log: log)
        } catch {
            try? FileSystem.unlinkIfPresent(fifo)
            throw error
        }
    }

    /// pasta re-executes itself as its AVX2 build where the CPU has AVX2 (Debian
    /// ships both): one more exec and dynamic link, 2–4 ms of every start. berth
    /// starts that build at once.
    static func fastestBuild(_ path: String) -> String {
        let avx2 = path + ".avx2"
        guard Subprocess.isExecutable(avx2), let cpu = try? FileSystem.readText("/proc/cpuinfo"),
              let flags = cpu.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              flags.split(separator: " ").contains("avx2") else { return path }
        return avx2
    }
}

extension Engine {
    /// Whether the container's network is pasta: its start then runs beside the
    /// container's own set-up (ContainerSpec.barrier).
    static func startsPasta(_ record: ContainerRecord) -> Bool {
        record.network == "pasta" || record.network.hasPrefix("pasta:")
    }

    /// Whether pasta may still be joining the container's namespaces while its
    /// process goes on: not when that process makes a user namespace of its own
    /// (--userns=keep-id, auto): becoming root there changes its uid to one
    /// pasta's cannot open /proc/PID/ns/* of, so pasta is waited for before the
    /// release, as slirp4netns is.
    static func pastaStartsBesideSetUp(_ record: ContainerRecord, _ spec: ContainerSpec) -> Bool {
        startsPasta(record) && spec.idMaps == nil
    }

    /// attachNetworks for pasta, in two halves: starts pasta on the namespace of
    /// `pid` and records it (so that releaseLaunch ends it whatever happens next),
    /// and returns the wait for its readiness, which the caller runs once the
    /// container process is released and before it may exec.
    func startPasta(_ record: ContainerRecord, pid: Int32) throws -> () throws -> Void {
        let mode = try UserModeNetworkMode(parsing: record.network)
        let ports = record.ports ?? []
        return try recordPasta(record, try PastaNetwork.spawn(mode, ports: ports, target: .process(pid), runtimeDir: runtimeDir(record.id)))
    }

    /// Records pasta, just started, in the container's network status (so that
    /// releaseLaunch ends it whatever happens next) and returns the wait for its
    /// readiness.
    func recordPasta(_ record: ContainerRecord, _ starting: PastaNetwork.Starting) throws -> () throws -> Void {
        let ports = record.ports ?? []
        var status = NetworkStatus()
        status.ports = ports
        status.helperPID = starting.helper.pid
        status.helperStartTime = ProcessLiveness.startTime(of: starting.helper.pid)
        do {
            try writeNetworkStatus(status, for: record.id)
        } catch {
            starting.helper.stop()
            try? FileSystem.unlinkIfPresent(starting.fifo)
            throw error
        }
        Stopwatch.mark("pasta spawned")
        return {
            _ = try starting.waitUntilReady()
            Stopwatch.mark("pasta")
        }
    }
}
