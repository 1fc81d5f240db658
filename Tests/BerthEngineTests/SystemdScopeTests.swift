// The systemd cgroup manager's pure parts: podman's default manager per host, the
// refusals naming why, where a slice's cgroup is, bus addresses, the scope
// request and the limits systemd gets as unit properties.
@testable import BerthEngine
import BerthSystem
import Foundation
import Testing
import TestSupport

@Suite struct SystemdScopeTests {
    static let v2Mounts = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"

    static func host(systemd: Bool, v2: Bool) -> CgroupHost {
        CgroupHost.parse(mountinfo: v2 ? v2Mounts : CgroupLayoutTests.hybridMounts, procCgroup: "0::/system.slice/x.service\n", hasSystemd: systemd)
    }

    @Test func default_manager_is_podmans() throws {
        #expect(try CgroupPlan.managerName(nil, host: Self.host(systemd: true, v2: true), rootless: false) == "systemd")
        #expect(try CgroupPlan.managerName(nil, host: Self.host(systemd: false, v2: true), rootless: false) == "cgroupfs")
        #expect(try CgroupPlan.managerName(nil, host: Self.host(systemd: true, v2: false), rootless: false) == "cgroupfs")
        #expect(try CgroupPlan.managerName(nil, host: Self.host(systemd: true, v2: false), rootless: true) == "cgroupfs")
        #expect(try CgroupPlan.managerName("cgroupfs", host: Self.host(systemd: true, v2: true), rootless: false) == "cgroupfs")
        #expect(try CgroupPlan.managerName("systemd", host: Self.host(systemd: true, v2: true), rootless: false) == "systemd")
    }

    @Test func systemd_is_refused_with_the_reason_where_it_cannot_work() {
        func refusal(_ host: CgroupHost) -> String {
            do { _ = try CgroupPlan.managerName("systemd", host: host, rootless: false); return "" } catch { return "\(error)" }
        }
        #expect(refusal(Self.host(systemd: false, v2: false)).contains("systemd is not running on this host"))
        #expect(refusal(Self.host(systemd: true, v2: false)).contains("needs cgroup v2"))
        #expect(refusal(Self.host(systemd: false, v2: false)).contains("--cgroup-manager cgroupfs"))
        #expect(throws: ContainerError.self) { try CgroupPlan.managerName("upstart", host: Self.host(systemd: true, v2: true), rootless: false) }
    }

    @Test func slices_nest_by_their_dashes() {
        #expect(SystemdScope.slicePath("machine.slice") == "/machine.slice")
        #expect(SystemdScope.slicePath("berth.slice") == "/berth.slice")
        #expect(SystemdScope.slicePath("a-b-c.slice") == "/a.slice/a-b.slice/a-b-c.slice")
        #expect(SystemdScope.slicePath("-.slice") == "/")
    }

    @Test func bus_addresses_give_their_unix_path() {
        #expect(SystemdScope.unixPath("unix:path=/run/user/1000/bus") == "/run/user/1000/bus")
        #expect(SystemdScope.unixPath("unix:guid=abc,path=/x/bus") == "/x/bus")
        #expect(SystemdScope.unixPath("tcp:host=localhost,port=1") == nil)
        #expect(SystemdScope.unixPath(nil) == nil)
    }

    @Test func scope_request_carries_pids_delegate_slice_and_collect_mode() throws {
        let call = SystemdScope.startTransientUnitCall(unit: "berth-abc.scope", slice: "machine.slice", pid: 4242, description: "berth container c",
                                                       limits: [], destination: "org.freedesktop.systemd1")
        #expect(call.member == "StartTransientUnit" && call.interface == "org.freedesktop.systemd1.Manager")
        #expect(call.signature == "ssa(sv)a(sa(sv))")
        #expect(call.body[0] == .string("berth-abc.scope") && call.body[1] == .string("fail"))
        let properties = try #require({ () -> [DBusValue]? in if case .array(_, let p) = call.body[2] { return p }; return nil }())
        #expect(properties.contains(.property("PIDs", .array(element: "u", [.uint32(4242)]))))
        #expect(properties.contains(.property("Delegate", .boolean(true))))
        #expect(properties.contains(.property("Slice", .string("machine.slice"))))
        #expect(properties.contains(.property("CollectMode", .string("inactive-or-failed"))))
        #expect(properties.contains(.property("Description", .string("berth container c"))))
    }

    @Test func limits_become_unit_properties() {
        var r = ContainerResources()
        r.memory = 64 << 20
        r.pidsLimit = 30
        r.nanoCpus = 500_000_000
        r.cpuShares = 1024
        let properties = SystemdScope.limitProperties(r)
        #expect(properties.contains(.property("MemoryMax", .uint64(64 << 20))))
        #expect(properties.contains(.property("TasksMax", .uint64(30))))
        // 0.5 CPU = 50 ms per 100 ms period = 500 ms per second.
        #expect(properties.contains(.property("CPUQuotaPerSecUSec", .uint64(500_000))))
        #expect(properties.contains(.property("CPUQuotaPeriodUSec", .uint64(100_000))))
        #expect(properties.contains(.property("CPUWeight", .uint64(CgroupLimits.cpuWeight(shares: 1024)))))
        var unlimited = ContainerResources()
        unlimited.pidsLimit = -1
        #expect(SystemdScope.limitProperties(unlimited) == [.property("TasksMax", .uint64(.max))])
    }
}

