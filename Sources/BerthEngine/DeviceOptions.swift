// --device HOST[:CONTAINER][:PERMS] (podman's syntax): checked at create (the host
// node must exist; a directory stands for every device node below it), made in the
// container at start (mknod as root, a bind of the host's node rootless, where no
// device can be made) and allowed in the devices cgroup with PERMS (DeviceCgroup.swift).
import BerthRuntime
import BerthSystem
import Glibc

/// One --device, as inspect's HostConfig.Devices shows it.
package struct DeviceMapping: Codable, Sendable, Equatable {
    package var pathOnHost: String
    package var pathInContainer: String
    /// Some of "rwm".
    package var permissions: String

    enum CodingKeys: String, CodingKey {
        case pathOnHost = "PathOnHost", pathInContainer = "PathInContainer", permissions = "CgroupPermissions"
    }
}

/// A host device node's type and numbers.
struct HostDevice {
    var isBlock: Bool
    var mode: UInt32
    var major: UInt32
    var minor: UInt32
    var uid: UInt32
    var gid: UInt32

    /// stat(2) of `path` (symlinks followed, as podman's os.Stat); podman's messages.
    init(_ path: String) throws {
        let status: stat
        do {
            status = try FileSystem.status(path)
        } catch let error as SystemError {
            throw ContainerError.invalid("stat \(path): \(SystemError.reason(error.errno).lowercasedFirst)")
        }
        let type = status.st_mode & S_IFMT
        guard type == S_IFCHR || type == S_IFBLK else {
            throw ContainerError.invalid("\(path) is not a device node")
        }
        isBlock = type == S_IFBLK
        mode = status.st_mode & (S_IFMT | 0o7777)
        major = UInt32(truncatingIfNeeded: (status.st_rdev >> 8) & 0xfff | (status.st_rdev >> 32) & ~0xfff)
        minor = UInt32(truncatingIfNeeded: status.st_rdev & 0xff | (status.st_rdev >> 12) & ~0xff)
        uid = status.st_uid
        gid = status.st_gid
    }
}

extension Engine {
    /// Parses each --device as podman's ParseDevice and checks its host node.
    static func checkedDevices(_ specs: [String]) throws -> [DeviceMapping] {
        try specs.flatMap { spec -> [DeviceMapping] in
            let mapping = try parseDevice(spec)
            if FileSystem.isDirectory(mapping.pathOnHost) { return try devices(below: mapping) }
            _ = try HostDevice(mapping.pathOnHost)
            return [mapping]
        }
    }

    /// --device DIR[:CONTAINER-DIR][:PERMS], as podman's DevicesFromPath: every
    /// character and block node below DIR (recursively, symlinks not followed), at
    /// the same place below CONTAINER-DIR, each with PERMS. None found is an error.
    static func devices(below directory: DeviceMapping) throws -> [DeviceMapping] {
        func join(_ base: String, _ name: String) -> String {
            let trimmed = base.reversed().drop { $0 == "/" }
            return String(trimmed.reversed()) + "/" + name
        }
        var found: [DeviceMapping] = []
        func walk(_ host: String, _ container: String) throws {
            for name in try FileSystem.list(host).sorted() {
                var status = Glibc.stat()
                guard lstat(join(host, name), &status) == 0 else { continue }
                switch status.st_mode & S_IFMT {
                case S_IFDIR:
                    try walk(join(host, name), join(container, name))
                case S_IFCHR, S_IFBLK:
                    found.append(DeviceMapping(pathOnHost: join(host, name), pathInContainer: join(container, name), permissions: directory.permissions))
                default:
                    continue
                }
            }
        }
        do {
            try walk(directory.pathOnHost, directory.pathInContainer)
        } catch let error as SystemError {
            throw ContainerError.invalid("reading --device \(directory.pathOnHost): \(error)")
        }
        guard !found.isEmpty else { throw ContainerError.invalid("no devices found in \(directory.pathOnHost): invalid argument") }
        return found
    }

    /// build --device: each one checked before the first step runs.
    package static func checkDevices(_ specs: [String]) throws {
        _ = try checkedDevices(specs)
    }

    static func parseDevice(_ spec: String) throws -> DeviceMapping {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), !parts[0].isEmpty else {
            throw ContainerError.invalid("invalid device specification: \(spec)")
        }
        var destination = "", permissions = "rwm"
        if parts.count == 3 {
            guard isDeviceMode(parts[2]) else { throw ContainerError.invalid("invalid device mode: \(parts[2])") }
            permissions = parts[2]
        }
        if parts.count >= 2 {
            if isDeviceMode(parts[1]) && parts.count == 2 {
                permissions = parts[1]
            } else {
                guard parts[1].hasPrefix("/") else { throw ContainerError.invalid("invalid device mode: \(parts[1])") }
                destination = parts[1]
            }
        }
        let source = FileSystem.absolute(parts[0])
        return DeviceMapping(pathOnHost: source, pathInContainer: destination.isEmpty ? source : destination, permissions: permissions)
    }

    /// r, w and m, each at most once.
    private static func isDeviceMode(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 3 && text.allSatisfy { "rwm".contains($0) } && Set(text).count == text.count
    }

    /// At start: the nodes (root) or binds of the host's nodes (in a user
    /// namespace), in place of a default device of the same path.
    func applyDevices(_ record: ContainerRecord, to spec: inout ContainerSpec) throws {
        for device in record.devices ?? [] {
            let host = try HostDevice(device.pathOnHost)
            spec.mounts.removeAll { $0.kind == .device && $0.destination == device.pathInContainer }
            if spec.inUserNamespace {
                spec.mounts.append(MountSpec(kind: .device, source: device.pathOnHost, destination: device.pathInContainer))
            } else {
                spec.deviceNodes.append(DeviceNode(path: device.pathInContainer, mode: host.mode, major: host.major,
                                                   minor: host.minor, uid: host.uid, gid: host.gid))
            }
        }
    }

    /// The devices cgroup's allow rules for --device (PERMS on the node's numbers).
    static func deviceRulesForDevices(_ record: ContainerRecord) -> [DeviceRule] {
        (record.devices ?? []).compactMap { device in
            guard let host = try? HostDevice(device.pathOnHost) else { return nil }
            return DeviceRule("\(host.isBlock ? "b" : "c") \(host.major):\(host.minor) \(device.permissions)")
        }
    }
}

private extension String {
    /// strerror's "No such file or directory" as Go's "no such file or directory".
    var lowercasedFirst: String { prefix(1).lowercased() + dropFirst() }
}
