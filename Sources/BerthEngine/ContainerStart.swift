// `start` and the second half of `run`: turns a container record into a
// ContainerSpec, starts it, supervises it in the foreground and records the exit.
import BerthImage
import BerthRuntime
import BerthSystem
import FoundationEssentials
import Glibc

package struct AttachOptions: Sendable {
    package var sigProxy = true
    /// Detached (the monitor): the container's stdin, stdout and stderr; no pty
    /// relay and no signal forwarding.
    package var detachedStdio: (Int32, Int32, Int32)?
    /// run --preserve-fds: fds 3 … 3+preserveFDs-1 reach the container's process.
    package var preserveFDs: Int32 = 0
    /// Variables for this start only, never written to the record (a build's
    /// `RUN --mount=type=secret,env=`).
    package var environment: [String] = []
    /// A foreground run's k8s-file log (ContainerLogRelay.swift): the write ends of
    /// the pipes that become the container's stdout and stderr.
    var outputPipes: (Int32, Int32)?
    /// A -t container runs under its monitor and this process attaches
    /// (ContainerAttach.swift): the keys that detach it; empty: none.
    package var detachKeys: [UInt8] = [16, 17]
    /// start -a without -i: the container's stdin is not attached.
    package var attachInput = true
    package init() {}
}

extension Engine {
    /// Runs the container in the foreground and returns its exit code.
    package func startAttached(_ nameOrID: String, attach: AttachOptions, onStarted: (ContainerRecord) -> Void = { _ in }) throws -> Int32 {
        try startAttached(try resolveContainer(nameOrID), attach: attach, onStarted: onStarted)
    }

    /// The same for a record in hand (`run` has just written it: no second read).
    func startAttached(_ record: ContainerRecord, attach: AttachOptions, onStarted: (ContainerRecord) -> Void = { _ in }) throws -> Int32 {
        do {
            try startDependencies(record)
        } catch {
            // As a start that fails in launch: a --rm container goes.
            if record.autoRemove { try? removeContainer(record.id, force: true) }
            throw error
        }
        var attach = attach
        let logRelay = try foregroundLogRelay(record, attach: &attach)
        applySdNotifyEnvironment(record)
        let (process, state, relay) = try launch(record, attach: attach, monitorPID: ProcessIdentity.pid)
        notifyStarted(record, mainPID: ProcessIdentity.pid)  // --sdnotify (ContainerSdNotify.swift)
        logRelay?.closeWriteEnds()
        // --timeout, podman's: SIGKILL once the time is up (exit code 137).
        if let limit = record.timeout, limit > 0 { process.signal(SIGKILL, afterSeconds: limit) }
        onStarted(record)
        if attach.sigProxy && relay == nil && attach.detachedStdio == nil { SignalForwarder.start(forwardingTo: process.pid) }
        relay?.relay(forwardInput: record.interactive)
        logRelay?.relay()
        let code = process.wait()
        Stopwatch.mark("exited")
        SignalForwarder.stop()
        let oomKilled = process.memoryEvents?.finish() ?? false
        if record.autoRemove {
            // The exit is not recorded first: the container goes now (ContainerAutoRemove.swift).
            try removeAfterExit(record, state, code: code, oomKilled: oomKilled)
            Stopwatch.mark("removed")
            return code
        }
        let recorded = try recordExit(record, state, code: code, oomKilled: oomKilled)
        if case .success = recorded { handOverRestartPolicy(record, exitCode: code) }
        if case .failure(let error) = recorded {
            throw ContainerError.invalid("container \(record.name) exited with code \(code), but recording the exit failed: \(error)")
        }
        return code
    }

