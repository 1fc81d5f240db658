// The work done inside the rootless network namespace (RootlessNetns.swift): the
// calling berth, a process of the initial user namespace, may not enter it, so it
// runs `berth __rootless-netns STEP …` there (joined before main, userns_join.c),
// and that berth runs the root code of bridge networks: attach, detach, connect,
// disconnect, reload, a network's removal.
import BerthImage
import BerthRuntime
import BerthSystem

extension Engine {
    /// The hidden command of a berth inside the rootless network namespace.
    package static let rootlessNetnsCommand = "__rootless-netns"

    // MARK: the caller's side

    /// Connects a rootless container (process `pid`) to its bridge networks inside the
    /// rootless network namespace, starting its pasta when none runs.
    func attachInRootlessNetns(_ record: ContainerRecord, pid: Int32) throws {
        if record.userns == "keep-id", UserNamespace.isInitial, RootlessNetnsProcess.isNestedInOwnUserNamespace(pid) {
            // Not nested in the rootless one (RootlessNetnsKeepID.swift): no interface can reach it.
            throw NetworkError.unsupported("container \(record.name): --userns keep-id on a user-defined network rootless needs the user's own uid and gid below the size of their subordinate ranges (/etc/subuid, /etc/subgid); use --network pasta")
        }
        try withRootlessNetns { pasta in
            try replaceStaleRootlessNetns(&pasta, for: record, pid: pid)
            // Published ports get a pasta of their own (RootlessNetnsPorts.swift): this one forwards none.
            let netns = try ensureRootlessNetns(&pasta)
            var portsPasta: (pid: Int32, startTime: UInt64)? = nil
            do {
                guard let owner = pasta?.pid else { throw NetworkError.invalid("the rootless network namespace's pasta is not running") }
                // Before the helper, which configures its tap (RootlessNetnsPorts.swift).
                portsPasta = try startPortsPasta(record, pid: pid, owner: owner)
                try runInRootlessNetns(netns, owner: owner, ["attach", record.id, String(pid)])
                guard var status = networkStatus(record.id) else {
                    throw NetworkError.invalid("container \(record.name): the rootless network namespace's helper recorded no network")
                }
                status.rootlessNetns = true
                (status.helperPID, status.helperStartTime) = (portsPasta?.pid, portsPasta?.startTime)
                try writeNetworkStatus(status, for: record.id)
            } catch {
                if let portsPasta { HelperProcess.end(pid: portsPasta.pid, startTime: portsPasta.startTime) }
                try? FileSystem.unlinkIfPresent(networkStatusFile(record.id))
                shrinkRootlessNetns(&pasta, leaving: record.id)
                throw error
            }
        }
        Stopwatch.mark("rootless networks attached")
    }

    /// Takes the container out of the rootless network namespace; its pasta ends when
    /// it was the last container there. Never throws (a detach).
    func detachFromRootlessNetns(_ record: ContainerRecord, _ status: NetworkStatus) {
        do {
            try withRootlessNetns { pasta in
                endPortsPasta(status)
                if let running = pasta {
                    do {
                        let netns = try RootlessNetnsProcess.openNetworkNamespace(heldBy: running.pid)
                        try runInRootlessNetns(netns, owner: running.pid, ["detach", record.id])
                    } catch {
                        Warnings.report("removing container \(record.name) from the rootless network namespace: \(error)")
                    }
                }
                // Whatever the helper could not (the namespace may be gone with its pasta).
                for name in status.interfaces.keys { try? releaseLeases(record.id, network: name) }
                shrinkRootlessNetns(&pasta, leaving: record.id)
            }
        } catch {
            Warnings.report("removing container \(record.name) from the rootless network namespace: \(error)")
        }
    }

    /// `network connect` of a running container in the rootless network namespace.
    func connectInRootlessNetns(_ record: ContainerRecord, _ request: NetworkRequest, pid: Int32) throws {
        guard networkStatus(record.id)?.rootlessNetns == true else {
            throw NetworkError.invalid("container \(record.name) has no network in the rootless network namespace to connect beside")
        }
        try inRunningRootlessNetns { netns, owner in
            guard RootlessNetnsProcess.isInUserNamespace(of: owner, orNestedIn: pid) else { throw Engine.staleRootlessNetns(record.name, users: []) }
            try runInRootlessNetns(netns, owner: owner, ["connect", record.id, String(pid), String(decoding: JSONCoding.encode(request), as: UTF8.self)])
        }
    }

    /// `network disconnect` of a running container in the rootless network namespace.
    func disconnectInRootlessNetns(_ record: ContainerRecord, name: String) throws {
        try inRunningRootlessNetns { try runInRootlessNetns($0, owner: $1, ["disconnect", record.id, name]) }
    }

