// The volume verbs' engine side: listing with podman's filters, prune, rm of many,
// export and import as tar, and `volume mount`/`unmount`.
import BerthImage
package import BerthSystem
import Glibc

/// A volume with what a listing shows beside its record.
package struct VolumeDetails: Sendable {
    package var record: VolumeRecord
    package var mountpoint: String
    package var mountCount: Int
    /// IDs of the containers whose records mount it.
    package var users: [String]
}

/// `--filter` of `volume ls` and `volume prune`: different keys must all match, values of one key any.
package struct VolumeFilters: Sendable {
    private var filters: [(key: String, value: String)] = []

    package static let listKeys = ["name", "driver", "scope", "label", "label!", "opt", "dangling", "until", "anonymous"]
    package static let pruneKeys = ["label", "label!", "until"]

    /// `time` turns an `until` value into seconds since the epoch (nil: not a time).
    package init(_ texts: [String], keys: [String], time: (String) -> Double?) throws {
        for text in texts {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, keys.contains(parts[0]) else {
                throw VolumeError.invalidOption("\"\(parts[0])\" is an invalid volume filter")
            }
            switch parts[0] {
            case "dangling", "anonymous":
                guard ["true", "false", "1", "0"].contains(parts[1].lowercased()) else {
                    throw VolumeError.invalidOption("failed to parse \(parts[0]) filter value \"\(parts[1])\": use true or false")
                }
            case "until":
                guard let seconds = time(parts[1]) else { throw VolumeError.invalidOption("failed to parse until filter value \"\(parts[1])\"") }
                untilTimes[parts[1]] = seconds
            case "name":
                guard (try? Regex(parts[1])) != nil else { throw VolumeError.invalidOption("invalid name filter \"\(parts[1])\": not a regular expression") }
            default: break
            }
            filters.append((parts[0], parts[1]))
        }
    }

    private var untilTimes: [String: Double] = [:]

    package func matches(_ v: VolumeDetails) -> Bool {
        Dictionary(grouping: filters, by: \.key).allSatisfy { key, values in
            // label! excludes: no value of it may match.
            key == "label!" ? !values.contains { Self.label($0.value, v.record.labels) }
                            : values.contains { matches(key, $0.value, v) }
        }
    }

    private func matches(_ key: String, _ value: String, _ v: VolumeDetails) -> Bool {
        let truth = ["true", "1"].contains(value.lowercased())
        switch key {
        case "name": return (try? Regex(value)).map { v.record.name.contains($0) } ?? false
        case "driver": return v.record.driver == value
        case "scope": return value == "local"
        case "label": return Self.label(value, v.record.labels)
        case "opt": return Self.label(value, v.record.options)
        case "dangling": return v.users.isEmpty == truth
        case "anonymous": return v.record.anonymous == truth
        case "until": return v.record.createdAt < untilTimes[value] ?? 0
        default: return false
        }
    }

    /// `KEY` or `KEY=VALUE` against a map, as podman's label filters match.
    static func label(_ filter: String, _ map: [String: String]) -> Bool {
        let parts = filter.split(separator: "=", maxSplits: 1).map(String.init)
        guard let value = map[parts[0]] else { return false }
        return parts.count == 1 || value == parts[1]
    }
}

extension Engine {
    /// Every volume with its users, read once for all of them.
    package func volumeDetails() throws -> [VolumeDetails] {
        let records = try volumes()
        guard !records.isEmpty else { return [] }
        var users: [String: [String]] = [:]
        for id in try containerIDs() {
            guard let record = try? readRecord(id) else { continue }
            for mount in record.mounts where mount.type == "volume" { users[mount.source, default: []].append(id) }
        }
        return records.map {
            VolumeDetails(record: $0, mountpoint: volumeDataPath($0.name), mountCount: volumeMountCount($0.name), users: users[$0.name] ?? [])
        }
    }

    package func volumeDetails(named name: String) throws -> VolumeDetails {
        let record = try volume(named: name)
        return VolumeDetails(record: record, mountpoint: volumeDataPath(name), mountCount: volumeMountCount(name),
                             users: containersUsing(volume: name).map(\.id))
    }

    package func volumeExists(_ name: String) -> Bool {
        VolumeOptions.isValidName(name) && FileSystem.exists(volumeRecordPath(name))
    }

    /// Removes the volumes no container uses that the filters choose; the names removed.
    package func pruneVolumes(_ filters: VolumeFilters) throws -> [String] {
        var removed: [String] = []
        for volume in try volumeDetails() where volume.users.isEmpty && filters.matches(volume) {
            do {
                try removeVolume(volume.record.name, force: false)
                removed.append(volume.record.name)
                // podman writes a prune event after each pruned volume's remove.
                recordEvent(.volume("prune", name: volume.record.name))
            } catch VolumeError.inUse {
                continue   // a container took it meanwhile
            }
        }
        return removed
    }

    /// `volume export`: the volume's contents as a tar on `fd`.
    package func exportVolume(_ name: String, to fd: FileDescriptor, path: String) throws {
        _ = try volume(named: name)
        let id = "export-\(ProcessIdentity.pid)"
        let data = try activateVolume(name, for: id)
        defer { deactivateVolume(name, for: id) }
        _ = try LayerTarWriter(directory: data, location: "volume \(name)").write(to: fd, path: path)
    }

    /// `volume import`: a tar (plain or compressed) from `fd` unpacked into the volume, beneath its root.
    package func importVolume(_ name: String, from fd: FileDescriptor, location: String) throws {
        _ = try volume(named: name)
        let id = "import-\(ProcessIdentity.pid)"
        let data = try activateVolume(name, for: id)
        defer { deactivateVolume(name, for: id) }
        let unpacker = try LayerUnpacker(directory: data, location: "volume \(name)", options: UnpackOptions.current())
        let stream = try DecompressingStream(DescriptorStream(fd), location: location)
        try unpacker.unpack(TarReader(stream, location: location))
        // Content came in: the first container must not copy the image's over it.
        try updateVolume(name) { $0.needsCopyUp = false }
    }

    /// `volume mount`: the volume's mount point, mounted when its options need it (counted
    /// like a container's use until `volume unmount`).
    package func mountVolume(_ name: String) throws -> String {
        try activateVolume(name, for: "user")
    }

    package func unmountVolume(_ name: String) throws {
        _ = try volume(named: name)
        deactivateVolume(name, for: "user")
    }
}
