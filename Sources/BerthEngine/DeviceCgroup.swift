// Which devices a container may open and make (the devices cgroup): runc's
// default allow list plus --device-cgroup-rule, below a deny-all. v1 writes it
// to devices.deny/devices.allow; v2 has no such files, so the list becomes an
// eBPF program attached to the container's cgroup (DeviceCgroupProgram.swift).
// Root only: a rootless container makes no device nodes (no CAP_MKNOD over the
// host's devices) and opens only what the host's permissions let its user open,
// so an allow rule asks for nothing more there; podman (runc, crun) accepts the
// rule and writes no device cgroup rootless too. --privileged: every device, as podman.
import BerthSystem

/// One rule: "c 1:3 rwm", "b *:* m", "a" (every device, every access).
struct DeviceRule: Equatable {
    /// "a", "b" or "c".
    var type: Character
    /// nil: any number (*).
    var major: UInt32?
    var minor: UInt32?
    /// Some of "rwm".
    var access: String

    /// Parses a rule as --device-cgroup-rule takes it; nil when malformed.
    init?(_ text: String) {
        let parts = text.split(separator: " ")
        guard let first = parts.first, first.count == 1, let type = first.first, "abc".contains(type) else { return nil }
        self.type = type
        if parts.count == 1 {
            guard type == "a" else { return nil }
            major = nil; minor = nil; access = "rwm"
            return
        }
        guard parts.count == 3 else { return nil }
        let numbers = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        guard numbers.count == 2 else { return nil }
        func number(_ text: Substring) -> UInt32?? { text == "*" ? .some(nil) : UInt32(text).map { .some($0) } }
        guard let major = number(numbers[0]), let minor = number(numbers[1]),
              !parts[2].isEmpty, parts[2].allSatisfy({ "rwm".contains($0) }) else { return nil }
        self.major = major
        self.minor = minor
        access = String(parts[2])
    }

    /// As devices.allow takes it.
    var text: String {
        if type == "a" && major == nil && minor == nil && access == "rwm" { return "a" }
        return "\(type) \(major.map(String.init) ?? "*"):\(minor.map(String.init) ?? "*") \(access)"
    }

    /// runc's default list: any node may be made (what it opens is judged when it
    /// is opened); /dev/null, zero, full, random, urandom, tty, console, ptmx, the
    /// container's pseudo-terminals, and /dev/net/tun may be opened.
    static let defaults: [DeviceRule] = [
        "c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
        "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:200 rwm",
    ].map { DeviceRule($0)! }
}

extension Engine {
    /// Whether --device-cgroup-rule can take `text` (the CLI refuses it before create).
    package static func isDeviceCgroupRule(_ text: String) -> Bool { DeviceRule(text) != nil }
}

extension Engine {
    /// The devices the container may use, below a deny-all; nil: no device cgroup
    /// (rootless, --privileged, or no cgroup at all).
    static func deviceRules(_ record: ContainerRecord) -> [DeviceRule]? {
        guard !record.isRootless, !record.privileged, record.cgroups != "disabled" else { return nil }
        return DeviceRule.defaults + (record.resources?.deviceCgroupRules ?? []).compactMap(DeviceRule.init)
            + deviceRulesForDevices(record)
    }

    /// Refuses, before create, rules this host cannot enforce: v1 without the
    /// devices controller mounted. (v2's program needs a kernel with
    /// CONFIG_CGROUP_BPF, which a v2 host running systemd has.)
    func checkDeviceRules(_ record: ContainerRecord, plan: CgroupPlan) throws {
        guard record.resources?.deviceCgroupRules != nil, Engine.deviceRules(record) != nil else { return }
        if plan.version == 1 && plan.paths["devices"] == nil {
            throw ContainerError.invalid("--device-cgroup-rule needs the devices cgroup controller, which is not mounted on this host (cgroup v1: mount it at /sys/fs/cgroup/devices)")
        }
    }

    /// Writes the container's device list to its cgroup: v1 devices.deny "a" then
    /// each allow rule; v2 the list as a device program attached to the cgroup.
    func applyDeviceRules(_ record: ContainerRecord, at location: CgroupLocation) throws {
        guard let rules = Engine.deviceRules(record) else { return }
        if location.version == 1 {
            guard let directory = location.paths["devices"] else { return }
            try CgroupFiles.write("a", to: "devices.deny", in: directory)
            try CgroupFiles.writeEach(rules.map(\.text), to: "devices.allow", in: directory)
            return
        }
        guard let directory = location.paths[""] else { return }
        try BPFDeviceFilter.attach(DeviceCgroupProgram.assemble(rules), to: directory)
    }
}
