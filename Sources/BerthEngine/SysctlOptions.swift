// --sysctl NAME=VALUE: podman's rule for which kernel parameters a container may
// set (only those of a namespace it has: net.*, the IPC ones, the UTS names),
// checked at create; the child writes them inside the container's namespaces
// before exec (ns_setup.c).
import BerthRuntime

extension Engine {
    /// podman's list (pkg/util ValidateSysctls) of the IPC namespace's parameters,
    /// plus the UTS namespace's names, which newer podman lets a private UTS namespace set.
    private static let ipcSysctls: Set<String> = [
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
        "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
    ]
    private static let utsSysctls: Set<String> = ["kernel.hostname", "kernel.domainname"]

    /// The entries as NAME=VALUE, in order, or podman's error for the first bad one.
    static func checkedSysctls(_ entries: [String], record: ContainerRecord) throws -> [String] {
        var result: [String] = []
        for entry in entries {
            let parts = entry.split(separator: "=", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2 else {
                throw ContainerError.invalid("\(entry) is invalid, sysctl values must be in the form of KEY=VALUE")
            }
            let name = parts[0], value = parts[1]
            guard parts.count == 2, name.trimmedSpaces == name, value.trimmedSpaces == value else {
                throw ContainerError.invalid("'\(entry)' is invalid, extra spaces found")
            }
            let isNetwork = name.hasPrefix("net.")
            let isIPC = ipcSysctls.contains(name) || name.hasPrefix("fs.mqueue.")
            let isUTS = utsSysctls.contains(name)
            guard isNetwork || isIPC || isUTS, !name.contains("..") else {
                throw ContainerError.invalid("sysctl '\(name)' is not allowed")
            }
            // The host's namespace is the host's: a container must not change it.
            if isNetwork && record.network == "host" {
                throw hostNamespaceRefusal(name, value, "Network")
            }
            if isIPC && record.ipcns == "host" { throw hostNamespaceRefusal(name, value, "IPC") }
            if isUTS && record.utsns == "host" { throw hostNamespaceRefusal(name, value, "UTS") }
            result.append(name + "=" + value)
        }
        return result
    }

    private static func hostNamespaceRefusal(_ name: String, _ value: String, _ namespace: String) -> ContainerError {
        .invalid("sysctl \(name)=\(value) can't be set since \(namespace) Namespace set to host: invalid argument")
    }

    /// The record's sysctls for the child, in order.
    static func sysctlSettings(_ record: ContainerRecord) -> [(name: String, value: String)] {
        (record.sysctls ?? []).map { entry in
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
    }
}
