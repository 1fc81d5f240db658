// The features later work brings, named once: every podman flag berth knows but
// cannot honour yet points at one of these, so help, the parser's refusal and the
// parity test all say the same thing.
struct PendingFeature: Sendable {
    let reason: String

    static let rootlessNetns = PendingFeature(reason: "joining the rootless network namespace from unshare is not implemented")
    static let volumePath = PendingFeature(reason: "berth keeps volumes in its store, under --root (ROOT/volumes): choose --root instead")
    static let pods = PendingFeature(reason: "pods are not implemented")
    static let secrets = PendingFeature(reason: "secrets are not implemented")
    static let systemd = PendingFeature(reason: "systemd integration is not implemented")
    static let signing = PendingFeature(reason: "image signatures are not implemented")
    static let idMappings = PendingFeature(reason: "custom id mappings and passwd entries are not implemented: use --userns")
    static let hooks = PendingFeature(reason: "OCI hooks are not implemented")
    static let storage = PendingFeature(reason: "berth's overlay store takes no options")
    static let sizes = PendingFeature(reason: "sorting containers by size is not implemented (ps --size shows them)")
    static let rootfs = PendingFeature(reason: "running an exploded root filesystem is not implemented")
    static let libpodNamespaces = PendingFeature(reason: "libpod namespaces are not implemented")
    static let syslog = PendingFeature(reason: "logging to syslog is not implemented")
    static let tmpdir = PendingFeature(reason: "berth keeps its runtime state under --runroot")
    static let externalContainers = PendingFeature(reason: "berth has no external (build) containers")
    static let pruneFilters = PendingFeature(reason: "prune filters are not implemented")
}
