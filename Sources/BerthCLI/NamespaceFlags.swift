// --pid, --ipc, --uts, --sysctl and --device: run/create take podman's run values
// (private, host, container:NAME, ns:PATH), build podman build's (private, host,
// or the path of a namespace to join).
import BerthEngine
import BerthSystem

enum NamespaceFlags {
    static func options(_ args: ParsedArguments) -> NamespaceOptions {
        var options = NamespaceOptions()
        options.pid = args.value("pid")
        options.ipc = args.value("ipc")
        options.uts = args.value("uts")
        // podman's StringSlice flags: commas separate values too.
        options.sysctls = args.all("sysctl").flatMap { $0.split(separator: ",").map(String.init) }
        options.devices = args.all("device").flatMap { $0.split(separator: ",").map(String.init) }
        return options
    }

    /// build's --pid/--ipc/--uts take a path where run takes ns:PATH (which must
    /// exist, checked as podman build checks it: before any step); --device is a
    /// stringArray there (no comma lists), its host nodes checked before any step too.
    static func buildOptions(_ args: ParsedArguments) throws -> NamespaceOptions {
        func mode(_ flag: String) throws -> String? {
            guard let value = args.value(flag), !["", "private", "host"].contains(value) else { return args.value(flag) }
            guard FileSystem.exists(value) else { throw CLIError("checking \(flag) namespace: stat \(value): no such file or directory") }
            return "ns:" + FileSystem.absolute(value)
        }
        var options = NamespaceOptions()
        options.pid = try mode("pid")
        options.ipc = try mode("ipc")
        options.uts = try mode("uts")
        options.devices = args.all("device")
        try Engine.checkDevices(options.devices)
        return options
    }
}
