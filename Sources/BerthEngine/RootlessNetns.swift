// User-defined networks rootless (issue 12), podman's "rootless network namespace":
// one network namespace per runroot, owned by the rootless user namespace (the
// pause process's, which rootless containers join), holding the networks' bridges,
// the containers' veth host ends and the nftables rules — the same code as root,
// run inside it by a short-lived berth (RootlessNetnsSteps.swift). One pasta
// connects it to the host and holds it (on its fd 3): started with the first
// container that needs it, ended with the last, and the namespace goes with it. It
// forwards no ports: each container publishing some has a pasta of its own
// (RootlessNetnsPorts.swift), so no container's start or exit disturbs another's
// connections. RUNROOT/rootless-netns/pasta.json records the pasta.
import BerthImage
import BerthRuntime
import BerthSystem
import Glibc

/// The pasta of the rootless network namespace, as RUNROOT/rootless-netns/pasta.json keeps it.
struct RootlessNetnsPasta: Codable, Equatable {
    var pid: Int32
    var startTime: UInt64
    var bootID: String

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

    /// Running containers in the rootless network namespace but `excluded`.
    func rootlessNetnsUsers(excluding excluded: String? = nil) -> [String] {
        let directory = paths.runroot + "/containers"
        var users: [String] = []
        for id in (try? FileSystem.list(directory)) ?? [] where id != excluded && !id.hasPrefix(".") {
            guard networkStatus(id)?.rootlessNetns == true else { continue }
            let state = readState(id)
            guard state.status == .running, ProcessLiveness.isAlive(pid: state.pid, startTime: state.pidStartTime, bootID: state.bootID) else { continue }
            users.append(id)
        }
        return users
    }

    /// The namespace, its pasta started when none runs; an fd of the namespace.
    func ensureRootlessNetns(_ pasta: inout RootlessNetnsPasta?) throws -> FileDescriptor {
        let running = try pasta ?? startRootlessPasta()
        pasta = running
        return try RootlessNetnsProcess.openNetworkNamespace(heldBy: running.pid)
    }

    /// Ends the pasta (and with it the namespace) when no container but `id` is left.
    func shrinkRootlessNetns(_ pasta: inout RootlessNetnsPasta?, leaving id: String) {
        guard let running = pasta, rootlessNetnsUsers(excluding: id).isEmpty else { return }
        HelperProcess.end(pid: running.pid, startTime: running.startTime)
        pasta = nil
    }

    private func startRootlessPasta() throws -> RootlessNetnsPasta {
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
            pid = try RootlessNetnsProcess.start(executable, Engine.rootlessPastaArguments(readinessPath: fifo),
                                                 userns: userns, netns: nil, output: log, readiness: ready,
                                                 seconds: UserModeNetwork.startTimeout)
        } catch {
            let lines = ((try? FileSystem.readText(logPath)) ?? "").split(separator: "\n")
                .filter { !$0.hasPrefix("Failed to send") && !$0.hasPrefix("WARNING:") }
            throw NetworkError.invalid("pasta failed to set up the rootless network namespace\(lines.last.map { ": " + $0 } ?? ": \(error)")")
        }
        guard let start = ProcessLiveness.startTime(of: pid) else {
            throw NetworkError.invalid("pasta of the rootless network namespace exited right after it started")
        }
        return RootlessNetnsPasta(pid: pid, startTime: start, bootID: ProcessLiveness.bootID)
    }

    /// pasta on the namespace at its fd 3: the host's addresses and routes copied, MTU
    /// 65520, its gateway reaching the host's loopback (as podman's
    /// host.containers.internal), nothing forwarded.
    static func rootlessPastaArguments(readinessPath: String) -> [String] {
        ["-t", "none", "-u", "none", "-T", "none", "-U", "none", "--mtu", "65520", "--config-net", "--no-netns-quit",
         "--netns", "/proc/self/fd/3", "--foreground", "--quiet", "--pid", readinessPath]
    }
}
