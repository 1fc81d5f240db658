// The flag table run and create share (podman's names) and its translation into
// the engine's CreateOptions.
import BerthEngine
import BerthSystem

/// Flags shared by run and create (podman's names).
enum ContainerFlags {
    static let create: [FlagSpec] = honoured + ResourceFlags.limits + ResourceFlags.createOnly + pending

    private static let honoured: [FlagSpec] = [
        .value("annotation", nil, "strings", "Add annotations to container (key=value)"),
        .value("attach", "a", "strings", "Attach to STDIN, STDOUT or STDERR"),
        .value("cap-add", nil, "strings", "Add capabilities to the container"),
        .value("cap-drop", nil, "strings", "Drop capabilities from the container"),
        .value("cidfile", nil, "string", "Write the container ID to the file"),
        .bool("disable-content-trust", nil, "This is a Docker specific option and is a NOOP"),
        .value("entrypoint", nil, "string", "Overwrite the default ENTRYPOINT of the image"),
        .value("group-add", nil, "strings", "Add additional groups to the primary container process. 'keep-groups' allows container processes to use supplementary groups."),
        .value("personality", nil, "string", "Configure execution domain using personality (e.g., LINUX/LINUX32)"),
        .value("shm-size", nil, "<number>[<unit>]", "Size of /dev/shm (format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))", default: "65536k"),
        .value("umask", nil, "string", "Set umask in container", default: "0022"),
        .value("env", "e", "stringArray", "Set environment variables in container"),
        .value("env-file", nil, "stringArray", "Read in a file of environment variables"),
        .value("env-merge", nil, "stringArray", "Preprocess environment variables from image before injecting them into the container"),
        .bool("env-host", nil, "Use all current host environment variables in container"),
        .value("hostname", "h", "string", "Set container hostname"),
        .bool("http-proxy", nil, "Set proxy environment variables in the container based on the host proxy vars", default: "true"),
        .bool("init", nil, "Run an init inside the container that forwards signals and reaps processes"),
        .bool("interactive", "i", "Keep STDIN open even if not attached"),
        .value("label", "l", "stringArray", "Set metadata on container"),
        .value("label-file", nil, "strings", "Read in a line delimited file of labels"),
        .value("log-driver", nil, "string", "Logging driver for the container (k8s-file, none, passthrough)", default: "k8s-file"),
        .value("log-opt", nil, "strings", "Logging driver options (max-size=SIZE, path=FILE, tag=TAG)"),
        .value("mount", nil, "stringArray", "Attach a filesystem mount to the container"),
        .value("name", nil, "string", "Assign a name to the container"),
        .value("network", nil, "stringArray", "Connect a container to a network"),
        .value("net", nil, "string", "Alias for --network"),
        .value("health-cmd", nil, "string", "set a healthcheck command for the container ('none' disables the existing healthcheck)"),
        .value("health-interval", nil, "string", "set an interval for the healthchecks (a value of disable results in no automatic timer setup)", default: "30s"),
        .value("health-on-failure", nil, "string", "action to take once the container turns unhealthy", default: "none"),
        .value("health-retries", nil, "uint", "the number of retries allowed before a healthcheck is considered to be unhealthy", default: "3"),
        .value("health-start-period", nil, "string", "the initialization time needed for a container to bootstrap", default: "0s"),
        .value("health-timeout", nil, "string", "the maximum time allowed to complete the healthcheck before an interval is considered failed", default: "30s"),
        .bool("no-healthcheck", nil, "Disable healthchecks on container"),
        .bool("privileged", nil, "Give extended privileges to container"),
        .bool("read-only", nil, "Make containers root filesystem read-only"),
        .bool("replace", nil, "If a container with the same name exists, replace it"),
        .bool("rm", nil, "Remove container (and pod if created) after exit"),
        .value("security-opt", nil, "stringArray", "Security Options (seccomp=unconfined|FILE, no-new-privileges)"),
        .bool("sig-proxy", nil, "Proxy received signals to the process"),
        .value("stop-signal", nil, "string", "Signal to stop a container. Default is SIGTERM"),
        .value("stop-timeout", nil, "uint", "Timeout (in seconds) that containers stopped by user command have to exit. If exceeded, the container will be forcibly stopped via SIGKILL."),
        .value("timeout", nil, "uint", "Maximum length of time a container is allowed to run. The container will be killed automatically after the time expires."),
        .value("tmpfs", nil, "tmpfs", "Mount a temporary filesystem (tmpfs) into a container"),
        .bool("tty", "t", "Allocate a pseudo-TTY for container"),
        .value("tz", nil, "string", "Set timezone in container"),
        .value("ulimit", nil, "ulimit", "Ulimit options"),
        .value("unsetenv", nil, "stringArray", "Unset environment default variables in container"),
        .bool("unsetenv-all", nil, "Unset all default environment variables in container"),
        .value("user", "u", "string", "Username or UID (format: <name|uid>[:<group|gid>])"),
        .value("userns", nil, "string", "User namespace to use (keep-id)"),
        .value("volume", "v", "stringArray", "Bind mount a volume into the container"),
        .value("workdir", "w", "string", "Working directory inside the container"),
    ]