    /// `network reload` of a running container in the rootless network namespace.
    func reloadInRootlessNetns(_ record: ContainerRecord) throws {
        guard networkStatus(record.id)?.rootlessNetns == true else { return }
        try inRunningRootlessNetns { try runInRootlessNetns($0, owner: $1, ["reload", record.id]) }
    }

    /// `network rm`: the network's bridge and rules inside the namespace (when it
    /// exists: otherwise they went with it), and its runtime files.
    func tearDownRootlessNetwork(_ config: NetworkConfig) {
        do {
            try withRootlessNetns { pasta in
                guard let running = pasta else { return }
                let netns = try RootlessNetnsProcess.openNetworkNamespace(heldBy: running.pid)
                try runInRootlessNetns(netns, owner: running.pid, ["remove-network", String(decoding: JSONCoding.encode(config), as: UTF8.self)])
            }
        } catch {
            Warnings.report("cannot remove the bridge of network \(config.name) in the rootless network namespace: \(error)")
        }
        for suffix in [".bridge", ".leases", ".lock"] {
            try? FileSystem.unlinkIfPresent(networkRunDir + "/" + config.name + suffix)
        }
    }

    /// `body` with the namespace and its pasta's pid.
    private func inRunningRootlessNetns(_ body: (FileDescriptor, Int32) throws -> Void) throws {
        try withRootlessNetns { pasta in
            guard let running = pasta else {
                throw NetworkError.invalid("the rootless network namespace is gone (its pasta is not running)")
            }
            try body(try RootlessNetnsProcess.openNetworkNamespace(heldBy: running.pid), running.pid)
        }
    }

    /// Runs `__rootless-netns WORDS` inside the namespace; its `Error:` becomes ours.
    /// The helper joins the user namespace of the namespace's pasta (`owner`), the one
    /// the namespace belongs to, which is the pause process's unless that was killed
    /// and replaced: the containers still in the old namespace can then still leave it.
    private func runInRootlessNetns(_ netns: FileDescriptor, owner: Int32, _ words: [String]) throws {
        let userns = UserNamespace.isInitial ? try RootlessNetnsProcess.openUserNamespace(of: owner) : nil
        let output = try SelfExec.runInNetworkNamespace(
            ["--root", paths.root, "--runroot", paths.runroot, Engine.rootlessNetnsCommand] + words, userns: userns, netns: netns)
        guard output.status == 0 else {
            let lines = String(decoding: output.stderr, as: UTF8.self).split(separator: "\n")
            let message = lines.last(where: { $0.hasPrefix("Error: ") }).map { String($0.dropFirst(7)) }
                ?? lines.last.map(String.init) ?? "exit status \(output.status)"
            throw NetworkError.invalid(message)
        }
    }

    // MARK: inside the namespace

    /// One step of `__rootless-netns`, run as root of the rootless user namespace
    /// inside its network namespace, where the root code applies unchanged.
    package func runRootlessNetnsStep(_ words: [String]) throws {
        guard StorePaths.isRootless, !UserNamespace.isInitial else {
            throw NetworkError.invalid("\(Engine.rootlessNetnsCommand) runs only inside the rootless network namespace")
        }
        RootlessNetnsHelper.isInside = true
        switch (words.first, words.count) {
        case ("attach", 3):
            guard let pid = Int32(words[2]) else { break }
            let record = try readRecord(words[1])
            try attachNetworks(record, pid: pid)
            do { try configurePortsTap(record, pid: pid) } catch {
                if let status = networkStatus(record.id) { takeDown(record.id, status, sockets: nil) }
                throw error
            }
            return
        case ("detach", 2):
            if let status = networkStatus(words[1]) { takeDown(words[1], status, sockets: nil) }
            return
        case ("connect", 4):
            guard let pid = Int32(words[2]) else { break }
            let request = try JSONCoding.decode(NetworkRequest.self, from: Array(words[3].utf8), location: "connect request")
            try attachNetwork(try readRecord(words[1]), request, pid: pid)
            return
        case ("disconnect", 3):
            try detachNetwork(try readRecord(words[1]), name: words[2])
            return
        case ("reload", 2):
            guard let status = networkStatus(words[1]) else { return }
            try NetworkFirewall.removeContainer(id: words[1])
            try addFirewallRules(words[1], status, setUpNetworks: true)
            return
        case ("remove-network", 2):
            let config = try JSONCoding.decode(NetworkConfig.self, from: Array(words[1].utf8), location: "network")
            try? NetworkFirewall.removeNetwork(config)
            try? NetlinkSocket.host().deleteLink(named: try Engine.bridgeName(config))
            return
        default:
            break
        }
        throw NetworkError.invalid("\(Engine.rootlessNetnsCommand): unknown step \(words.joined(separator: " "))")
    }
}

/// Whether this berth is a helper inside the rootless network namespace (set once,
/// on the main thread, before its step runs).
enum RootlessNetnsHelper {
    nonisolated(unsafe) static var isInside = false
}
