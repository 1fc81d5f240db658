// User-defined networks rootless (issue 12), podman's "rootless network namespace":
// one network namespace per runroot, owned by the rootless user namespace (the
// pause process's, which rootless containers join), holding the networks' bridges,
// the containers' veth host ends and the nftables rules — the same code as root,
// run inside it by a short-lived berth (RootlessNetnsSteps.swift). One pasta
// connects it to the host and holds it (on its fd 3): started with the first
// container that needs it, restarted when the published ports change (this pasta
// cannot add a forwarding to a running instance), ended with the last, and the
// namespace goes with it. RUNROOT/rootless-netns/pasta.json records the pasta.
import BerthImage
import BerthRuntime
import BerthSystem
import Glibc

/// The pasta of the rootless network namespace, as RUNROOT/rootless-netns/pasta.json keeps it.
struct RootlessNetnsPasta: Codable, Equatable {
    var pid: Int32
    var startTime: UInt64
    var bootID: String
    /// The host ports it forwards into the namespace (to the same port there, where
    /// each container's DNAT rule takes over).
    var ports: [PortMapping]

    var isAlive: Bool { ProcessLiveness.isAlive(pid: pid, startTime: startTime, bootID: bootID) }
}

extension Engine {
    /// True where a bridge network runs in the rootless network namespace: any
    /// rootless berth but the namespace's own helpers, which run the root code there.
    static var usesRootlessNetns: Bool { StorePaths.isRootless && !RootlessNetnsHelper.isInside }

    var rootlessNetnsDir: String { paths.runroot + "/rootless-netns" }
    private var pastaStateFile: String { rootlessNetnsDir + "/pasta.json" }

    /// Runs `body` under RUNROOT/rootless-netns/lock with the recorded pasta (nil
    /// when there is none, or it died); `body`'s changes are written back.
    func withRootlessNetns<T>(_ body: (inout RootlessNetnsPasta?) throws -> T) throws -> T {
        try FileSystem.makeDirectories(rootlessNetnsDir, mode: 0o700)
        let lock = try FileLock.exclusive(rootlessNetnsDir + "/lock")
        defer { lock.unlock() }
        var pasta = (try? FileSystem.readFile(pastaStateFile)).flatMap { try? JSONCoding.decode(RootlessNetnsPasta.self, from: $0, location: pastaStateFile) }
        if pasta?.isAlive != true { pasta = nil }
        let before = pasta
        let result = try body(&pasta)
        if pasta != before {
            if let pasta {
                try AtomicFile.write(JSONCoding.encode(pasta), to: pastaStateFile, durable: false)
            } else {
                try FileSystem.unlinkIfPresent(pastaStateFile)
            }
        }
        return result
    }

    /// Running containers in the rootless network namespace but `excluded`, with the
    /// ports each publishes.
    func rootlessNetnsUsers(excluding excluded: String? = nil) -> [(id: String, ports: [PortMapping])] {
        let directory = paths.runroot + "/containers"
        var users: [(id: String, ports: [PortMapping])] = []
        for id in (try? FileSystem.list(directory)) ?? [] where id != excluded && !id.hasPrefix(".") {
            guard let status = networkStatus(id), status.rootlessNetns == true else { continue }
            let state = readState(id)
            guard state.status == .running, ProcessLiveness.isAlive(pid: state.pid, startTime: state.pidStartTime, bootID: state.bootID) else { continue }
            users.append((id, status.ports))
        }
        return users
    }

    /// The namespace with a pasta forwarding exactly `ports` (started, or restarted
    /// on the same namespace, when it forwards others); an fd of the namespace.
    func ensureRootlessNetns(_ pasta: inout RootlessNetnsPasta?, ports: [PortMapping]) throws -> FileDescriptor {
        let wanted = Engine.canonicalPorts(ports)
        if let running = pasta, running.ports == wanted {
            return try RootlessNetnsProcess.openNetworkNamespace(heldBy: running.pid)
        }
        let before = pasta
        let existing = try pasta.map { try RootlessNetnsProcess.openNetworkNamespace(heldBy: $0.pid) }
        if let running = pasta {
            HelperProcess.end(pid: running.pid, startTime: running.startTime)
            pasta = nil
        }
        let started: RootlessNetnsPasta
        do {
            started = try startRootlessPasta(ports: wanted, netns: existing)
        } catch {
            // The namespace and the containers in it outlive a refused port set (one
            // already bound on the host, say): pasta comes back with the ports it had.
            if let existing, let old = before {
                pasta = try? startRootlessPasta(ports: old.ports, netns: existing)
            }
            throw error
        }
        pasta = started
        if let existing { return existing }
        return try RootlessNetnsProcess.openNetworkNamespace(heldBy: started.pid)
    }

