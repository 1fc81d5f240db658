// The flag table run and create share (podman's names) and its translation into
// the engine's CreateOptions.
import BerthEngine
import BerthSystem

/// Flags shared by run and create (podman's names).
enum ContainerFlags {
    static let create: [FlagSpec] = [
        .value("cap-add", nil, "strings", "Add capabilities to the container"),
        .value("cap-drop", nil, "strings", "Drop capabilities from the container"),
        .value("cidfile", nil, "string", "Write the container ID to the file"),
        .value("entrypoint", nil, "string", "Overwrite the default ENTRYPOINT of the image"),
        .value("env", "e", "stringArray", "Set environment variables in container"),
        .value("env-file", nil, "stringArray", "Read in a file of environment variables"),
        .value("hostname", "h", "string", "Set container hostname"),
        .bool("init", nil, "Run an init inside the container that forwards signals and reaps processes"),
        .bool("interactive", "i", "Keep STDIN open even if not attached"),
        .value("label", "l", "stringArray", "Set metadata on container"),
        .value("mount", nil, "stringArray", "Attach a filesystem mount to the container"),
        .value("name", nil, "string", "Assign a name to the container"),
        .value("network", nil, "string", "Connect a container to a network (none, host)", default: "host"),
        .value("net", nil, "string", "Alias for --network"),
        .bool("privileged", nil, "Give extended privileges to container"),
        .bool("read-only", nil, "Make containers root filesystem read-only"),
        .bool("replace", nil, "If a container with the same name exists, replace it"),
        .bool("rm", nil, "Remove container (and pod if created) after exit"),
        .value("security-opt", nil, "stringArray", "Security Options (seccomp=unconfined|FILE, no-new-privileges)"),
        .bool("sig-proxy", nil, "Proxy received signals to the process"),
        .value("tmpfs", nil, "tmpfs", "Mount a temporary filesystem (tmpfs) into a container"),
        .bool("tty", "t", "Allocate a pseudo-TTY for container"),
        .value("ulimit", nil, "ulimit", "Ulimit options"),
        .value("user", "u", "string", "Username or UID (format: <name|uid>[:<group|gid>])"),
        .value("userns", nil, "string", "User namespace to use (keep-id)"),
        .value("volume", "v", "stringArray", "Bind mount a volume into the container"),
        .value("workdir", "w", "string", "Working directory inside the container"),
    ]

    static func options(_ args: ParsedArguments) throws -> CreateOptions {
        guard let image = args.positionals.first else { throw CLIError("requires at least 1 arg(s), only received 0") }
        var options = CreateOptions(image: image)
        options.command = Array(args.positionals.dropFirst())
        options.entrypoint = args.value("entrypoint")
        options.env = args.all("env")
        options.envFiles = args.all("env-file")
        options.workingDir = args.value("workdir")
        options.user = args.value("user")
        options.hostname = args.value("hostname")
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
        options.network = args.value("network") ?? args.value("net") ?? "host"
        options.privileged = args.has("privileged")
        options.capAdd = args.all("cap-add").flatMap { $0.split(separator: ",").map(String.init) }
        options.capDrop = args.all("cap-drop").flatMap { $0.split(separator: ",").map(String.init) }
        options.securityOpts = args.all("security-opt")
        options.userns = args.value("userns")
        options.ulimits = args.all("ulimit")
        options.labels = args.all("label")
        return options
    }

    static func writeCIDFile(_ args: ParsedArguments, id: String) throws {
        guard let path = args.value("cidfile") else { return }
        if FileSystem.exists(path) { throw CLIError("container id file \(path) exists: remove it first") }
        try AtomicFile.write(id, to: path)
    }
}
