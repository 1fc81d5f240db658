// podman 4.3's `build` flags, one table: those berth honours, those it accepts as
// podman's no-ops, and those refused until their feature comes (PendingFeature).
enum BuildFlags {
    static let all: [FlagSpec] = honoured + accepted + pending

    private static let honoured: [FlagSpec] = [
        .value("add-host", nil, "host:ip", "add a custom host-to-IP mapping (host:ip) (default [])"),
        .value("annotation", nil, "stringArray", "set metadata for an image (default [])"),
        .value("arch", nil, "string", "set the ARCH of the image to the provided value instead of the architecture of the host (this machine's only)"),
        .value("authfile", nil, "string", "path of the authentication file."),
        .value("build-arg", nil, "argument=value", "argument=value to supply to the builder"),
        .value("build-arg-file", nil, "argfile.conf", "argfile.conf containing lines of argument=value to supply to the builder"),
        .value("cap-add", nil, "strings", "add the specified capability when running (default [])"),
        .value("cap-drop", nil, "strings", "drop the specified capability when running (default [])"),
        .value("cert-dir", nil, "string", "use certificates at the specified path to access the registry"),
        .value("cgroup-parent", nil, "string", "optional parent cgroup for the container"),
        .value("cgroupns", nil, "string", "'private', or 'host'"),
        .value("cpu-period", nil, "uint", "limit the CPU CFS (Completely Fair Scheduler) period"),
        .value("cpu-quota", nil, "int", "limit the CPU CFS (Completely Fair Scheduler) quota"),
        .value("cpu-shares", "c", "uint", "CPU shares (relative weight)"),
        .value("cpuset-cpus", nil, "string", "CPUs in which to allow execution (0-3, 0,1)"),
        .value("cpuset-mems", nil, "string", "memory nodes (MEMs) in which to allow execution (0-3, 0,1). Only effective on NUMA systems."),
        .value("creds", nil, "[username[:password]]", "use [username[:password]] for accessing the registry"),
        .value("device", nil, "stringArray", "additional devices to be used within containers (default [])"),
        .value("dns", nil, "/etc/resolv.conf", "set custom DNS servers for RUN instructions"),
        .value("dns-option", nil, "strings", "set custom DNS options for RUN instructions"),
        .value("dns-search", nil, "strings", "set custom DNS search domains for RUN instructions"),
        .value("env", nil, "stringArray", "set environment variable for the image"),
        .value("file", "f", "pathname", "pathname of a Containerfile (\"-\": standard input)"),
        .value("format", nil, "format", "format of the built image's manifest and metadata (oci or docker)", default: "oci"),
        .value("from", nil, "string", "image name used to replace the value in the first FROM instruction in the Containerfile"),
        .bool("identity-label", nil, "add default identity label (io.berth.version)"),
        .value("ignorefile", nil, "string", "path to an alternate .dockerignore file"),
        .value("iidfile", nil, "file", "file to write the image ID to"),
        .value("ipc", nil, "path", "'private', path of IPC namespace to join, or 'host'"),
        .value("isolation", nil, "type", "type of process isolation to use (oci)", default: "oci"),
        .value("jobs", nil, "int", "how many stages to run in parallel", default: "4"),
        .value("label", nil, "stringArray", "set metadata for an image (default [])"),
        .bool("layers", nil, "cache intermediate layers during build", default: "true"),
        .value("memory", "m", "string", "memory limit (format: <number>[<unit>], where unit = b, k, m or g)"),
        .value("memory-swap", nil, "string", "swap limit equal to memory plus swap: '-1' to enable unlimited swap"),
        .value("network", nil, "string", "Set the networking mode for the RUN instructions: none, host (the default), private, bridge, pasta[:OPTIONS] or slirp4netns[:OPTIONS]"),
        .bool("no-cache", nil, "do not use existing cached images for the container build. Build from the start with a new set of cached layers."),
        .bool("no-hosts", nil, "do not create new /etc/hosts files for RUN instructions, use the one from the base image."),
        .bool("omit-history", nil, "omit build history information from built image"),
        .value("os", nil, "string", "set the OS of the image (this machine's only)", default: "linux"),
        .value("pid", nil, "path", "private, path of PID namespace to join, or 'host'"),
        .value("platform", nil, "linux/arch", "set the OS/ARCH/VARIANT of the image (this machine's only)"),
        .optionalValue("pull", "string[=\"true\"]", "pull the image: always (or true), missing, never (or false), newer", implied: "always", default: "missing"),
        .bool("quiet", "q", "refrain from announcing build instructions and image read/write progress"),
        .value("secret", nil, "stringArray", "secret file to expose to the build (id=ID,src=PATH or id=ID,env=VAR)"),
        .value("security-opt", nil, "stringArray", "security options (default [])"),
        .value("shm-size", nil, "<number><unit>", "size of '/dev/shm'. The format is <number><unit>."),
        .bool("squash", nil, "squash newly built layers into a single new layer"),
        .bool("squash-all", nil, "Squash all layers into a single layer"),
        .value("tag", "t", "name", "tagged name to apply to the built image"),
        .value("target", nil, "string", "set the target build stage to build"),
        .value("timestamp", nil, "int", "set created timestamp to the specified epoch seconds to allow for deterministic builds, defaults to current time"),
        .bool("tls-verify", nil, "require HTTPS and verify certificates when accessing the registry", default: "true"),
        .value("ulimit", nil, "strings", "ulimit options"),
        .value("unsetenv", nil, "strings", "unset environment variable from final image"),
        .value("uts", nil, "path", "private, :path of UTS namespace to join, or 'host'"),
        .value("variant", nil, "variant", "override the variant of the specified image"),
        .value("volume", "v", "stringArray", "bind mount a volume into the container"),
    ]