    /// The flags `run` has and `create` has not.
    static let runOnly: [FlagSpec] = [
        .bool("detach", "d", "Run container in background and print container ID"),
        .value("detach-keys", nil, "string", "Override the key sequence for detaching a container. Format is a single character [a-Z] or a comma separated sequence of `ctrl-<value>`, where `<value>` is one of: `a-z`, `@`, `^`, `[`, `\\`, `]`, `^` or `_`"),
        .bool("passwd", nil, "add entries to /etc/passwd and /etc/group", default: "true"),
        .value("preserve-fds", nil, "uint", "Pass a number of additional file descriptors into the container", default: "0"),
        .bool("rmi", nil, "Remove container image unless used by other containers"),
    ]

    /// podman's run/create flags whose features come later: refused by the parser.
    private static let pending: [FlagSpec] = [
        .value("add-host", nil, "strings", "Add a custom host-to-IP mapping (host:ip)"),
        .unsupported("chrootdirs", nil, "strings", "Chroot directories inside the container", .systemd),
        .value("conmon-pidfile", nil, "string", "Path to the file that will receive the PID of conmon"),
        .value("device", nil, "strings", "Add a host device to the container"),
        .value("dns", nil, "strings", "Set custom DNS servers"),
        .value("dns-option", nil, "strings", "Set custom DNS options"),
        .value("dns-search", nil, "strings", "Set custom DNS search domains"),
        .value("expose", nil, "strings", "Expose a port or a range of ports"),
        .unsupported("gidmap", nil, "strings", "GID map to use for the user namespace", .idMappings),
        .value("hostuser", nil, "strings", "Host user account to add to /etc/passwd within container"),
        .value("image-volume", nil, "string", "Tells podman how to handle the builtin image volumes (\"bind\"|\"tmpfs\"|\"ignore\")", default: "bind"),
        .unsupported("init-ctr", nil, "string", "Make this a pod init container.", .pods),
        .value("init-path", nil, "string", "Path to the container-init binary"),
        .value("ip", nil, "string", "Specify a static IPv4 address for the container"),
        .value("ip6", nil, "string", "Specify a static IPv6 address for the container"),
        .value("ipc", nil, "string", "IPC namespace to use"),
        .value("mac-address", nil, "string", "Container MAC address (e.g. 92:d0:c6:0a:29:33)"),
        .value("network-alias", nil, "strings", "Add network-scoped alias for the container"),
        .bool("no-hosts", nil, "Do not create /etc/hosts within the container, instead use the version from the image"),
        .value("passwd-entry", nil, "string", "Entry to write to /etc/passwd"),
        .value("pid", nil, "string", "PID namespace to use"),
        .value("pidfile", nil, "string", "Write the container process ID to the file"),
        .unsupported("pod", nil, "string", "Run container in an existing pod", .pods),
        .unsupported("pod-id-file", nil, "string", "Read the pod ID from the file", .pods),
        .value("publish", "p", "strings", "Publish a container's port, or a range of ports, to the host"),
        .bool("publish-all", "P", "Publish all exposed ports to random ports on the host interface"),
        .bool("read-only-tmpfs", nil, "When running containers in read-only mode mount a read-write tmpfs on /run, /tmp and /var/tmp", default: "true"),
        .value("requires", nil, "strings", "Add one or more requirement containers that must be started before this container will start"),
        .value("restart", nil, "string", "Restart policy to apply when a container exits (\"always\"|\"no\"|\"on-failure\"|\"unless-stopped\")"),
        .unsupported("rootfs", nil, "", "The first argument is not an image but the rootfs to the exploded container", .rootfs),
        .value("sdnotify", nil, "string", "control sd-notify behavior (\"container\"|\"conmon\"|\"ignore\")", default: "container"),
        .unsupported("seccomp-policy", nil, "string", "Policy for selecting a seccomp profile (experimental)", .signing),
        .unsupported("secret", nil, "stringArray", "Add secret to container", .secrets),
        .unsupported("subgidname", nil, "string", "Name of range listed in /etc/subgid for use in user namespace", .idMappings),
        .unsupported("subuidname", nil, "string", "Name of range listed in /etc/subuid for use in user namespace", .idMappings),
        .value("sysctl", nil, "strings", "Sysctl options"),
        .unsupported("systemd", nil, "string", "Run container in systemd mode (\"true\"|\"false\"|\"always\")", .systemd),
        .unsupported("uidmap", nil, "strings", "UID map to use for the user namespace", .idMappings),
        .value("uts", nil, "string", "UTS namespace to use"),
        .value("volumes-from", nil, "stringArray", "Mount volumes from the specified container(s)"),
    ]