    /// Starts the container's process and records it as running; the caller is its
    /// parent (a foreground run, or the monitor whose pid is `monitorPID`) and
    /// supervises it. `restartCount` carries the restart policy's count on.
    func launch(_ record: ContainerRecord, attach: AttachOptions, monitorPID: Int32, restartCount: Int? = nil, restartDelayMS: Int? = nil)
        throws -> (ContainerProcess, ContainerState, TerminalRelay?) {
        let lock: FileLock
        do {
            lock = try lockContainer(record.id)
        } catch let error as SystemError where error.errno == ENOENT {
            throw ContainerError.invalid("container \(record.name) was removed before it could start")
        }
        // Removed while this process waited for the lock (rm -f, another run
        // --replace of its name): nothing of it may be made again (runtime dirs).
        guard FileSystem.exists(containerDir(record.id) + "/config.json") else {
            // A monitor made its runtime directory (attach socket) before the lock.
            try? FileSystem.removeTree(runtimeDir(record.id))
            lock.unlock()
            throw ContainerError.invalid("container \(record.name) was removed before it could start")
        }
        var state = readState(record.id)
        if state.status == .running {
            lock.unlock()
            throw ContainerError.invalid("container \(record.name) is already running")
        }
        var spec: ContainerSpec
        let relay: TerminalRelay?
        let process: ContainerProcess
        do {
            try checkPublishedPorts(record)
            // pasta starts first, on a namespace made for it, if it can (PastaEarlyNetns.swift).
            let earlyPasta = try startPastaEarly(record)
            spec = try containerSpec(record)
            earlyPasta?.apply(to: &spec)
            spec.preserveFDs = attach.preserveFDs
            try applyNotifySocket(record, to: &spec)
            applyInitPath(record, to: &spec)
            let (cgroupTasks, cgroupBesideSetUp) = try cgroupEntry(record, spec)
            spec.cgroupTasks = cgroupTasks
            spec.barrier = earlyPasta != nil || Engine.pastaStartsBesideSetUp(record, spec) || cgroupBesideSetUp
            spec.offParentCPU = cgroupBesideSetUp
            if !attach.environment.isEmpty { spec.environment = Engine.merge(spec.environment, attach.environment) }
            Stopwatch.mark("spec")
            relay = record.tty && attach.detachedStdio == nil ? try TerminalRelay() : nil
            let input = record.interactive && attach.detachedStdio == nil
                ? StandardStreams.input : try FileDescriptor.openUnowned("/dev/null", O_RDONLY)
            defer { if input != StandardStreams.input { FileDescriptor.close(unowned: input) } }
            let stdio = attach.detachedStdio ?? relay.map { ($0.slave.raw, $0.slave.raw, $0.slave.raw) } ?? (input, attach.outputPipes?.0 ?? -1, attach.outputPipes?.1 ?? -1)
            var memoryEvents: MemoryEventsWatch?
            process = try ContainerProcess.start(spec, stdio: stdio) { pid in
                try self.prepareLaunch(record, pid: pid, cgroupBesideSetUp: cgroupBesideSetUp, pasta: earlyPasta?.wait) {
                    memoryEvents = self.watchMemoryEvents(record, pid: pid)
                }
            }
            process.memoryEvents = memoryEvents
            Stopwatch.mark("exec")
        } catch {
            releaseLaunch(record)
            state.status = state.startedAt == nil ? .created : .exited
            state.error = "\(error)"
            let recorded = Result { try writeState(state, for: record.id) }
            lock.unlock()
            if record.autoRemove { try? removeContainer(record.id, force: true) }
            if case .failure(let writeError) = recorded, !record.autoRemove {
                throw ContainerError.invalid("\(error); recording the failure in the container's state failed too: \(writeError)")
            }
            throw error
        }
        let health = record.healthCommand == nil ? nil : HealthState(startingAfter: state.health)
        state = ContainerState(status: .running)
        state.health = health
        state.pid = process.pid
        state.pidStartTime = ProcessLiveness.startTime(of: process.pid) ?? 0
        state.bootID = ProcessLiveness.bootID
        state.startedAt = Date().timeIntervalSince1970
        state.monitorPID = monitorPID
        state.monitorStartTime = ProcessLiveness.startTime(of: monitorPID)
        state.restartCount = restartCount
        state.restartDelayMS = restartDelayMS
        do {
            try writeState(state, for: record.id)
            try writePidFiles(record, containerPID: process.pid, monitorPID: monitorPID)
        } catch {
            // Unrecorded, the container would run unseen by ps, stop and rm: end it.
            try? Subprocess.send(SIGKILL, to: process.pid)
            _ = process.wait()
            lock.unlock()
            if record.autoRemove { try? removeContainer(record.id, force: true) }
            throw ContainerError.invalid("container \(record.name) was stopped: recording that it runs failed: \(error)")
        }
        lock.unlock()
        // podman's order: init, start, then attach for a container run in the foreground.
        recordContainerEvents(attach.detachedStdio == nil ? ["init", "start", "attach"] : ["init", "start"], record)
        return (process, state, relay)
    }