    /// podman's no-ops, and flags whose only meaningful value is what berth does anyway.
    private static let accepted: [FlagSpec] = [
        .bool("compress", nil, "this is a legacy option, which has no effect on the image"),
        .bool("disable-compression", "D", "don't compress layers by default (berth stores new layers uncompressed)", default: "true"),
        .bool("disable-content-trust", nil, "this is a Docker specific option and is a NOOP"),
        .bool("force-rm", nil, "always remove intermediate containers after a build, even if the build is unsuccessful. (default true)"),
        .bool("http-proxy", nil, "pass through HTTP Proxy environment variables", default: "true"),
        .bool("rm", nil, "remove intermediate containers after a successful build", default: "true"),
        .bool("skip-unused-stages", nil, "skips stages in multi-stage builds which do not affect the final target", default: "true"),
        .value("retry", nil, "int", "number of times to retry in case of failure when performing pull (berth's pull retries itself)", default: "3"),
        .value("retry-delay", nil, "string", "delay between retries in case of pull failures", default: "2s"),
    ]

    private static let pending: [FlagSpec] = [
        .unsupported("all-platforms", nil, "", "attempt to build for all base image platforms", .platforms),
        .unsupported("build-context", nil, "argument=value", "argument=value to supply additional build context to the builder", .buildContexts),
        .unsupported("cache-from", nil, "string", "remote repository to utilise as potential cache source.", .remoteCache),
        .unsupported("cache-to", nil, "string", "remote repository to utilise as potential cache destination.", .remoteCache),
        .unsupported("cache-ttl", nil, "string", "only consider cache images under specified duration.", .remoteCache),
        .unsupported("cpp-flag", nil, "stringArray", "set additional flag to pass to C preprocessor (cpp)", .preprocessing),
        .unsupported("decryption-key", nil, "strings", "key needed to decrypt the image", .encryption),
        .unsupported("hooks-dir", nil, "stringArray", "set the OCI hooks directory path (may be set multiple times)", .hooks),
        .unsupported("logfile", nil, "file", "log to file instead of stdout/stderr", .buildLogs),
        .unsupported("logsplit", nil, "", "split logfile to different files for each platform", .buildLogs),
        .unsupported("manifest", nil, "string", "add the image to the specified manifest list. Creates manifest list if it does not exist", .manifestLists),
        .unsupported("os-feature", nil, "feature", "set required OS feature for the target image in addition to values from the base image", .platforms),
        .unsupported("os-version", nil, "version", "set required OS version for the target image instead of the value from the base image", .platforms),
        .unsupported("output", "o", "string", "output destination (format: type=local,dest=path)", .buildOutputs),
        .unsupported("runtime-flag", nil, "strings", "add global flags for the container runtime", .externalRuntimes),
        .unsupported("sign-by", nil, "FINGERPRINT", "sign the image using a GPG key with the specified FINGERPRINT", .signing),
        .unsupported("ssh", nil, "stringArray", "SSH agent socket or keys to expose to the build.", .sshForwarding),
        .unsupported("stdin", nil, "", "pass stdin into containers", .buildStdin),
        .unsupported("userns", nil, "path", "'container', path of user namespace to join, or 'host'", .idMappings),
        .unsupported("userns-gid-map", nil, "containerGID:hostGID:length", "containerGID:hostGID:length GID mapping to use in user namespace", .idMappings),
        .unsupported("userns-gid-map-group", nil, "name", "name of entries from /etc/subgid to use to set user namespace GID mapping", .idMappings),
        .unsupported("userns-uid-map", nil, "containerUID:hostUID:length", "containerUID:hostUID:length UID mapping to use in user namespace", .idMappings),
        .unsupported("userns-uid-map-user", nil, "name", "name of entries from /etc/subuid to use to set user namespace UID mapping", .idMappings),
    ]
}

extension PendingFeature {
    static let platforms = PendingFeature(reason: "berth builds for this machine's platform only")
    static let buildContexts = PendingFeature(reason: "additional build contexts are not implemented")
    static let remoteCache = PendingFeature(reason: "berth's build cache is local to the store")
    static let preprocessing = PendingFeature(reason: "Containerfile.in preprocessing is not implemented")
    static let encryption = PendingFeature(reason: "encrypted images are not implemented")
    static let buildLogs = PendingFeature(reason: "build output goes to standard output")
    static let manifestLists = PendingFeature(reason: "manifest lists are not implemented")
    static let buildOutputs = PendingFeature(reason: "builds produce images in the store only")
    static let externalRuntimes = PendingFeature(reason: "berth runs build containers itself")
    static let sshForwarding = PendingFeature(reason: "SSH agent forwarding is not implemented")
    static let buildStdin = PendingFeature(reason: "RUN steps read no standard input")
}