    static func options(_ args: ParsedArguments) throws -> CreateOptions {
        guard let image = args.positionals.first else { throw CLIError("requires at least 1 arg(s), only received 0") }
        var options = CreateOptions(image: image)
        options.command = Array(args.positionals.dropFirst())
        options.entrypoint = args.value("entrypoint")
        options.env = try environment(args)
        options.envFiles = args.all("env-file")
        options.workingDir = args.value("workdir")
        options.user = args.value("user")
        options.hostname = args.value("hostname")
        // strings flags: commas separate values too (podman's StringSlice).
        func list(_ flag: String) -> [String] { args.all(flag).flatMap { $0.split(separator: ",").map(String.init) } }
        options.addHosts = list("add-host")
        options.dnsServers = list("dns")
        options.dnsSearch = list("dns-search")
        options.dnsOptions = list("dns-option")
        options.noHosts = args.has("no-hosts")
        options.name = args.value("name")
        options.replace = args.has("replace")
        options.autoRemove = args.has("rm")
        options.interactive = args.has("interactive")
        options.tty = args.has("tty")
        options.readOnly = args.has("read-only")
        options.useInit = args.has("init")
        options.volumes = args.all("volume")
        options.mounts = args.all("mount")
        options.tmpfs = args.all("tmpfs")
        options.volumeRequests.volumesFrom = args.all("volumes-from")
        options.volumeRequests.imageVolume = args.value("image-volume") ?? "bind"
        options.volumeRequests.readOnlyTmpfs = args.values["read-only-tmpfs"]?.last != "false"
        // podman's string slices: "-p 80,90" is two ports.
        options.portRequests.publish = args.all("publish").flatMap { $0.split(separator: ",").map(String.init) }
        options.portRequests.expose = args.all("expose").flatMap { $0.split(separator: ",").map(String.init) }
        options.portRequests.publishAll = args.has("publish-all")
        let networks = args.all("network") + args.all("net")
        options.network = networks.first ?? ""
        options.networkFlags.additional = Array(networks.dropFirst())
        options.networkFlags.ipv4 = args.value("ip")
        options.networkFlags.ipv6 = args.value("ip6")
        options.networkFlags.mac = args.value("mac-address")
        options.networkFlags.aliases = args.all("network-alias").flatMap { $0.split(separator: ",").map(String.init) }
        options.privileged = args.has("privileged")
        options.capAdd = args.all("cap-add").flatMap { $0.split(separator: ",").map(String.init) }
        options.capDrop = args.all("cap-drop").flatMap { $0.split(separator: ",").map(String.init) }
        options.securityOpts = args.all("security-opt")
        options.userns = args.value("userns")
        options.ulimits = args.all("ulimit")
        options.labels = try args.all("label-file").flatMap(readLines) + args.all("label")
        options.umask = args.value("umask")
        options.groupAdd = args.all("group-add").flatMap { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        options.shmSize = try args.value("shm-size").map(sizeInBytes)
        options.personality = args.value("personality")
        options.stopSignal = try args.value("stop-signal").map { text in
            guard SignalName.number(text) != nil else { throw CLIError("invalid signal: \(text)") }
            return text
        }
        options.stopTimeout = try unsigned(args, "stop-timeout")
        options.timeout = try unsigned(args, "timeout")
        options.annotations = args.all("annotation")
        options.requires = args.all("requires").flatMap { $0.split(separator: ",").map(String.init) }
        options.accounts.enabled = args.values["passwd"]?.last != "false"
        options.accounts.entryTemplate = args.value("passwd-entry")
        options.accounts.hostUsers = args.all("hostuser").flatMap { $0.split(separator: ",").map(String.init) }
        options.timezone = args.value("tz")
        options.restartPolicy = args.value("restart")
        options.pidFile = args.value("pidfile")
        options.conmonPidFile = args.value("conmon-pidfile")
        options.sdNotify = args.value("sdnotify")
        options.initPath = args.value("init-path")
        options.unsetEnv = args.all("unsetenv")
        options.unsetEnvAll = args.has("unsetenv-all")
        options.envMerge = args.all("env-merge")
        try LogFlags.apply(args, to: &options)
        options.resources = try ResourceFlags.resources(args)
        options.cgroup = ResourceFlags.settings(args)
        options.namespaces = NamespaceFlags.options(args)
        options.health = try HealthOverrides(
            command: args.value("health-cmd"), interval: args.value("health-interval"), timeout: args.value("health-timeout"),
            startPeriod: args.value("health-start-period"), retries: try unsigned(args, "health-retries"),
            onFailure: args.value("health-on-failure"), disabled: args.has("no-healthcheck"))
        return options
    }

    /// A uint flag's value, refused as podman's parser refuses it.
    private static func unsigned(_ args: ParsedArguments, _ flag: String) throws -> UInt? {
        guard let text = args.value(flag) else { return nil }
        guard let value = UInt(text) else {
            throw CLIError("invalid argument \"\(text)\" for \"--\(flag)\" flag: strconv.ParseUint: parsing \"\(text)\": invalid syntax")
        }
        return value
    }

    /// The run/create flags whose acceptance depends on their value or on each other,
    /// checked before anything is pulled or created.
    /// `create` is `detached` for the log driver but may name the streams `start` attaches.
    static func validate(_ args: ParsedArguments, detached: Bool, creating: Bool = false) throws {
        try LogFlags.validate(args, detached: detached)
        let streams = args.all("attach").flatMap { $0.split(separator: ",").map { $0.lowercased() } }
        guard !streams.isEmpty else { return }
        if detached && !creating { throw CLIError("--attach and --detach cannot be used together") }
        if let bad = streams.first(where: { !["stdin", "stdout", "stderr"].contains($0) }) {
            throw CLIError("invalid stream \"\(bad)\" for --attach - must be one of stdin, stdout, or stderr")
        }
        // berth's foreground run always relays both output streams; leaving one out needs the engine to drop it.
        guard streams.contains("stdout") && streams.contains("stderr") else {
            throw CLIError("--attach without both stdout and stderr is not supported yet: a foreground container's output is relayed whole")
        }
    }

    /// podman's order: the host's environment (--env-host), its proxy variables
    /// (--http-proxy, on by default), then -e; the image's come first in the engine.
    private static func environment(_ args: ParsedArguments) throws -> [String] {
        var env: [String] = []
        if args.has("env-host") {
            env = Environment.all()
        } else if args.values["http-proxy"]?.last != "false" {
            // Compared as ASCII bytes: lowercasing every variable's name (Unicode
            // case mapping) cost a run about 3% of its instructions.
            let proxies = ["http_proxy", "https_proxy", "ftp_proxy", "no_proxy"].map { Array($0.utf8) }
            env = Environment.all().filter { entry in
                let name = entry.utf8.prefix { $0 != UInt8(ascii: "=") }
                guard name.count <= 11 else { return false }
                let lower = name.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
                return proxies.contains(lower)
            }
        }
        return env + args.all("env")
    }

    /// `run --preserve-fds N`: a count of fds, as podman's uint.
    static func preservedFDs(_ args: ParsedArguments) throws -> Int32 {
        guard let text = args.value("preserve-fds") else { return 0 }
        guard let count = Int32(text), count >= 0, count < 65536 else {
            throw CLIError("invalid argument \"\(text)\" for \"--preserve-fds\" flag: not a number of file descriptors")
        }
        return count
    }

    /// podman's <number>[<unit>] sizes (docker's RAMInBytes): b, k, m, g, t, p
    /// powers of 1024, an optional "i" and "b" after the unit, a fraction allowed.
    static func sizeInBytes(_ text: String) throws -> UInt64 {
        let invalid = CLIError("unable to translate --shm-size: invalid size: '\(text)'")
        var rest = Substring(text.lowercased())
        if rest.hasSuffix("b") { rest = rest.dropLast() }
        if rest.hasSuffix("i") { rest = rest.dropLast() }
        var scale: Double = 1
        if let unit = rest.last, let power = Array("kmgtp").firstIndex(of: unit) {
            for _ in 0...power { scale *= 1024 }
            rest = rest.dropLast()
        }
        if rest.hasSuffix(" ") { rest = rest.dropLast() }
        guard let first = rest.first, first.isNumber, rest.allSatisfy({ $0.isNumber || $0 == "." }),
              let number = Double(rest), (number * scale) < 1.8e19 else { throw invalid }
        return UInt64(number * scale)
    }

    private static func readLines(_ path: String) throws -> [String] {
        let text: String
        do { text = try FileSystem.readText(path) } catch { throw CLIError("reading label file \(path): \(error)") }
        return text.split(whereSeparator: \.isNewline)
            .map { String($0.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }
}