    /// Writes the exit into the state, unless the container was removed meanwhile
    /// (`rm -f` from another berth process): then there is nothing to record.
    /// `oomKilled`: an OOM kill seen while it ran (ContainerOOM.swift).
    func recordExit(_ record: ContainerRecord, _ started: ContainerState, code: Int32, oomKilled: Bool = false) throws -> Result<Void, any Error> {
        let config = containerDir(record.id) + "/config.json"
        guard FileSystem.exists(config) else { return .success(()) }
        let lock: FileLock
        do {
            lock = try lockContainer(record.id)
        } catch let error as SystemError where error.errno == ENOENT {
            return .success(())
        }
        defer { lock.unlock() }
        guard FileSystem.exists(config) else { return .success(()) }
        var state = started
        // A health check may have written its result since `started` was read.
        state.health = storedState(record.id)?.health ?? started.health
        state.status = .exited
        state.exitCode = code
        state.finishedAt = Date().timeIntervalSince1970
        deactivateVolumes(record)
        noteOOMKill(record, in: &state, observed: oomKilled)
        releaseLaunch(record)
        let written = Result { try writeState(state, for: record.id) }
        // podman: died, then cleanup once the container's resources are released (--rm: remove follows instead).
        var events = [BerthEvent.container("died", record, exitCode: code)]
        if !record.autoRemove { events.append(.container("cleanup", record)) }
        recordEvents(events)
        return written
    }

