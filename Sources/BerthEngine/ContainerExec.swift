// `exec`: a new process in a running container, with the container's user,
// environment, capabilities, seccomp filter, no-new-privs and rlimits (or
// what exec's flags change of them), through the C exec path.
import BerthImage
import BerthRuntime
import BerthSystem
import Glibc

package struct ExecOptions: Sendable {
    package var container = ""
    package var latest = false
    package var command: [String] = []
    package var interactive = false
    package var tty = false
    package var detach = false
    /// -u: USER[:GROUP]; nil: the container's user.
    package var user: String?
    package var env: [String] = []
    package var envFiles: [String] = []
    /// -w; nil: the container's working directory.
    package var workingDir: String?
    package var privileged = false
    /// fds 3 … 3+preserveFDs-1 reach the process.
    package var preserveFDs: Int32 = 0
    /// -it: the keys that detach the client (ctrl-p,ctrl-q); empty: none.
    package var detachKeys: [UInt8] = [16, 17]
    package init() {}
}

package enum ExecOutcome: Sendable {
    /// The command ran in the foreground and exited with this code.
    case exited(Int32)
    /// exec -d: the command runs on, a child of the container's pid 1; the ID
    /// names the session as podman prints it (berth keeps no session record).
    case detached(sessionID: String)
}

extension Engine {
    package func exec(_ options: ExecOptions) throws -> ExecOutcome {
        guard !options.command.isEmpty else {
            throw ContainerError.invalid("must provide a non-empty command to start an exec session: invalid argument")
        }
        let record = options.latest ? try latestContainer() : try resolveContainer(options.container)
        let state = readState(record.id)
        guard state.status == .running, !state.isPaused else { throw Engine.notRunningForExec }
        let spec = try execSpec(record, options)
        let namespaces: ContainerNamespaces
        do {
            namespaces = try containerNamespaces(state.pid)
        } catch let error as SystemError where error.errno == ENOENT || error.errno == ESRCH {
            throw Engine.notRunningForExec  // it exited since the state was read
        }
        if options.detach {
            let null = try FileDescriptor.open("/dev/null", O_RDWR)
            let middle = try ContainerProcess.exec(spec, in: namespaces, detach: true, stdio: (null.raw, null.raw, null.raw),
                                                   cgroupFiles: cgroupJoinFiles(record))
            _ = middle.wait()
            recordEvent(.container("exec", record))
            return .detached(sessionID: RandomID.hex(32))
        }
        let relay = options.tty ? try TerminalRelay() : nil
        let input = options.interactive ? nil : try FileDescriptor.open("/dev/null", O_RDONLY)
        let stdio = relay.map { ($0.slave.raw, $0.slave.raw, $0.slave.raw) } ?? (input?.raw ?? StandardStreams.input, -1, -1)
        let process = try ContainerProcess.exec(spec, in: namespaces, detach: false, stdio: stdio,
                                                cgroupFiles: cgroupJoinFiles(record))
        input?.close()
        recordEvent(.container("exec", record))
        if relay == nil { SignalForwarder.start(forwardingTo: process.pid) }
        if let relay, relay.relay(forwardInput: options.interactive, detachKeys: options.detachKeys) {
            // Detached (podman's exec): the process runs on; a small holder keeps its
            // terminal open until it ends (ExecDetach.swift).
            try holdTerminal(relay.master, of: process, container: record.id)
            return .exited(0)
        }
        let code = process.wait()
        SignalForwarder.stop()
        recordEvent(.container("exec_died", record, exitCode: code))
        return .exited(code)
    }

    /// The namespaces of the container's process `pid`. --init's pid 1 never
    /// exec'd, so its memory belongs to the host's user namespace and, not
    /// dumpable, it keeps a rootless berth out of /proc/PID/ns (EACCES): its
    /// children are in the same namespaces and readable.
    func containerNamespaces(_ pid: Int32) throws -> ContainerNamespaces {
        do {
            return try ContainerNamespaces(of: pid)
        } catch let error as SystemError where error.errno == EACCES {
            let children = (try? FileSystem.readText("/proc/\(pid)/task/\(pid)/children")) ?? ""
            for child in children.split(separator: " ").compactMap({ Int32($0) }) {
                if let namespaces = try? ContainerNamespaces(of: child) { return namespaces }
            }
            throw error
        }
    }

    static let notRunningForExec = ContainerError.invalid("can only create exec sessions on running containers: container state improper")

    /// The container's process settings, as its start computed them, with exec's changes.
    func execSpec(_ record: ContainerRecord, _ options: ExecOptions) throws -> ContainerSpec {
        let lower = record.layers.reversed().map { store.layerDiffDir($0) }
        let rootfs = try MergedRootfs(layers: [containerDir(record.id) + "/upper"] + lower, location: "container \(record.name)")
        let keepGroups = record.groupAdd == [Engine.keepGroups]
        let user = try UserSpec.resolve(options.user ?? record.user, in: rootfs, groupAdd: keepGroups ? [] : record.groupAdd ?? [])
        var env = record.env
        if !env.contains(where: { $0.hasPrefix("HOME=") }) { env.append("HOME=" + user.home) }
        env = Engine.merge(env, ["HOSTNAME=" + record.hostname])
        for file in options.envFiles { env = Engine.merge(env, try Engine.readEnvFile(file)) }
        env = Engine.merge(env, options.env.map(Engine.expandEnv))
        if options.tty && !env.contains(where: { $0.hasPrefix("TERM=") }) { env.append("TERM=xterm") }
        let searchPath = env.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) } ?? Engine.defaultPath

        var spec = ContainerSpec(rootfs: "", arguments: options.command, environment: env, searchPath: searchPath,
                                 workingDirectory: options.workingDir ?? record.workingDir)
        spec.uid = user.uid
        spec.gid = user.gid
        spec.additionalGroups = user.groups
        spec.keepGroups = keepGroups
        spec.tty = options.tty
        spec.noNewPrivileges = record.noNewPrivileges
        if let mask = record.umask.flatMap(Engine.umaskBits) { spec.umask = mask }
        spec.personality = record.personality.flatMap(Engine.personaNumber)
        let containerCaps = try Capabilities.resolve(privileged: record.privileged, add: record.capAdd, drop: record.capDrop)
        if options.privileged {
            // podman's exec --privileged: every capability, for root and any other user.
            spec.capabilities = try Capabilities.resolve(privileged: true, add: [], drop: [])
            spec.nonRootCapabilities = spec.capabilities
        } else {
            spec.capabilities = containerCaps
            spec.nonRootCapabilities = record.privileged ? containerCaps
                : Set(try record.capAdd.map(Capabilities.normalize)).intersection(containerCaps)
        }
        spec.rlimits = try record.ulimits.map(Ulimit.parse)
        spec.preserveFDs = options.preserveFDs
        // The container's own filter (compiled for its capabilities): the cache has it.
        spec.seccompProgram = try seccompProgram(record, capabilities: containerCaps)
        return spec
    }
}
