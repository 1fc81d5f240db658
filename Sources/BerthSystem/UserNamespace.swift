// Rootless support: the subordinate id ranges of /etc/subuid and /etc/subgid, and
// re-executing berth as the first process of a new user namespace whose maps the
// parent writes with the setuid newuidmap/newgidmap (design.md §3).
import Glibc

package struct IDMapping: Sendable, Equatable {
    package var containerID: UInt32
    package var hostID: UInt32
    package var size: UInt32

    package init(containerID: UInt32, hostID: UInt32, size: UInt32) {
        self.containerID = containerID
        self.hostID = hostID
        self.size = size
    }
}

package enum UserNamespace {
    /// True when this process runs in the initial user namespace (full id map).
    /// Read once per process: a process never changes its own user namespace after
    /// start (a join happens before main, userns_join.c), and the run path asks often.
    package static let isInitial: Bool = {
        guard let text = try? FileSystem.readText("/proc/self/uid_map") else { return true }
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        return fields.count == 3 && fields[0] == "0" && fields[1] == "0" && fields[2] == "4294967295"
    }()

    /// The uid map of this process, as `IDMapping`s.
    package static func currentUIDMap() -> [IDMapping] {
        guard let text = try? FileSystem.readText("/proc/self/uid_map") else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ", omittingEmptySubsequences: true).compactMap { UInt32($0) }
            return f.count == 3 ? IDMapping(containerID: f[0], hostID: f[1], size: f[2]) : nil
        }
    }

    /// True inside a namespace that maps one id only (the fallback without subuids):
    /// chown to any other owner is impossible there.
    /// Read once per process, as `isInitial`.
    package static let isSingleIDMapped: Bool = {
        let map = currentUIDMap()
        return map.count == 1 && map[0].size == 1
    }()

    /// Subordinate ranges for `user`/`id` from an /etc/subuid-format file.
    package static func subordinateRanges(file: String, user: String, id: UInt32) -> [IDMapping] {
        guard let text = try? FileSystem.readText(file) else { return [] }
        var ranges: [IDMapping] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":")
            guard fields.count == 3, fields[0] == user || fields[0] == String(id),
                  let start = UInt32(fields[1]), let count = UInt32(fields[2]), count > 0 else { continue }
            ranges.append(IDMapping(containerID: 0, hostID: start, size: count))
        }
        return ranges
    }

    /// The maps berth uses rootless: the user is root inside, the subordinate
    /// ranges follow from id 1.
    package static func rootlessMaps(subordinate: [IDMapping], ownID: UInt32) -> [IDMapping] {
        var maps = [IDMapping(containerID: 0, hostID: ownID, size: 1)]
        var next: UInt32 = 1
        for range in subordinate {
            maps.append(IDMapping(containerID: next, hostID: range.hostID, size: range.size))
            next += range.size
        }
        return maps
    }

    /// Runs this executable again with `arguments` in a new user namespace whose
    /// maps are written for it, and returns its exit status. Signals that would end
    /// berth are forwarded. The fallback when no pause process can hold the
    /// namespace (PauseProcess): it costs newuidmap and newgidmap every time.
    package static func reexecute(arguments: [String]) throws -> Int32 {
        let (child, release) = try SelfExec.startInNewUserNamespace(arguments, environment: Environment.all())
        do {
            let maps = rootlessMaps()
            try writeMaps(pid: child.pid, uid: maps.uid, gid: maps.gid)
        } catch {
            release.close()
            _ = try? child.wait(SelfExec.executable)
            throw error
        }
        SignalForwarder.start(forwardingTo: child.pid)
        defer { SignalForwarder.stop() }
        try SelfExec.release(release)
        release.close()
        return try child.wait(SelfExec.executable)
    }

    /// The maps a rootless user gets: the subordinate ranges through newuidmap and
    /// newgidmap, or (with a warning) only the user's own id.
    package static func rootlessMaps() -> (uid: [IDMapping], gid: [IDMapping]) {
        let uid = getuid(), gid = getgid()
        let user = userName(uid) ?? String(uid)
        let subUIDs = subordinateRanges(file: "/etc/subuid", user: user, id: uid)
        let subGIDs = subordinateRanges(file: "/etc/subgid", user: user, id: uid)
        if Subprocess.which("newuidmap") != nil, Subprocess.which("newgidmap") != nil, !subUIDs.isEmpty, !subGIDs.isEmpty {
            return (rootlessMaps(subordinate: subUIDs, ownID: uid), rootlessMaps(subordinate: subGIDs, ownID: gid))
        }
        Warnings.report("no subordinate ids for \(user) in /etc/subuid and /etc/subgid (or newuidmap/newgidmap missing: install uidmap): using a single-id user namespace; files in images are all owned by you")
        return ([IDMapping(containerID: 0, hostID: uid, size: 1)], [IDMapping(containerID: 0, hostID: gid, size: 1)])
    }

    /// Writes a child's id maps: directly for a single own id (setgroups denied),
    /// through the setuid helpers for ranges.
    package static func writeMaps(pid: Int32, uid: [IDMapping], gid: [IDMapping]) throws {
        if uid.count == 1 && uid[0].size == 1 && uid[0].hostID == getuid() {
            try writeProcFile("/proc/\(pid)/setgroups", "deny")
            try writeProcFile("/proc/\(pid)/uid_map", "0 \(uid[0].hostID) 1\n")
            try writeProcFile("/proc/\(pid)/gid_map", "0 \(gid[0].hostID) 1\n")
            return
        }
        if geteuid() == 0 && UserNamespace.isInitial {
            try writeProcFile("/proc/\(pid)/uid_map", uid.map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.joined())
            try writeProcFile("/proc/\(pid)/gid_map", gid.map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.joined())
            return
        }
        guard let newuidmap = Subprocess.which("newuidmap"), let newgidmap = Subprocess.which("newgidmap") else {
            throw SystemError("newuidmap/newgidmap (install uidmap)", "", errno: ENOENT)
        }
        // The two setuid helpers run at once: each costs ~2 ms of exec and checks.
        let uidRun = try Subprocess.start(newuidmap, mapperArguments(pid, uid))
        let gidRun = try Subprocess.start(newgidmap, mapperArguments(pid, gid))
        let results = [(newuidmap, try uidRun.finish()), (newgidmap, try gidRun.finish())]
        for (tool, output) in results where output.status != 0 {
            let message = String(decoding: output.stderr, as: UTF8.self)
                .split(separator: "\n").first.map(String.init) ?? "exit status \(output.status)"
            throw SystemError("\(FileSystem.basename(of: tool)) for user namespace of pid \(pid) (\(message))", "", errno: EPERM)
        }
    }

    private static func mapperArguments(_ pid: pid_t, _ maps: [IDMapping]) -> [String] {
        var args = [String(pid)]
        for map in maps { args += [String(map.containerID), String(map.hostID), String(map.size)] }
        return args
    }

    private static func writeProcFile(_ path: String, _ text: String) throws {
        let fd = try FileDescriptor.open(path, O_WRONLY)
        try fd.write(Array(text.utf8), path: path)
    }

    package static func userName(_ uid: UInt32) -> String? {
        guard let entry = getpwuid(uid) else { return nil }
        return String(cString: entry.pointee.pw_name)
    }
}
