// --pid, --ipc, --uts, --sysctl and --device: run/create take podman's run values
// (private, host, container:NAME, ns:PATH), build podman build's (private, host,
// or the path of a namespace to join).
import BerthEngine

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

    /// build's --pid/--ipc/--uts take a path where run takes ns:PATH; --device is a
    /// stringArray there (no comma lists).
    static func buildOptions(_ args: ParsedArguments) -> NamespaceOptions {
        func mode(_ flag: String) -> String? {
            guard let value = args.value(flag) else { return nil }
            return value.hasPrefix("/") ? "ns:" + value : value
        }
        var options = NamespaceOptions()
        options.pid = mode("pid")
        options.ipc = mode("ipc")
        options.uts = mode("uts")
        options.devices = args.all("device")
        return options
    }
}