    func containerSpec(_ record: ContainerRecord) throws -> ContainerSpec {
        let lower = record.layers.reversed().map { store.layerDiffDir($0) }
        for dir in lower where !FileSystem.isDirectory(dir) {
            throw ContainerError.invalid("container \(record.name): image layer \(dir) is missing (was the image removed?)")
        }
        let merged = runtimeDir(record.id) + "/merged"
        try FileSystem.makeDirectories(merged, mode: 0o755)
        let rootfs = try MergedRootfs(layers: [containerDir(record.id) + "/upper"] + lower, location: "container \(record.name)")
        let keepGroups = record.groupAdd == [Engine.keepGroups]
        let accountFiles = try UserSpec.accountFiles(in: rootfs)
        let user = try UserSpec.resolve(record.user, passwd: accountFiles.passwd ?? "", group: accountFiles.group ?? "",
                                        groupAdd: keepGroups ? [] : record.groupAdd ?? [], primaryAmongGroups: record.builder == nil)
        let accounts = try Engine.accountAdditions(record, passwd: accountFiles.passwd, group: accountFiles.group)
        var env = record.env
        // An account added for the user has the working directory as its home (podman's).
        let home = accounts.addsUser ? record.workingDir : user.home
        if !env.contains(where: { $0.hasPrefix("HOME=") }) { env.append("HOME=" + home) }
        env = Engine.merge(env, ["HOSTNAME=" + record.hostname])
        let searchPath = env.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) } ?? Engine.defaultPath

        var spec = ContainerSpec(rootfs: merged, arguments: [record.path] + record.args, environment: env,
                                 searchPath: searchPath, workingDirectory: record.workingDir)
        spec.overlay = (lower, containerDir(record.id) + "/upper", containerDir(record.id) + "/work")
        spec.readOnlyRootfs = record.readOnly
        spec.hostname = record.hostname
        spec.newNetwork = !Engine.sharesNetworkNamespace(record.network)
        spec.joinNetworkNamespace = try networkNamespaceToJoin(record)
        spec.newCgroupNamespace = hasPrivateCgroupNamespace(record)
        spec.accountLines = (accounts.passwd, accounts.group)
        spec.uid = user.uid
        spec.gid = user.gid
        spec.additionalGroups = user.groups
        spec.tty = record.tty
        spec.useInit = record.useInit
        spec.noNewPrivileges = record.noNewPrivileges
        spec.pingGroupRange = Engine.pingGroupRange
        if let mask = record.umask.flatMap(Engine.umaskBits) { spec.umask = mask }
        spec.personality = record.personality.flatMap(Engine.personaNumber)
        spec.keepGroups = keepGroups
        spec.capabilities = try Capabilities.resolve(privileged: record.privileged, add: record.capAdd, drop: record.capDrop)
        spec.nonRootCapabilities = record.privileged ? spec.capabilities
            : Set(try record.capAdd.map(Capabilities.normalize)).intersection(spec.capabilities)
        spec.rlimits = try record.ulimits.map(Ulimit.parse)
        if record.isRootless && !UserNamespace.isInitial {
            // Already root of the rootless user namespace (a build, `unshare`): the
            // container shares it; no second join, no maps to write.
            spec.inCallersUserNamespace = true
        } else if record.isRootless {
            if record.userns == "keep-id" {
                // On a user network, nested in the rootless user namespace (RootlessNetnsKeepID.swift).
                if let nested = nestedKeepIDNamespace(record, uid: user.uid, gid: user.gid) {
                    (spec.joinUserNamespace, spec.nestedIDMaps) = (nested.userns, nested.maps)
                } else {
                    spec.idMaps = keepIDMaps(uid: user.uid, gid: user.gid)
                }
            } else if let userns = try? PauseProcess.userNamespace(runroot: paths.runroot) {
                spec.joinUserNamespace = userns
            } else {
                spec.idMaps = UserNamespace.rootlessMaps()
            }
        }
        spec.mounts = DefaultMounts.system(rootless: record.isRootless, privileged: record.privileged,
                                           shmSize: record.shmSize ?? DefaultMounts.defaultShmSize)
        spec.mounts += try etcFiles(record) + [containerEnvironmentMount(record)] + timezoneMounts(record)
        for volume in record.mounts {
            if volume.type == "overlay" {
                // A build's RUN --mount bind over layers or with writes to discard (BuildRunMounts).
                let options = volume.options + (spec.inUserNamespace ? ["userxattr"] : [])
                spec.mounts.append(MountSpec(kind: .filesystem, source: "overlay", destination: volume.destination, fstype: "overlay",
                                             flags: UInt(MS_NODEV) | (volume.readOnly ? UInt(MS_RDONLY) : 0),
                                             data: options.joined(separator: ",")))
            } else if let mount = try volumeMountSpec(volume, record: record, user: (user.uid, user.gid)) {
                spec.mounts.append(mount)  // volumes, binds and images (ContainerVolumeMounts.swift)
            }
        }
        if !record.privileged {
            spec.maskedPaths = DefaultMounts.maskedPaths
            spec.readOnlyPaths = DefaultMounts.readOnlyPaths
        }
        spec.seccompProgram = try seccompProgram(record, capabilities: spec.capabilities)
        try applyNamespaces(record, to: &spec)
        spec.sysctls = Engine.sysctlSettings(record)
        try applyDevices(record, to: &spec)
        return spec
    }

    /// --userns=keep-id: the user's own id is the same inside; the subordinate range
    /// fills the ids below and above it.
    private func keepIDMaps(uid: UInt32, gid: UInt32) -> (uid: [IDMapping], gid: [IDMapping]) {
        let base = UserNamespace.rootlessMaps()
        func remap(_ maps: [IDMapping], own: UInt32, inside: UInt32) -> [IDMapping] {
            guard let sub = maps.first(where: { $0.containerID == 1 }), inside > 0, sub.size >= inside else { return maps }
            return [IDMapping(containerID: 0, hostID: sub.hostID, size: inside),
                    IDMapping(containerID: inside, hostID: own, size: 1),
                    IDMapping(containerID: inside + 1, hostID: sub.hostID + inside, size: sub.size - inside)]
        }
        let uid = ProcessIdentity.uid, gid = ProcessIdentity.gid
        return (remap(base.uid, own: uid, inside: uid), remap(base.gid, own: gid, inside: gid))
    }

    /// Bind mounts of the container's /etc/hosts, /etc/hostname and /etc/resolv.conf
    /// (written at create; rewritten here only if missing).
    private func etcFiles(_ record: ContainerRecord) throws -> [MountSpec] {
        let dir = containerDir(record.id) + "/userdata"
        if !FileSystem.exists(dir + "/resolv.conf") { try writeEtcFiles(record) }
        // --no-hosts and --dns none leave the image's own file.
        let files = ["hosts", "hostname", "resolv.conf"].filter {
            !($0 == "hosts" && record.noHosts == true) && !($0 == "resolv.conf" && record.dnsServers == ["none"])
        }
        return files.map {
            // --network container:ID binds that container's hosts and resolv.conf (ContainerJoinedEtcFiles).
            MountSpec(kind: .bind, source: sharedEtcFile(record, $0) ?? dir + "/" + $0, destination: "/etc/" + $0)
        }
    }

    /// The three files (ContainerEtcFiles.swift).
    func writeEtcFiles(_ record: ContainerRecord) throws {
        try writeContainerEtcFiles(record)
    }
}

extension Engine {
    /// The compiled seccomp program for a container: nil when unconfined or
    /// privileged, else the default or the user's profile, compiled once per
    /// profile and capability set and then read from the store's cache.
    func seccompProgram(_ record: ContainerRecord, capabilities: Set<String>) throws -> [UInt8]? {
        if record.privileged || record.seccomp == "unconfined" { return nil }
        let cache = SeccompCache(directory: paths.root + "/seccomp")
        if let path = record.seccomp {
            let (profile, bytes) = try SeccompProfile.load(jsonFile: path)
            return try cache.program(for: profile, profileBytes: bytes, capabilities: capabilities, source: path)
        }
        return try cache.program(for: .defaultProfile, profileBytes: SeccompProfile.defaultProfileJSON, capabilities: capabilities)
    }
}