/// systemd's manager as far as a scope's start goes, on a private bus: it owns
/// org.freedesktop.systemd1, answers Subscribe and StartTransientUnit, and emits
/// JobRemoved for the job with `result`.
private final class FakeManager: @unchecked Sendable {
    let connection: DBusConnection
    let result: String
    let done = DispatchSemaphore(value: 0)
    var failure: (any Error)?

    init(bus: String, result: String) throws {
        connection = try DBusConnection(path: bus, isBus: true)
        self.result = result
        // RequestName flags 4: fail rather than queue when the name is taken.
        try connection.call(.call("org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus", member: "RequestName",
                                  [.string(SystemdScope.manager), .uint32(4)]))
    }

    func serve() {
        defer { done.signal() }
        do {
            while true {
                let call = try connection.nextMessage(timeout: 10)
                guard call.kind == .methodCall else { continue }
                var reply = DBusMessage(kind: .methodReturn)
                reply.replySerial = call.serial
                reply.destination = call.sender
                if call.member == "StartTransientUnit" {
                    let job = "/org/freedesktop/systemd1/job/7"
                    reply.body = [.objectPath(job)]
                    try connection.send(reply)
                    var removed = DBusMessage(kind: .signal)
                    removed.path = SystemdScope.managerPath
                    removed.interface = SystemdScope.managerInterface
                    removed.member = "JobRemoved"
                    removed.body = [.uint32(7), .objectPath(job), call.body[0], .string(result)]
                    try connection.send(removed)
                    return
                }
                try connection.send(reply)
                if call.member == "SetUnitProperties" { return }
            }
        } catch {
            failure = error
        }
    }
}

/// The fake manager serving on `bus` from a thread of its own.
private func startManager(on bus: DBusTestBus, result: String) throws -> FakeManager {
    let manager = try FakeManager(bus: bus.socket, result: result)
    Thread { manager.serve() }.start()
    return manager
}

@Suite struct SystemdScopeBusTests {
    @Test func scope_start_asks_the_manager_over_a_real_bus_and_waits_for_its_job() throws {
        try DBusTestBus.withBus(monitored: true) { bus in
            let manager = try startManager(on: bus, result: "done")
            try SystemdScope.start(unit: "berth-t.scope", slice: "machine.slice", pid: 4242, description: "berth container t",
                                   limits: [.property("TasksMax", .uint64(30))], rootless: false, socket: (bus.socket, true))
            manager.done.wait()
            #expect(manager.failure == nil, "\(String(describing: manager.failure))")
            // libdbus's decoder (dbus-monitor) reads the call as meant.
            let seen = bus.monitorMissing(["member=StartTransientUnit", "string \"berth-t.scope\"", "string \"fail\"", "string \"PIDs\"", "uint32 4242",
                                           "string \"Delegate\"", "boolean true", "string \"Slice\"", "string \"machine.slice\"", "string \"CollectMode\"",
                                           "string \"inactive-or-failed\"", "string \"TasksMax\"", "uint64 30", "member=Subscribe", "member=AddMatch"],
                                          waitingFor: "JobRemoved")
            #expect(seen.missing.isEmpty, "dbus-monitor saw no \(seen.missing):\n\(seen.log)")
        }
    }

    @Test func update_sets_the_scope_s_properties_at_runtime_so_a_daemon_reload_keeps_them() throws {
        try DBusTestBus.withBus(monitored: true) { bus in
            let manager = try startManager(on: bus, result: "done")
            var resources = ContainerResources()
            resources.memory = 64 << 20
            try SystemdScope.setProperties(unit: "berth-u.scope", SystemdScope.limitProperties(resources), rootless: false,
                                           socket: (bus.socket, true))
            manager.done.wait()
            #expect(manager.failure == nil, "\(String(describing: manager.failure))")
            let seen = bus.monitorMissing(["member=SetUnitProperties", "string \"berth-u.scope\"", "boolean true", "string \"MemoryMax\"", "uint64 67108864"],
                                          waitingFor: "uint64 67108864")
            #expect(seen.missing.isEmpty, "dbus-monitor saw no \(seen.missing):\n\(seen.log)")
        }
    }

    @Test func a_failed_start_job_is_an_error_naming_the_unit() throws {
        try DBusTestBus.withBus { bus in
            let manager = try startManager(on: bus, result: "failed")
            let error = #expect(throws: ContainerError.self) {
                try SystemdScope.start(unit: "berth-f.scope", slice: "machine.slice", pid: 1, description: "d", limits: [], rootless: false,
                                       socket: (bus.socket, true))
            }
            manager.done.wait()
            let text = error.map { "\($0)" } ?? ""
            #expect(text.contains("berth-f.scope") && text.contains("failed"), "\(text)")
        }
    }

    @Test func a_missing_manager_is_an_error_from_the_bus() throws {
        try DBusTestBus.withBus { bus in
            let connection = try DBusConnection(path: bus.socket, isBus: true, timeout: 5)
            #expect(connection.uniqueName?.hasPrefix(":") == true)
            let error = #expect(throws: SystemError.self) {
                try connection.call(.call(SystemdScope.manager, path: SystemdScope.managerPath, interface: SystemdScope.managerInterface, member: "Subscribe"))
            }
            #expect(error?.description.contains("org.freedesktop.DBus.Error.ServiceUnknown") == true, "\(String(describing: error))")
        }
    }
}
