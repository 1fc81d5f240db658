// --cgroup-manager systemd: a container's cgroup (and its monitor's) is a
// transient scope unit systemd makes on request, as podman/crun do: root asks the
// system manager for machine.slice/berth-ID.scope, rootless the user's manager for
// berth.slice/berth-ID.scope under user@UID.service. One StartTransientUnit call
// (name, mode, properties a(sv), no auxiliary units) with PIDs, Delegate=yes (the
// scope's files are berth's to write), the slice and the limits systemd knows;
// berth waits for the start job's JobRemoved before the container runs. The
// scope goes by itself once empty (CollectMode=inactive-or-failed).
import BerthSystem
import Glibc

enum SystemdScope {
    static let manager = "org.freedesktop.systemd1"
    static let managerPath = "/org/freedesktop/systemd1"
    static let managerInterface = "org.freedesktop.systemd1.Manager"

    /// The socket to reach the manager through, and whether it is a bus (dbus-daemon)
    /// rather than systemd's private socket; nil when neither exists. systemd's own
    /// socket comes first: it needs no bus daemon, no Hello and no AddMatch, and it
    /// sends job signals to every connection. The bus is the fallback (a manager
    /// whose private socket is not reachable, as podman's choice of bus).
    static func busSocket(rootless: Bool) -> (path: String, isBus: Bool)? {
        var candidates: [(String, Bool)] = []
        if rootless {
            guard let runtime = Environment.get("XDG_RUNTIME_DIR"), !runtime.isEmpty else { return nil }
            candidates = [(runtime + "/systemd/private", false), (unixPath(Environment.get("DBUS_SESSION_BUS_ADDRESS")) ?? runtime + "/bus", true)]
        } else {
            candidates = [("/run/systemd/private", false),
                          (unixPath(Environment.get("DBUS_SYSTEM_BUS_ADDRESS")) ?? "/run/dbus/system_bus_socket", true)]
        }
        return candidates.first { FileSystem.exists($0.0) }.map { (path: $0.0, isBus: $0.1) }
    }

    /// The path of a `unix:path=…` bus address; nil for other transports.
    static func unixPath(_ address: String?) -> String? {
        guard let address, address.hasPrefix("unix:") else { return nil }
        for part in address.dropFirst(5).split(separator: ",") where part.hasPrefix("path=") {
            return String(part.dropFirst(5))
        }
        return nil
    }

    /// A slice's cgroup path: systemd nests "a-b-c.slice" as /a.slice/a-b.slice/a-b-c.slice.
    static func slicePath(_ slice: String) -> String {
        guard slice.hasSuffix(".slice"), slice != "-.slice" else { return "/" }
        let stem = slice.dropLast(".slice".count)
        var path = "", prefix = ""
        for part in stem.split(separator: "-") {
            prefix += prefix.isEmpty ? String(part) : "-" + part
            path += "/" + prefix + ".slice"
        }
        return path
    }

