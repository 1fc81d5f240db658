// The resource-limit flags run, create and update share (podman's names and value
// syntax: sizes 32m/1g, --cpus 0.5, cpuset lists, DEVICE:RATE), parsed into the
// engine's ContainerResources; the host-dependent checks are the engine's.
import BerthEngine

enum ResourceFlags {
    /// The limit flags of run, create and update.
    static let limits: [FlagSpec] = [
        .value("blkio-weight", nil, "string", "Block IO weight (relative weight) accepts a weight value between 10 and 1000."),
        .value("blkio-weight-device", nil, "DEVICE_NAME:WEIGHT", "Block IO weight (relative device weight, format: DEVICE_NAME:WEIGHT)"),
        .value("cpu-period", nil, "uint", "Limit the CPU CFS (Completely Fair Scheduler) period"),
        .value("cpu-quota", nil, "int", "Limit the CPU CFS (Completely Fair Scheduler) quota"),
        .value("cpu-rt-period", nil, "uint", "Limit the CPU real-time period in microseconds"),
        .value("cpu-rt-runtime", nil, "int", "Limit the CPU real-time runtime in microseconds"),
        .value("cpu-shares", "c", "uint", "CPU shares (relative weight)"),
        .value("cpus", nil, "float", "Number of CPUs. The default is 0.000 which means no limit"),
        .value("cpuset-cpus", nil, "string", "CPUs in which to allow execution (0-3, 0,1)"),
        .value("cpuset-mems", nil, "string", "Memory nodes (MEMs) in which to allow execution (0-3, 0,1). Only effective on NUMA systems."),
        .value("device-read-bps", nil, "strings", "Limit read rate (bytes per second) from a device (e.g. --device-read-bps=/dev/sda:1mb)"),
        .value("device-read-iops", nil, "strings", "Limit read rate (IO per second) from a device (e.g. --device-read-iops=/dev/sda:1000)"),
        .value("device-write-bps", nil, "strings", "Limit write rate (bytes per second) to a device (e.g. --device-write-bps=/dev/sda:1mb)"),
        .value("device-write-iops", nil, "strings", "Limit write rate (IO per second) to a device (e.g. --device-write-iops=/dev/sda:1000)"),
        .value("memory", "m", "<number>[<unit>]", "Memory limit (format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))"),
        .value("memory-reservation", nil, "<number>[<unit>]", "Memory soft limit (format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))"),
        .value("memory-swap", nil, "string", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap"),
        .value("memory-swappiness", nil, "int", "Tune container memory swappiness (0 to 100, or -1 for system default)", default: "-1"),
        .value("pids-limit", nil, "int", "Tune container pids limit (set -1 for unlimited)"),
    ]

    /// The flags only run and create have.
    static let createOnly: [FlagSpec] = [
        .value("cgroup-conf", nil, "strings", "Configure cgroup v2 (key=value)"),
        .value("cgroup-parent", nil, "string", "Optional parent cgroup for the container"),
        .value("cgroupns", nil, "string", "cgroup namespace to use"),
        .value("cgroups", nil, "string", "control container cgroup configuration (\"enabled\"|\"disabled\"|\"no-conmon\"|\"split\")", default: "enabled"),
        .value("device-cgroup-rule", nil, "strings", "Add a rule to the cgroup allowed devices list"),
        .bool("oom-kill-disable", nil, "Disable OOM Killer"),
        .value("oom-score-adj", nil, "int", "Tune the host's OOM preferences (-1000 to 1000)"),
    ]

    /// Docker's minimum for --memory (podman's too): below it a container cannot start.
    static let minimumMemory: Int64 = 6 * 1024 * 1024

    /// The limits given on the command line; fields not given stay nil.
    static func resources(_ args: ParsedArguments) throws -> ContainerResources {
        var r = ContainerResources()
        r.memory = try size(args, "memory")
        if let memory = r.memory, memory < minimumMemory {
            throw CLIError("invalid --memory \"\(args.value("memory") ?? "")\": the minimum memory limit is 6m")
        }
        r.memoryReservation = try size(args, "memory-reservation")
        if let text = args.value("memory-swap") {
            r.memorySwap = text == "-1" ? -1 : Int64(try sizeValue(text, flag: "memory-swap"))
            if let swap = r.memorySwap, swap >= 0, let memory = r.memory, swap < memory {
                throw CLIError("invalid --memory-swap \"\(text)\": it must be at least --memory (it is memory plus swap), or -1 for unlimited swap")
            }
        }
        if let text = args.value("memory-swappiness") {
            guard let value = Int64(text) else { throw parseError(text, "memory-swappiness", "ParseInt") }
            guard (-1...100).contains(value) else {
                throw CLIError("invalid --memory-swappiness \(value): it must be between 0 and 100, or -1 for the system default")
            }
            r.memorySwappiness = value < 0 ? nil : value
        }
        if args.has("oom-kill-disable") && args.values["oom-kill-disable"]?.last != "false" { r.oomKillDisable = true }
        if let text = args.value("oom-score-adj") {
            guard let value = Int(text) else { throw parseError(text, "oom-score-adj", "ParseInt") }
            guard (-1000...1000).contains(value) else { throw CLIError("invalid --oom-score-adj \(value): it must be between -1000 and 1000") }
            r.oomScoreAdj = value
        }
        if let text = args.value("cpus") {
            guard let cpus = Double(text), cpus.isFinite else { throw parseError(text, "cpus", "ParseFloat") }
            guard cpus > 0 else { throw CLIError("invalid --cpus \(text): it must be a number of CPUs greater than 0, such as 0.5") }
            r.nanoCpus = Int64((cpus * 1e9).rounded())
            if args.value("cpu-period") != nil || args.value("cpu-quota") != nil {
                throw CLIError("--cpus and --cpu-period/--cpu-quota cannot be used together: they set the same limit")
            }
        }
        r.cpuShares = try unsigned(args, "cpu-shares")
        if let shares = r.cpuShares, shares < 2 { throw CLIError("invalid --cpu-shares \(shares): the minimum is 2") }
        r.cpuPeriod = try unsigned(args, "cpu-period")
        if let period = r.cpuPeriod, !(1000...1_000_000).contains(period) {
            throw CLIError("invalid --cpu-period \(period): it must be between 1000 and 1000000 microseconds")
        }
        if let text = args.value("cpu-quota") {
            guard let quota = Int64(text) else { throw parseError(text, "cpu-quota", "ParseInt") }
            guard quota == -1 || quota >= 1000 else { throw CLIError("invalid --cpu-quota \(quota): it must be at least 1000 microseconds, or -1 for none") }
            r.cpuQuota = quota
        }
        r.cpusetCpus = try list(args, "cpuset-cpus")
        r.cpusetMems = try list(args, "cpuset-mems")
        if let text = args.value("pids-limit") {
            guard let value = Int64(text) else { throw parseError(text, "pids-limit", "ParseInt") }
            r.pidsLimit = value <= 0 ? -1 : value
        }
        if let text = args.value("blkio-weight") {
            guard let weight = UInt16(text), (10...1000).contains(weight) else {
                throw CLIError("invalid --blkio-weight \"\(text)\": it must be a number between 10 and 1000")
            }
            r.blkioWeight = weight
        }
        r.blkioWeightDevice = try devices(args, "blkio-weight-device") { text in
            guard let weight = UInt64(text), (10...1000).contains(weight) else { return nil }
            return weight
        }
        r.deviceReadBps = try devices(args, "device-read-bps") { try? sizeValue($0, flag: "") }
        r.deviceWriteBps = try devices(args, "device-write-bps") { try? sizeValue($0, flag: "") }
        r.deviceReadIops = try devices(args, "device-read-iops") { UInt64($0) }
        r.deviceWriteIops = try devices(args, "device-write-iops") { UInt64($0) }
        let rules = args.all("device-cgroup-rule")
        for rule in rules where !Engine.isDeviceCgroupRule(rule) {
            throw CLIError("invalid --device-cgroup-rule \"\(rule)\": expected TYPE MAJOR:MINOR ACCESS, such as 'c 1:3 rwm' (TYPE a, b or c; * for any number)")
        }
        r.deviceCgroupRules = rules.isEmpty ? nil : rules
        try realTime(args, into: &r)
        r.cgroupConf = try cgroupConf(args)
        return r
    }

    /// --cpu-rt-period and --cpu-rt-runtime: the runtime is a share of the period
    /// (the kernel's default period is 1 s).
    private static func realTime(_ args: ParsedArguments, into r: inout ContainerResources) throws {
        r.cpuRtPeriod = try unsigned(args, "cpu-rt-period")
        if let period = r.cpuRtPeriod, period == 0 || period > 1_000_000 {
            throw CLIError("invalid --cpu-rt-period \(period): it must be between 1 and 1000000 microseconds")
        }
        guard let text = args.value("cpu-rt-runtime") else { return }
        guard let runtime = Int64(text) else { throw parseError(text, "cpu-rt-runtime", "ParseInt") }
        let period = r.cpuRtPeriod ?? 1_000_000
        guard runtime >= 0, UInt64(runtime) <= period else {
            throw CLIError("invalid --cpu-rt-runtime \(runtime): it must be between 0 and the real-time period (\(period) microseconds)")
        }
        r.cpuRtRuntime = runtime
    }

    /// --cgroup-conf KEY=VALUE: a control file of the container's own cgroup.
    private static func cgroupConf(_ args: ParsedArguments) throws -> [String: String]? {
        let items = args.all("cgroup-conf")
        guard !items.isEmpty else { return nil }
        var conf: [String: String] = [:]
        for item in items {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[0].contains("/"), parts[0].contains("."), !parts[0].hasPrefix(".") else {
                throw CLIError("invalid --cgroup-conf \"\(item)\": expected KEY=VALUE with KEY a cgroup v2 file name, such as memory.high=100m")
            }
            conf[parts[0]] = parts[1]
        }
        return conf
    }

    /// --cgroups, --cgroup-parent and --cgroupns as given (the engine checks them).
    static func settings(_ args: ParsedArguments) -> CgroupSettings {
        var settings = CgroupSettings()
        settings.mode = args.value("cgroups")
        settings.parent = args.value("cgroup-parent")
        settings.namespace = args.value("cgroupns")
        return settings
    }

    private static func size(_ args: ParsedArguments, _ flag: String) throws -> Int64? {
        try args.value(flag).map { Int64(try sizeValue($0, flag: flag)) }
    }

    /// podman's <number>[<unit>] (ContainerFlags.sizeInBytes), refused in --flag's name.
    private static func sizeValue(_ text: String, flag: String) throws -> UInt64 {
        do {
            let value = try ContainerFlags.sizeInBytes(text)
            guard value <= UInt64(Int64.max) else { throw CLIError("") }
            return value
        } catch {
            throw CLIError("invalid --\(flag) \"\(text)\": expected a size such as 512k, 32m or 1g (units b, k, m, g, t)")
        }
    }

    private static func unsigned(_ args: ParsedArguments, _ flag: String) throws -> UInt64? {
        guard let text = args.value(flag) else { return nil }
        guard let value = UInt64(text) else { throw parseError(text, flag, "ParseUint") }
        return value
    }

    private static func parseError(_ text: String, _ flag: String, _ function: String) -> CLIError {
        CLIError("invalid argument \"\(text)\" for \"--\(flag)\" flag: strconv.\(function): parsing \"\(text)\": invalid syntax")
    }

    /// A cpuset list ("0-3,5"): numbers and ranges, low before high.
    private static func list(_ args: ParsedArguments, _ flag: String) throws -> String? {
        guard let text = args.value(flag) else { return nil }
        let valid = !text.isEmpty && text.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { item in
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let low = UInt32(bounds[0]) else { return false }
            return bounds.count == 1 || UInt32(bounds[1]).map { $0 >= low } == true
        }
        guard valid else { throw CLIError("invalid --\(flag) \"\(text)\": expected a list such as 0-3 or 0,1") }
        return text
    }

    /// DEVICE:VALUE items; the device's numbers are the engine's to find.
    private static func devices(_ args: ParsedArguments, _ flag: String, _ value: (String) -> UInt64?) throws -> [DeviceLimit]? {
        let items = args.all(flag)
        guard !items.isEmpty else { return nil }
        return try items.map { item in
            guard let colon = item.lastIndex(of: ":"), item.hasPrefix("/dev/"),
                  let parsed = value(String(item[item.index(after: colon)...])) else {
                throw CLIError("invalid --\(flag) \"\(item)\": expected DEVICE:VALUE, such as /dev/sda:\(flag.hasSuffix("bps") ? "1mb" : flag.hasSuffix("iops") ? "1000" : "500")")
            }
            return DeviceLimit(path: String(item[..<colon]), value: parsed)
        }
    }
}
