// `top`: the processes of a running container, read from the host's /proc
// (every process in the container's pid namespace) with podman's (psgo's)
// descriptors; other arguments are plain `ps` options, run in the container
// through exec, as podman does.
import BerthImage
import BerthRuntime
import BerthSystem
import FoundationEssentials
import Glibc

package enum TopOutcome: Sendable {
    case table(header: [String], rows: [[String]])
    /// The arguments were `ps` options: ps ran in the container (its output went
    /// to berth's stdout) and exited with this code.
    case ps(exitCode: Int32)
}

/// One process of the container as /proc shows it to the host.
struct ContainerProcessInfo {
    var hostPID: Int32
    var pid: Int32           // in the container's pid namespace
    var hostPPID: Int32
    var ppid: Int32 = 0
    var pgid: Int32
    var uid: UInt32, ruid: UInt32, gid: UInt32, rgid: UInt32   // host ids
    var ticks: UInt64        // utime + stime
    var startTicks: UInt64
    var ttyNumber: Int
    var nice: Int
    var vszKiB: UInt64
    var comm: String
    var args: String
    var seccomp: String
}

/// What a cell of `top` needs besides the process.
struct TopContext {
    var names: (user: (UInt32) -> String, group: (UInt32) -> String)
    var uid: (UInt32) -> UInt32
    var gid: (UInt32) -> UInt32
    var bootTime: Double
    var hz: Double
    var now: Double

    func cell(_ descriptor: String, _ p: ContainerProcessInfo) -> String {
        let elapsed = max(0, now - (bootTime + Double(p.startTicks) / hz))
        let cpu = Double(p.ticks) / hz
        switch descriptor {
        case "user": return names.user(uid(p.uid))
        case "ruser": return names.user(uid(p.ruid))
        case "group": return names.group(gid(p.gid))
        case "rgroup": return names.group(gid(p.rgid))
        case "huser": return String(p.uid)
        case "hgroup": return String(p.gid)
        case "pid": return String(p.pid)
        case "hpid": return String(p.hostPID)
        case "ppid": return String(p.ppid)
        case "pgid": return String(p.pgid)
        case "pcpu": return GoDurationText.fixed(elapsed > 0 ? cpu / elapsed * 100 : 0, digits: 3)
        case "etime": return GoDurationText.string(elapsed)
        case "time": return GoDurationText.string(cpu)
        case "tty": return Engine.ttyName(p.ttyNumber)
        case "nice": return String(p.nice)
        case "vsz": return String(p.vszKiB)
        case "comm": return p.comm
        case "args": return p.args
        case "seccomp": return p.seccomp
        default: return "?"
        }
    }
}

extension Engine {
    /// psgo's descriptors berth knows, with their headers; `top` without any uses the first eight.
    static let topDescriptors: [(String, String)] = [
        ("user", "USER"), ("pid", "PID"), ("ppid", "PPID"), ("pcpu", "%CPU"), ("etime", "ELAPSED"), ("tty", "TTY"),
        ("time", "TIME"), ("args", "COMMAND"), ("comm", "COMMAND"), ("group", "GROUP"), ("ruser", "RUSER"),
        ("rgroup", "RGROUP"), ("pgid", "PGID"), ("nice", "NI"), ("vsz", "VSZ"), ("hpid", "HPID"), ("huser", "HUSER"),
        ("hgroup", "HGROUP"), ("seccomp", "SECCOMP"),
    ]