    /// Asks systemd for the scope `unit` in `slice` holding `pid`, and returns once
    /// its start job finished; throws, naming the unit, when systemd refused it or
    /// the job failed.
    /// `socket`: the manager's socket when not the usual one (tests).
    static func start(unit: String, slice: String, pid: Int32, description: String, limits: [DBusValue], rootless: Bool,
                      socket given: (path: String, isBus: Bool)? = nil) throws {
        guard let socket = given ?? busSocket(rootless: rootless) else {
            throw ContainerError.invalid("starting scope \(unit): no systemd \(rootless ? "user " : "")manager socket to ask")
        }
        let connection = try DBusConnection(path: socket.path, isBus: socket.isBus)
        if socket.isBus {
            // On the bus, systemd emits job signals only while someone subscribed, and the
            // bus routes them only to connections that asked for them.
            try connection.call(.call("org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus", member: "AddMatch",
                                      [.string("type='signal',sender='\(manager)',interface='\(managerInterface)',member='JobRemoved'")]))
            try connection.call(.call(manager, path: managerPath, interface: managerInterface, member: "Subscribe"))
        }
        let call = startTransientUnitCall(unit: unit, slice: slice, pid: pid, description: description, limits: limits,
                                          destination: socket.isBus ? manager : nil)
        var reply: DBusMessage
        var attempt = 0
        while true {
            do {
                reply = try connection.call(call)
                break
            } catch let error as SystemError where error.errno == EEXIST && attempt < 40 {
                // The scope of this container's previous run: systemd collects it once it is
                // empty, a moment after the exit. Ask it to stop and try again.
                attempt += 1
                _ = try? connection.call(.call(socket.isBus ? manager : nil, path: managerPath, interface: managerInterface,
                                               member: "StopUnit", [.string(unit), .string("replace")]))
                Stopwatch.sleep(0.05)
            }
        }
        guard let job = reply.body.first?.text else { throw ContainerError.invalid("starting scope \(unit): systemd answered without a job") }
        // JobRemoved(u id, o job, s unit, s result).
        let removed = try connection.waitForSignal(timeout: 30, "the start job of \(unit)") { signal in
            signal.member == "JobRemoved" && signal.body.count == 4 && signal.body[1].text == job
        }
        let result = removed.body[3].text ?? ""
        guard result == "done" else {
            throw ContainerError.invalid("starting scope \(unit): systemd's start job ended \"\(result)\" (see journalctl \(rootless ? "--user " : "")-u \(unit))")
        }
    }

    /// The StartTransientUnit call (signature ssa(sv)a(sa(sv))): mode "fail", so an
    /// existing unit of that name is an error rather than replaced.
    static func startTransientUnitCall(unit: String, slice: String, pid: Int32, description: String, limits: [DBusValue], destination: String?) -> DBusMessage {
        let properties: [DBusValue] = [
            .property("Description", .string(description)),
            .property("Slice", .string(slice)),
            .property("PIDs", .array(element: "u", [.uint32(UInt32(pid))])),
            .property("Delegate", .boolean(true)),
            .property("CollectMode", .string("inactive-or-failed")),
            .property("DefaultDependencies", .boolean(false)),
        ] + limits
        return .call(destination, path: managerPath, interface: managerInterface, member: "StartTransientUnit",
                     [.string(unit), .string("fail"), .array(element: "(sv)", properties), .array(element: "(sa(sv))", [])])
    }

    /// The limits systemd has unit properties for, so that a daemon-reload (which
    /// rewrites a unit's cgroup files from its properties) keeps them; berth writes
    /// every limit to the scope's files as well, these and the rest (cpuset, io).
    static func limitProperties(_ r: ContainerResources) -> [DBusValue] {
        var properties: [DBusValue] = []
        let infinity = UInt64.max
        if let memory = r.memory { properties.append(.property("MemoryMax", .uint64(memory < 0 ? infinity : UInt64(memory)))) }
        if let low = r.memoryReservation { properties.append(.property("MemoryLow", .uint64(low < 0 ? infinity : UInt64(low)))) }
        if r.memory != nil || r.memorySwap != nil, let total = r.effectiveMemorySwap {
            let swap = total < 0 ? infinity : UInt64(max(0, total - (r.memory ?? 0)))
            properties.append(.property("MemorySwapMax", .uint64(swap)))
        }
        if let pids = r.pidsLimit { properties.append(.property("TasksMax", .uint64(pids <= 0 ? infinity : UInt64(pids)))) }
        if let shares = r.cpuShares { properties.append(.property("CPUWeight", .uint64(CgroupLimits.cpuWeight(shares: shares)))) }
        let (period, quota) = r.cfs
        if let quota, quota > 0 {
            let periodUS = UInt64(period ?? ContainerResources.defaultCPUPeriod)
            // systemd takes the quota per second of wall time; the period as it is.
            properties.append(.property("CPUQuotaPerSecUSec", .uint64(UInt64(quota) * 1_000_000 / max(periodUS, 1))))
            properties.append(.property("CPUQuotaPeriodUSec", .uint64(periodUS)))
        }
        if let weight = r.blkioWeight { properties.append(.property("IOWeight", .uint64(CgroupLimits.ioWeight(blkio: UInt64(weight))))) }
        return properties
    }
}