    /// Ends the pasta (and with it the namespace) when no container is left, or
    /// restarts it with the remaining containers' ports when they changed.
    func shrinkRootlessNetns(_ pasta: inout RootlessNetnsPasta?, leaving id: String) {
        guard let running = pasta else { return }
        let users = rootlessNetnsUsers(excluding: id)
        if users.isEmpty {
            HelperProcess.end(pid: running.pid, startTime: running.startTime)
            pasta = nil
            return
        }
        // It forwards no ports (each container's own pasta does: RootlessNetnsPorts.swift);
        // only one started by an older berth, with ports, is restarted without them.
        if !running.ports.isEmpty {
            do { _ = try ensureRootlessNetns(&pasta, ports: []) } catch {
                Warnings.report("restarting pasta of the rootless network namespace without the ports of container \(id.prefix(12)): \(error)")
            }
        }
    }

    /// Sorted, without duplicates, so two sets of ports compare equal.
    static func canonicalPorts(_ ports: [PortMapping]) -> [PortMapping] {
        var seen: [PortMapping] = []
        for port in ports where !seen.contains(port) { seen.append(port) }
        return seen.sorted { ($0.protocol, $0.hostIP, $0.hostPort) < ($1.protocol, $1.hostIP, $1.hostPort) }
    }

    private func startRootlessPasta(ports: [PortMapping], netns: FileDescriptor?) throws -> RootlessNetnsPasta {
        let executable = PastaNetwork.fastestBuild(try UserModeNetwork.executable("pasta", package: PastaNetwork.package))
        // pasta runs in the rootless user namespace: joined on the way, unless this berth is in it already.
        var userns: FileDescriptor? = nil
        if UserNamespace.isInitial {
            do { userns = try PauseProcess.userNamespace(runroot: paths.runroot) } catch {
                throw NetworkError.unsupported("rootless user-defined networks need the rootless user namespace of the pause process: \(error)")
            }
        }
        let fifo = rootlessNetnsDir + "/pasta.ready"
        let ready = try HelperProcess.readinessFIFO(at: fifo)
        defer { try? FileSystem.unlinkIfPresent(fifo) }
        let logPath = rootlessNetnsDir + "/pasta.log"
        let log = try UserModeNetwork.openLog(logPath)
        let pid: Int32
        do {
            pid = try RootlessNetnsProcess.start(executable, Engine.rootlessPastaArguments(ports: ports, readinessPath: fifo),
                                                 userns: userns, netns: netns, output: log, readiness: ready,
                                                 seconds: UserModeNetwork.startTimeout)
        } catch {
            let lines = ((try? FileSystem.readText(logPath)) ?? "").split(separator: "\n")
                .filter { !$0.hasPrefix("Failed to send") && !$0.hasPrefix("WARNING:") }
            throw NetworkError.invalid("pasta failed to set up the rootless network namespace\(lines.last.map { ": " + $0 } ?? ": \(error)")")
        }
        guard let start = ProcessLiveness.startTime(of: pid) else {
            throw NetworkError.invalid("pasta of the rootless network namespace exited right after it started")
        }
        return RootlessNetnsPasta(pid: pid, startTime: start, bootID: ProcessLiveness.bootID, ports: ports)
    }

    /// pasta on the namespace at its fd 3: the host's addresses and routes copied, MTU
    /// 65520, its gateway reaching the host's loopback (as podman's
    /// host.containers.internal), each published port forwarded to the same port
    /// inside (the container's DNAT rule sends it on), nothing else forwarded.
    static func rootlessPastaArguments(ports: [PortMapping], readinessPath: String) throws -> [String] {
        let arguments = try pastaForwardArguments(ports, toContainerPort: false)
        return arguments + ["-T", "none", "-U", "none", "--mtu", "65520", "--config-net", "--no-netns-quit",
                            "--netns", "/proc/self/fd/3", "--foreground", "--quiet", "--pid", readinessPath]
    }
}