    package func top(_ nameOrID: String?, arguments: [String]) throws -> TopOutcome {
        let record = try nameOrID.map(resolveContainer) ?? latestContainer()
        let state = readState(record.id)
        guard state.status == .running else { throw ContainerError.invalid("top can only be used on running containers") }
        let words = arguments.flatMap { $0.split(separator: ",").map(String.init) }
        let known = Dictionary(Engine.topDescriptors, uniquingKeysWith: { a, _ in a })
        guard words.allSatisfy({ known[$0] != nil }) else {
            var options = ExecOptions()
            options.container = record.id
            options.command = ["ps"] + arguments
            guard case .exited(let code) = try exec(options) else { return .ps(exitCode: 0) }
            return .ps(exitCode: code)
        }
        let chosen = words.isEmpty ? Engine.topDescriptors.prefix(8).map(\.0) : words
        let processes = try containerProcesses(of: state.pid, candidates: cgroupProcesses(record))
        let names = try accountNames(record)
        let maps = (uid: idMap("/proc/\(state.pid)/uid_map"), gid: idMap("/proc/\(state.pid)/gid_map"))
        let context = TopContext(names: names, uid: maps.uid, gid: maps.gid, bootTime: Self.bootTime(),
                                 hz: Double(sysconf(Int32(_SC_CLK_TCK))), now: Date().timeIntervalSince1970)
        let rows = processes.map { p in chosen.map { context.cell($0, p) } }
        return .table(header: chosen.map { known[$0]! }, rows: rows)
    }

    /// The processes of the container's cgroup (cgroup.procs): exec'd ones join it too,
    /// so `top` need not look at every process of the host. nil without a cgroup.
    func cgroupProcesses(_ record: ContainerRecord) -> [String]? {
        guard let directory = cgroupLocation(record.id)?.paths.values.sorted().first else { return nil }
        let pids = CgroupFiles.processes(in: directory)
        return pids.isEmpty ? nil : pids.map(String.init)
    }

    /// Every process whose pid namespace is that of `pid` (among `candidates`, host pids,
    /// when given; else all of /proc), sorted by pid inside.
    func containerProcesses(of pid: Int32, candidates: [String]? = nil) throws -> [ContainerProcessInfo] {
        let target = try FileDescriptor.open("/proc/\(pid)/ns/pid", O_RDONLY).status()
        var found: [ContainerProcessInfo] = []
        for entry in try candidates ?? FileSystem.list("/proc") {
            guard let hostPID = Int32(entry),
                  let ns = try? FileDescriptor.open("/proc/\(entry)/ns/pid", O_RDONLY).status(),
                  ns.st_ino == target.st_ino && ns.st_dev == target.st_dev,
                  let info = Self.processInfo(hostPID) else { continue }
            found.append(info)
        }
        let inside = Dictionary(found.map { ($0.hostPID, $0.pid) }, uniquingKeysWith: { a, _ in a })
        for i in found.indices { found[i].ppid = inside[found[i].hostPPID] ?? 0 }
        return found.sorted { $0.pid < $1.pid }
    }

    /// /proc/PID/{status,stat,cmdline}; nil when the process is gone meanwhile.
    static func processInfo(_ pid: Int32) -> ContainerProcessInfo? {
        guard let status = try? FileSystem.readText("/proc/\(pid)/status"),
              let stat = try? FileSystem.readText("/proc/\(pid)/stat"),
              let cmdline = try? FileSystem.readFile("/proc/\(pid)/cmdline", limit: 65536) else { return nil }
        var fields: [String: [String]] = [:]
        for line in status.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = parts[1].split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) }
        }
        // Fields after the comm, which may hold spaces and parentheses: split after the last ')'.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let rest = stat[stat.index(after: close)...].split(separator: " ").map(String.init)
        func number(_ index: Int) -> UInt64 { index < rest.count ? UInt64(rest[index]) ?? 0 : 0 }
        let uids = (fields["Uid"] ?? []).compactMap { UInt32($0) }, gids = (fields["Gid"] ?? []).compactMap { UInt32($0) }
        let comm = String(stat[stat.index(after: stat.firstIndex(of: "(")!)..<close])
        var args = String(decoding: cmdline.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
        if args.isEmpty { args = "[\(comm)]" }
        return ContainerProcessInfo(
            hostPID: pid, pid: Int32(fields["NSpid"]?.last ?? "") ?? pid, hostPPID: Int32(fields["PPid"]?.first ?? "") ?? 0,
            pgid: Int32(rest.count > 2 ? rest[2] : "") ?? 0,
            uid: uids.count > 1 ? uids[1] : 0, ruid: uids.first ?? 0, gid: gids.count > 1 ? gids[1] : 0, rgid: gids.first ?? 0,
            ticks: number(11) + number(12), startTicks: number(19), ttyNumber: Int(rest.count > 4 ? rest[4] : "") ?? 0,
            nice: Int(rest.count > 16 ? rest[16] : "") ?? 0, vszKiB: number(20) / 1024, comm: comm, args: args,
            seccomp: ["disabled", "strict", "filter"][min(2, Int(fields["Seccomp"]?.first ?? "") ?? 0)])
    }

    static func ttyName(_ number: Int) -> String {
        if number == 0 { return "?" }
        let major = (number >> 8) & 0xfff, minor = (number & 0xff) | ((number >> 12) & 0xfff00)
        return major == 136 ? "pts/\(minor)" : major == 4 ? "tty\(minor)" : "?"
    }

    static func bootTime() -> Double {
        let stat = (try? FileSystem.readText("/proc/stat")) ?? ""
        let line = stat.split(separator: "\n").first { $0.hasPrefix("btime ") }
        return line.flatMap { Double($0.dropFirst(6)) } ?? 0
    }

    /// Host id → the container's id through a uid_map/gid_map ("inside outside count" lines).
    func idMap(_ path: String) -> (UInt32) -> UInt32 {
        let ranges = ((try? FileSystem.readText(path)) ?? "").split(separator: "\n").compactMap { line -> (UInt32, UInt32, UInt32)? in
            let n = line.split(separator: " ").compactMap { UInt32($0) }
            return n.count == 3 ? (n[0], n[1], n[2]) : nil
        }
        return { host in
            for (inside, outside, count) in ranges where host >= outside && host - outside < count { return inside + (host - outside) }
            return 65534
        }
    }

    /// The container's user and group names (its /etc/passwd and /etc/group, read beneath its root).
    func accountNames(_ record: ContainerRecord) throws -> (user: (UInt32) -> String, group: (UInt32) -> String) {
        let lower = record.layers.reversed().map { store.layerDiffDir($0) }
        let rootfs = try MergedRootfs(layers: [containerDir(record.id) + "/upper"] + lower, location: "container \(record.name)")
        func table(_ path: String) -> [UInt32: String] {
            let bytes = (try? rootfs.readFile(path, limit: 4 << 20)) ?? nil
            var names: [UInt32: String] = [:]
            for line in String(decoding: bytes ?? [], as: UTF8.self).split(separator: "\n") {
                let f = line.split(separator: ":", omittingEmptySubsequences: false)
                if f.count > 2, let id = UInt32(f[2]), names[id] == nil { names[id] = String(f[0]) }
            }
            return names
        }
        let users = table("/etc/passwd"), groups = table("/etc/group")
        return ({ users[$0] ?? String($0) }, { groups[$0] ?? String($0) })
    }
}

/// Go's time.Duration.String, as psgo prints ELAPSED and TIME.
package enum GoDurationText {
    /// Go's time.Duration.String() of `seconds`.
    package static func string(_ seconds: Double) -> String {
        let ns = Int64((seconds * 1e9).rounded())
        if ns == 0 { return "0s" }
        if ns < 1_000_000_000 {
            for (unit, scale) in [("ms", 1e6), ("µs", 1e3)] where Double(ns) >= scale { return trimmed(Double(ns) / scale, digits: 6) + unit }
            return "\(ns)ns"
        }
        var text = ""
        let hours = ns / 3_600_000_000_000, minutes = (ns / 60_000_000_000) % 60
        if hours > 0 { text += "\(hours)h" }
        if hours > 0 || minutes > 0 { text += "\(minutes)m" }
        let rest = ns % 60_000_000_000
        return text + trimmed(Double(rest) / 1e9, digits: 9) + "s"
    }

    private static func trimmed(_ value: Double, digits: Int) -> String {
        var text = fixed(value, digits: digits)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// `value` with exactly `digits` decimals (Go's %.Nf for the values top shows).
    static func fixed(_ value: Double, digits: Int) -> String {
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let total = Int64((value * Double(scale)).rounded())
        let fraction = String(total % scale)
        return "\(total / scale)." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
}
